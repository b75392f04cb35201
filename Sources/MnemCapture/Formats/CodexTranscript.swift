import MnemCore

/// Reads a Codex CLI rollout (`rollout-*.jsonl`): `{timestamp, type, payload}` records.
///
/// - Steps: one per `response_item` `function_call` or `custom_tool_call`, paired with its
///   `function_call_output` / `custom_tool_call_output` by `call_id`. `exec_command`/`shell`
///   arguments (a JSON string) become the command line (`cmd`, or `command` as a string or an
///   argv, `bash -lc X` shown as `X`); other tools keep their arguments as JSON; `apply_patch`
///   keeps the patch text.
/// - Compaction: `compacted` records and their `replacement_history` repeat old history and
///   are not read again (the session is tagged `compacted`).
/// - Task: the first `event_msg` `user_message` (or, without one, the first user
///   `response_item` message) that is not injected context (`<environment_context>`,
///   `<user_instructions>`, `# AGENTS.md instructions`); later user messages are replies.
/// - Reasoning: `reasoning` summaries and assistant messages before a call; the last assistant
///   message is the final message. Patch: each `apply_patch` that succeeded, as a unified diff.
/// - Source: `session_meta` (id, cwd, cli_version, git), `turn_context` (model, cwd).
/// - Exit status: the output's `metadata.exit_code`, or `Process exited with code N` / `Exit code: N`.
/// - A `turn_aborted` after the last `task_started` tags the session `aborted`.
enum CodexTranscript: TranscriptReader {
    static let format = TranscriptFormat.codex

    static let injected = ["<environment_context>", "<user_instructions>", "# AGENTS.md instructions", "<permissions", "<INSTRUCTIONS>"]

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var builder = SessionBuilder(format: format)
        var fallbackTask: String?
        var sawRecord = false
        var lastTurnAborted = false
        var compacted = false
        /// `apply_patch` calls waiting for their output, by call id: their diff counts once applied.
        var patches: [String: String] = [:]

        result.digest = try forEachJSONLine(path, result: &result) { line, _ in
            guard let type = line["type"]?.stringValue, let payload = line["payload"] else { return }
            sawRecord = true
            let timestamp = line.string("timestamp")
            builder.noteTime(timestamp)
            switch type {
            case "session_meta":
                let meta = payload["meta"] ?? payload
                builder.session.source.sessionId = builder.session.source.sessionId ?? meta.string("id")
                builder.session.source.workingDirectory = builder.session.source.workingDirectory ?? meta.string("cwd")
                builder.session.source.agentVersion = builder.session.source.agentVersion ?? meta.string("cli_version")
                if let git = payload["git"] ?? line["git"] {
                    builder.session.source.commit = git.string("commit_hash")
                    builder.session.source.branch = git.string("branch")
                    builder.session.source.repository = git.string("repository_url").map { text.input($0) }
                }
            case "turn_context":
                builder.noteModel(payload.string("model"))
                if builder.session.source.workingDirectory == nil { builder.session.source.workingDirectory = payload.string("cwd") }
            case "compacted":
                compacted = true
            case "event_msg":
                switch payload["type"]?.stringValue {
                case "user_message":
                    if let message = payload.string("message"), !injected.contains(where: { message.hasPrefix($0) }) {
                        builder.noteUserMessage(message, text: &text)
                    }
                case "task_started": lastTurnAborted = false
                case "turn_aborted": lastTurnAborted = true
                case "context_compacted": compacted = true
                default: break
                }
            case "response_item":
                switch payload["type"]?.stringValue {
                case "message":
                    switch payload["role"]?.stringValue {
                    case "assistant":
                        let said = payload["content"]?.contentText ?? ""
                        builder.noteReasoning(said, text: &text)
                        builder.noteAgentText(said)
                    case "user":
                        guard fallbackTask == nil else { return }
                        let message = payload["content"]?.contentText.trimmingWhitespace ?? ""
                        if !message.isEmpty, !injected.contains(where: { message.hasPrefix($0) }) { fallbackTask = message }
                    default:
                        return
                    }
                case "reasoning":
                    for part in (payload["summary"]?.arrayValue ?? []) + (payload["content"]?.arrayValue ?? []) {
                        if let thought = part["text"]?.stringValue { builder.noteReasoning(thought, text: &text) }
                    }
                case "function_call", "local_shell_call":
                    let name = payload.string("name") ?? "shell"
                    let input = commandLine(arguments: payload["arguments"] ?? payload["action"] ?? .null)
                    let id = payload.string("call_id") ?? payload.string("id")
                    if let id, let at = input.range(of: "*** Begin Patch") { patches[id] = String(input[at.lowerBound...]) }
                    builder.addStep(tool: name, input: text.input(input), id: id, timestamp: timestamp)
                case "custom_tool_call":
                    let name = payload.string("name") ?? "tool"
                    let input = payload["input"]?.stringValue ?? payload["input"]?.compactText ?? ""
                    let id = payload.string("call_id")
                    if let id, input.contains("*** Begin Patch") { patches[id] = input }
                    builder.addStep(tool: name, input: text.input(input), id: id, timestamp: timestamp)
                case "function_call_output", "custom_tool_call_output", "local_shell_call_output":
                    guard let id = payload.string("call_id") else { return }
                    let (output, exit) = outputAndExit(payload["output"] ?? .null)
                    if let patch = patches.removeValue(forKey: id), exit == 0 || (exit == nil && output.hasPrefix("Success")),
                        let diff = PatchText.fromApplyPatch(patch, root: builder.session.source.workingDirectory)
                    {
                        builder.addPatch(diff, limit: text.maxPatchLength)
                    }
                    builder.resolve(id: id, observation: text.observation(output), exitStatus: exit)
                default:
                    return
                }
            default:
                return
            }
        }
        guard sawRecord else { return result }
        if builder.session.task.isEmpty, let fallbackTask {
            builder.offerTask(text.task(fallbackTask))
            builder.offerFirstUserMessage(fallbackTask, text: &text)
        }
        if lastTurnAborted { builder.session.tags.append("aborted") }
        if compacted { builder.session.tags.append("compacted") }
        result.sessions.append(builder.finish(text: &text))
        return result
    }

    /// The command line of an `exec_command`/`shell` call from its JSON-string arguments.
    static func commandLine(arguments: JSONValue) -> String {
        var args = arguments
        if let s = arguments.stringValue {
            guard let parsed = try? JSONParser.parse(s, duplicateKeys: .lastWins) else { return s }
            args = parsed
        }
        if let cmd = args["cmd"]?.stringValue { return cmd }
        if let command = args["command"] {
            if let s = command.stringValue { return s }
            if let argv = command.arrayValue?.compactMap(\.stringValue) {
                if argv.count == 3, ["-lc", "-c"].contains(argv[1]) { return argv[2] }
                return argv.joined(separator: " ")
            }
        }
        return args.compactText
    }

    /// The text of a tool output and its exit code, from the plain-text or the JSON
    /// (`{"output":…,"metadata":{"exit_code":…}}`) shape.
    static func outputAndExit(_ output: JSONValue) -> (String, Int?) {
        var value = output
        if let s = output.stringValue {
            guard s.hasPrefix("{"), let parsed = try? JSONParser.parse(s, duplicateKeys: .lastWins), parsed["output"] != nil else {
                return (s, exitCode(inText: s.prefix(400)))
            }
            value = parsed
        }
        let text = value["output"]?.contentText ?? value["content"]?.contentText ?? value.contentText
        if let code = value["metadata"]?["exit_code"]?.intValue { return (text, Int(clamping: code)) }
        return (text, exitCode(inText: text.prefix(400)))
    }
}
