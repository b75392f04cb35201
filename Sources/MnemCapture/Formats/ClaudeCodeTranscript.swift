import MnemCore

/// Reads Claude Code session JSONL: a main session file or a subagent file
/// (`<session>/subagents/agent-<id>.jsonl`).
///
/// - Steps: one per `tool_use` block of an assistant line, in order, paired with the
///   `tool_result` of the same id on a later user line (inline Task sidechains of 1.0.x files
///   included). Thinking and text blocks are not steps.
/// - Skipped lines: `progress`, `file-history-snapshot`, `queue-operation`, `summary`, `system`
///   (a `compact_boundary` only tags the session `compacted`).
/// - Task: the first prompt the user typed. Slash-command XML (`<command-name>` …), local
///   command output, caveats, hook reminders, task notifications, interruptions, meta lines and
///   compaction summaries are not prompts; a slash command's `<command-args>` are, when given;
///   a slash command without arguments falls back to the prompt it expanded to (its meta line).
/// - Session id: `sessionId`; a subagent file's is `<sessionId>/agent-<agentId>`, so it never
///   supersedes its parent session.
/// - Exit status: Bash results carry `Exit code N` when they fail; a Bash result that is not an
///   error exited 0; a rejected or interrupted call has none.
enum ClaudeCodeTranscript: TranscriptReader {
    static let format = TranscriptFormat.claudeCode

    static let skippedTypes: Set<String> = ["progress", "file-history-snapshot", "queue-operation", "summary", "system"]

    /// Prefixes of user text that is tooling, not a prompt.
    static let notPrompts = [
        "<local-command-stdout>", "<local-command-stderr>", "<local-command-caveat>", "<bash-input>", "<bash-stdout>",
        "<bash-stderr>", "<task-notification>", "<system-reminder>", "<user-prompt-submit-hook>", "[Request interrupted",
        "Caveat: The messages below were generated", "<command-message>", "<command-name>", "<command-args>",
    ]

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var builder = SessionBuilder(format: format)
        var toolNames: [String: String] = [:]
        var sessionId: String?
        var agentId: String?
        var sawSidechainOnly = true
        var sawMessage = false
        var slashName: String?
        var slashExpansion: String?
        var awaitingExpansion = false
        var compactions = 0

        func consider(userText raw: String, isMeta: Bool, isSidechain: Bool, text: inout StepText, builder: inout SessionBuilder) {
            let t = raw.trimmingWhitespace
            guard !t.isEmpty, builder.session.task.isEmpty else { return }
            if isMeta {
                if awaitingExpansion, slashExpansion == nil, !t.hasPrefix("<") { slashExpansion = t }
                return
            }
            if t.hasPrefix("<command-") || t.contains("<command-name>") {
                let name = textBetween(t, "<command-name>", "</command-name>")
                let args = textBetween(t, "<command-args>", "</command-args>")?.trimmingWhitespace ?? ""
                if !args.isEmpty {
                    builder.offerTask(text.task(args))
                } else if slashName == nil, let name {
                    slashName = name
                    awaitingExpansion = true
                }
                return
            }
            if notPrompts.contains(where: { t.hasPrefix($0) }) { return }
            awaitingExpansion = false
            builder.offerTask(text.task(t))
        }

