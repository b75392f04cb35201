import MnemCore

/// Reads a mini-swe-agent `.traj.json`: `{info, messages[], trajectory_format[, instance_id]}`.
///
/// - `mini-swe-agent-1.1` (tool calls): one step per assistant `tool_calls[]` entry (the `bash`
///   function's `command` argument), paired with the `tool` message of the same `tool_call_id`
///   (`<returncode>N</returncode><output>…</output>`, `extra.returncode`). The final submit
///   call has no tool message; its step has an empty observation.
/// - `mini-swe-agent-1` (text actions): one step per assistant message with a ```` ```bash ````
///   block (the first block), its observation the next user message.
/// - Task: the first user message; the `<pr_description>` inside it, or the issue after
///   `Please solve this issue:`.
/// - Model: `info.config.model.model_name`; version `info.mini_version`.
/// - Outcome: `SubmissionOutcome` over `info.exit_status` and `info.submission` (or the `exit`
///   message's `extra`, when `info` lacks them).
enum MiniSWEAgentTrajectory: DocumentReader {
    static let format = TranscriptFormat.miniSweAgent

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        let (root, digest) = try loadDocument(path)
        return try read(document: root, path: path, digest: digest, text: &text)
    }

    static func read(document root: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult {
        guard let messages = root["messages"]?.arrayValue else {
            throw TranscriptError(file: path, line: 0, reason: "no messages array: not a mini-swe-agent trajectory")
        }
        var result = ReadResult()
        result.digest = digest
        var builder = SessionBuilder(format: format)
        let info = root["info"] ?? .null
        var awaitingObservation: Int?
        var exitMessage: JSONValue?

        for message in messages {
            let role = message["role"]?.stringValue ?? ""
            let timestamp = message["extra"]?["timestamp"]?.doubleValue.map(isoDate(fromUnix:))
            builder.noteTime(timestamp)
            switch role {
            case "user":
                let content = message["content"]?.contentText ?? ""
                if builder.session.task.isEmpty {
                    builder.offerTask(text.task(taskText(content)))
                } else if let index = awaitingObservation {
                    builder.setResult(index, observation: text.observation(outputText(content)), exitStatus: exitCode(inText: content.prefix(200)))
                    awaitingObservation = nil
                }
            case "assistant":
                if let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
                    for call in calls {
                        let function = call["function"] ?? .null
                        let command = CodexTranscript.commandLine(arguments: function["arguments"] ?? .null)
                        builder.addStep(tool: function.string("name") ?? "bash", input: text.input(command), id: call.string("id"), timestamp: timestamp)
                    }
                } else if let command = firstBashBlock(message["content"]?.contentText ?? "") {
                    awaitingObservation = builder.addStep(tool: "bash", input: text.input(command), timestamp: timestamp)
                }
            case "exit":
                exitMessage = message["extra"]
            case "tool":
                guard let id = message.string("tool_call_id") else { continue }
                let content = message["content"]?.contentText ?? ""
                let code = message["extra"]?["returncode"]?.intValue.map { Int(clamping: $0) } ?? exitCode(inText: content.prefix(200))
                builder.resolve(id: id, observation: text.observation(outputText(content)), exitStatus: code)
            default:
                continue
            }
        }
        let config = info["config"] ?? .null
        builder.noteModel(config["model"]?.string("model_name") ?? info.string("model_name"))
        builder.session.source.agentVersion = info.string("mini_version")
        let instance = root.string("instance_id") ?? SWEAgentTrajectory.instanceName(path, suffix: ".traj.json")
        builder.session.instanceId = root.string("instance_id")
        builder.session.source.sessionId = instance
        if let repo = info.string("repo_url") { builder.session.source.repository = text.input(repo) }
        // The exit message repeats the status; older files may only have one of the two.
        SubmissionOutcome.apply(
            exitStatus: info.string("exit_status") ?? exitMessage?.string("exit_status"),
            submission: info.string("submission") ?? exitMessage?.string("submission"), to: &builder.session)
        result.sessions.append(builder.finish())
        return result
    }

    /// The PR description or issue inside mini-swe-agent's task prompt.
    static func taskText(_ content: String) -> String {
        if let inner = textBetween(content, "<pr_description>", "</pr_description>") {
            var body = inner.trimmingWhitespace
            let lead = "Consider the following PR description:"
            if body.hasPrefix(lead) { body = String(body.dropFirst(lead.count)) }
            return body
        }
        let lead = "Please solve this issue: "
        if let r = content.range(of: lead) {
            let rest = content[r.upperBound...]
            if let end = rest.range(of: "\n\n") { return String(rest[..<end.lowerBound]) }
            return String(rest)
        }
        return content
    }

    /// The `<output>` of a `<returncode>…<output>…</output>` observation, else the text.
    static func outputText(_ content: String) -> String {
        guard ByteSearch.contains(content, "<returncode>") else { return content }
        if let output = textBetween(content, "<output>", "</output>") { return output }
        return content
    }

    /// The body of the first ```` ```bash ```` (or ```` ```sh ````) block.
    static func firstBashBlock(_ content: String) -> String? {
        for fence in ["```bash\n", "```sh\n", "```bash\r\n"] {
            guard let open = content.range(of: fence) else { continue }
            let rest = content[open.upperBound...]
            let close = rest.range(of: "```")
            return String(rest[..<(close?.lowerBound ?? rest.endIndex)]).trimmingWhitespace
        }
        return nil
    }
}
