import MnemCore

/// Reads Claude Code session JSONL: a main session file or a subagent file
/// (`<session>/subagents/agent-<id>.jsonl`).
///
/// - Steps: one per `tool_use` block of an assistant line, in order, paired with the
///   `tool_result` of the same id on a later user line (inline Task sidechains of 1.0.x files
///   included). Thinking and text blocks are not steps: they are the reasoning of the next
///   step (the session's own, not an inline subagent's); the last text block is the final message.
/// - Patch: each successful Edit, MultiEdit and Write, from its `structuredPatch` (a new file's content).
/// - Skipped lines: `progress`, `file-history-snapshot`, `queue-operation`, `summary`, `system`
///   (a `compact_boundary` only tags the session `compacted`).
/// - Task: the first prompt the user typed. Slash-command XML (`<command-name>` …), local
///   command output, caveats, hook reminders, task notifications, interruptions, meta lines and
///   compaction summaries are not prompts; a slash command's `<command-args>` are, when given;
///   a slash command without arguments falls back to the prompt it expanded to (its meta line).
///   Later prompts are the user's replies (evidence for the outcome).
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
        /// The input of each file-editing call still waiting for its result.
        var editInputs: [String: JSONValue] = [:]
        var sessionId: String?
        var agentId: String?
        var sawSidechainOnly = true
        var sawMessage = false
        var slashName: String?
        var slashExpansion: String?
        var awaitingExpansion = false
        var compactions = 0

        /// A typed prompt: the first is the task and the first user message, later ones are replies.
        func consider(userText raw: String, isMeta: Bool, text: inout StepText, builder: inout SessionBuilder) {
            let t = raw.trimmingWhitespace
            guard !t.isEmpty else { return }
            let first = builder.session.task.isEmpty
            if isMeta {
                if first, awaitingExpansion, slashExpansion == nil, !t.hasPrefix("<") { slashExpansion = t }
                return
            }
            if t.hasPrefix("<command-") || t.contains("<command-name>") {
                let name = textBetween(t, "<command-name>", "</command-name>")
                let args = textBetween(t, "<command-args>", "</command-args>")?.trimmingWhitespace ?? ""
                let typed = [name ?? "", args].filter { !$0.isEmpty }.joined(separator: " ")
                if !first {
                    if !typed.isEmpty { builder.noteUserReply(typed, text: &text) }
                } else if !args.isEmpty {
                    builder.offerTask(text.task(args))
                    builder.offerFirstUserMessage(typed, text: &text)
                } else if slashName == nil, let name {
                    slashName = name
                    awaitingExpansion = true
                }
                return
            }
            if notPrompts.contains(where: { t.hasPrefix($0) }) { return }
            awaitingExpansion = false
            if first {
                builder.offerTask(text.task(t))
                builder.offerFirstUserMessage(t, text: &text)
            } else {
                builder.noteUserReply(t, text: &text)
            }
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

            // In a main session file, a sidechain is a subagent's work: its prompts and words are not the session's.
            let ownText = !isSidechain || sawSidechainOnly
            if type == "assistant" {
                builder.noteModel(message.string("model"))
                for block in message["content"]?.arrayValue ?? [] {
                    switch block["type"]?.stringValue {
                    case "tool_use":
                        let name = block.string("name") ?? "tool"
                        let id = block.string("id")
                        let input = block["input"] ?? .null
                        if let id {
                            toolNames[id] = name
                            if editTools.contains(name) { editInputs[id] = input }
                        }
                        builder.addStep(tool: name, input: text.input(toolInput(name: name, input)), id: id, timestamp: timestamp)
                    case "text":
                        guard ownText, let said = block["text"]?.stringValue else { continue }
                        builder.noteReasoning(said, text: &text)
                        builder.noteAgentText(said)
                    case "thinking":
                        guard ownText, let thought = block["thinking"]?.stringValue else { continue }
                        builder.noteReasoning(thought, text: &text)
                    default:
                        continue
                    }
                }
                return
            }
            let isMeta = line["isMeta"]?.boolValue ?? false
            if line["isCompactSummary"]?.boolValue ?? false { return }
            switch message["content"] {
            case .string(let s):
                if ownText { consider(userText: s, isMeta: isMeta, text: &text, builder: &builder) }
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
                        if let input = editInputs.removeValue(forKey: id), !isError {
                            let root = builder.session.source.workingDirectory
                            if let diff = editPatch(result: line["toolUseResult"] ?? .null, input: input, root: root) {
                                builder.addPatch(diff, limit: text.maxPatchLength)
                            }
                        }
                        builder.resolve(id: id, observation: text.observation(output), exitStatus: exit, isError: isError)
                    case "text":
                        if ownText, let s = block["text"]?.stringValue {
                            consider(userText: s, isMeta: isMeta, text: &text, builder: &builder)
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
            builder.offerFirstUserMessage(slashName ?? slashExpansion ?? "", text: &text)
        }
        if let sessionId {
            builder.session.source.sessionId = sawSidechainOnly && agentId != nil ? "\(sessionId)/agent-\(agentId ?? "")" : sessionId
        }
        if sawSidechainOnly, agentId != nil { builder.session.tags.append("subagent") }
        if compactions > 0 { builder.session.tags.append("compacted") }
        result.sessions.append(builder.finish(text: &text))
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

    static let editTools: Set<String> = ["Edit", "MultiEdit", "Write", "NotebookEdit"]

    /// The diff of a successful Edit/MultiEdit/Write: its `structuredPatch` (a new file's
    /// `content` when the patch is empty), else what the call's input asked for.
    static func editPatch(result: JSONValue, input: JSONValue, root: String?) -> String? {
        let path = result.string("filePath") ?? input.string("file_path") ?? ""
        if !path.isEmpty {
            if result.string("type") == "create", let content = result["content"]?.stringValue {
                return PatchText.creation(path: path, content: content, root: root)
            }
            if let hunks = result["structuredPatch"]?.arrayValue, let diff = PatchText.structured(path: path, hunks: hunks, root: root) {
                return diff
            }
        }
        return PatchText.fromToolArguments(input, root: root)
    }

    /// A step's input: the command for Bash-like tools, the path for Read, else the arguments as JSON.
    static func toolInput(name: String, _ input: JSONValue) -> String {
        if let command = input["command"]?.stringValue { return command }
        if name == "Read", let path = input["file_path"]?.stringValue { return path }
        return input.compactText
    }

}