        result.digest = try forEachJSONLine(path, result: &result, skip: isIgnoredRecord) { line, _ in
            guard let type = line["type"]?.stringValue else { return }
            if type == "system" {
                if line["subtype"]?.stringValue == "compact_boundary" { compactions += 1 }
                return
            }
            if skippedTypes.contains(type) { return }
            guard type == "user" || type == "assistant", let message = line["message"] else { return }
            sawMessage = true
            if sessionId == nil { sessionId = line.string("sessionId") }
            if agentId == nil { agentId = line.string("agentId") }
            let isSidechain = line["isSidechain"]?.boolValue ?? false
            if !isSidechain { sawSidechainOnly = false }
            if builder.session.source.agentVersion == nil { builder.session.source.agentVersion = line.string("version") }
            if builder.session.source.workingDirectory == nil { builder.session.source.workingDirectory = line.string("cwd") }
            if builder.session.source.branch == nil { builder.session.source.branch = line.string("gitBranch") }
            let timestamp = line.string("timestamp")
            builder.noteTime(timestamp)

            if type == "assistant" {
                builder.noteModel(message.string("model"))
                for block in message["content"]?.arrayValue ?? [] where block["type"]?.stringValue == "tool_use" {
                    let name = block.string("name") ?? "tool"
                    let id = block.string("id")
                    if let id { toolNames[id] = name }
                    builder.addStep(tool: name, input: text.input(toolInput(name: name, block["input"] ?? .null)), id: id, timestamp: timestamp)
                }
                return
            }
            let isMeta = line["isMeta"]?.boolValue ?? false
            if line["isCompactSummary"]?.boolValue ?? false { return }
            // In a main session file, sidechain prompts are a subagent's task, not the session's.
            let promptAllowed = !isSidechain || sawSidechainOnly
            switch message["content"] {
            case .string(let s):
                if promptAllowed { consider(userText: s, isMeta: isMeta, isSidechain: isSidechain, text: &text, builder: &builder) }
            case .array(let blocks):
                for block in blocks {
                    switch block["type"]?.stringValue {
                    case "tool_result":
                        guard let id = block.string("tool_use_id") else { continue }
                        let isError = block["is_error"]?.boolValue ?? false
                        let output = block["content"]?.contentText ?? ""
                        var exit: Int?
                        if toolNames[id] == "Bash" {
                            if isError {
                                if output.hasPrefix("Exit code ") { exit = exitCode(inText: output.prefix(24)) }
                            } else if line["toolUseResult"]?["interrupted"]?.boolValue != true {
                                exit = 0
                            }
                        }
                        builder.resolve(id: id, observation: text.observation(output), exitStatus: exit, isError: isError)
                    case "text":
                        if promptAllowed, let s = block["text"]?.stringValue {
                            consider(userText: s, isMeta: isMeta, isSidechain: isSidechain, text: &text, builder: &builder)
                        }
                    default:
                        continue
                    }
                }
            default:
                return
            }
        }
        guard sawMessage else { return result }
        if builder.session.task.isEmpty {
            builder.offerTask(text.task(slashExpansion ?? slashName ?? ""))
        }
        if let sessionId {
            builder.session.source.sessionId = sawSidechainOnly && agentId != nil ? "\(sessionId)/agent-\(agentId ?? "")" : sessionId
        }
        if sawSidechainOnly, agentId != nil { builder.session.tags.append("subagent") }
        if compactions > 0 { builder.session.tags.append("compacted") }
        result.sessions.append(builder.finish())
        return result
    }

    static let ignoredMarkers = [#""type":"progress""#, #""type":"file-history-snapshot""#, #""type":"queue-operation""#]
    static let messageMarkers = [#""type":"user""#, #""type":"assistant""#]

    /// Whether a line is a record the reader ignores (progress, snapshots, queue operations:
    /// a third of a 2.x transcript), judged without parsing. A line that also mentions a user or
    /// assistant type anywhere (an agent_progress carries messages) is parsed, to be safe.
    static func isIgnoredRecord(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        func has(_ marker: String) -> Bool {
            var m = marker
            return m.withUTF8 { ByteSearch.find($0, in: line) } != nil
        }
        return ignoredMarkers.contains(where: has) && !messageMarkers.contains(where: has)
    }

    /// A step's input: the command for Bash-like tools, the path for Read, else the arguments as JSON.
    static func toolInput(name: String, _ input: JSONValue) -> String {
        if let command = input["command"]?.stringValue { return command }
        if name == "Read", let path = input["file_path"]?.stringValue { return path }
        return input.compactText
    }

}
