import Foundation
import MnemCore

/// Reads a mini-swe-agent `.traj.json`: `{info, messages[], trajectory_format[, instance_id]}`.
///
/// - Steps: one per action of an assistant message: `extra.actions[].command` when the message
///   has it (mini 2.x, every config), else its `tool_calls` (the `bash` function's `command`),
///   else the action block of its text: ```` ```mswea_bash_command ````, ```` ```bash ````,
///   ```` ```sh ```` or `<mswea_bash_command>…</mswea_bash_command>`.
/// - Observations: the `tool` message of the same `tool_call_id`, or the next `user` messages
///   (text configs), one per action. The plain output is `extra.raw_output` and the status
///   `extra.returncode` when present; else the text is unwrapped from its template
///   (`<returncode>…</returncode><output>…</output>`, or the JSON object
///   `{"returncode": …, "output": …}` of the tool-call config, head and tail when it was long).
/// - The submit action (`echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`, `MINI_SWE_AGENT_FINAL_OUTPUT`)
///   is never executed, so its `returncode -1` is no error: the step is `submit` with no status.
/// - Reasoning: the assistant's text around its action (and `reasoning_content`); the last
///   assistant text is the final message.
/// - Task: the first user message; the `<pr_description>` inside it, or the issue after
///   `Please solve this issue:` up to where the config's own instructions begin.
/// - Model: `info.config.model.model_name`; version `info.mini_version`.
/// - Result: `info.submission` (or the `exit` message's) when it is a patch. Harness:
///   `SubmissionOutcome` over `info.exit_status`.
enum MiniSWEAgentTrajectory: DocumentReader {
    static let format = TranscriptFormat.miniSweAgent

    /// The commands that end a run; mini does not execute them.
    static let submitMarkers = ["COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT"]

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
        /// Steps of the text configs waiting for their observation, in order.
        var awaiting: [Int] = []
        var submitSteps = Set<Int>()
        var exitMessage: JSONValue?

        for message in messages {
            let role = message["role"]?.stringValue ?? ""
            let extra = message["extra"] ?? .null
            let timestamp = extra["timestamp"]?.doubleValue.map(isoDate(fromUnix:))
            builder.noteTime(timestamp)
            switch role {
            case "user":
                let content = message["content"]?.contentText ?? ""
                if builder.session.task.isEmpty {
                    builder.offerTask(text.task(taskText(content)))
                    builder.offerFirstUserMessage(content, text: &text)
                } else if !awaiting.isEmpty {
                    let index = awaiting.removeFirst()
                    let (output, code) = observation(content, extra: extra)
                    setResult(index, output: output, code: code, submit: submitSteps.contains(index), builder: &builder, text: &text)
                } else if extra["raw_output"] == nil, extra["returncode"] == nil {
                    builder.noteUserReply(content, text: &text)
                }
            case "assistant":
                let content = message["content"]?.contentText ?? ""
                if let thought = message["reasoning_content"]?.stringValue { builder.noteReasoning(thought, text: &text) }
                let said = withoutAction(content)
                builder.noteReasoning(said, text: &text)
                builder.noteAgentText(said)
                for (command, id, tool) in actions(message) {
                    let isSubmit = submitMarkers.contains { ByteSearch.contains(command, $0) }
                    let index = builder.addStep(tool: isSubmit ? "submit" : tool, input: text.input(command), id: id, timestamp: timestamp)
                    if isSubmit { submitSteps.insert(index) }
                    if id == nil { awaiting.append(index) }
                }
            case "exit":
                exitMessage = extra
            case "tool":
                guard let id = message.string("tool_call_id") else { continue }
                let (output, code) = observation(message["content"]?.contentText ?? "", extra: extra)
                guard let index = builder.takePending(id: id) else { continue }
                setResult(index, output: output, code: code, submit: submitSteps.contains(index), builder: &builder, text: &text)
            default:
                continue
            }
        }
        let config = info["config"] ?? .null
        builder.noteModel(config["model"]?.string("model_name") ?? info.string("model_name"))
        builder.session.source.agentVersion = info.string("mini_version")
        builder.session.source.workingDirectory = config["environment"]?.string("cwd")
        let instance = root.string("instance_id") ?? SWEAgentTrajectory.instanceName(path, suffix: ".traj.json")
        builder.session.instanceId = root.string("instance_id")
        builder.session.source.sessionId = instance
        if let repo = info.string("repo_url") { builder.session.source.repository = text.input(repo) }
        // The exit message repeats the status; older files may only have one of the two.
        let submission = info.string("submission") ?? exitMessage?.string("submission")
        if let submission, PatchText.looksLikeDiff(submission) { builder.setRecordedPatch(submission) }
        SubmissionOutcome.apply(exitStatus: info.string("exit_status") ?? exitMessage?.string("exit_status"), to: &builder.session)
        result.sessions.append(builder.finish(text: &text))
        return result
    }

    static func setResult(_ index: Int, output: String, code: Int?, submit: Bool, builder: inout SessionBuilder, text: inout StepText) {
        if submit {
            // Never executed: what it printed, if anything, is the submission, and no status.
            builder.setResult(index, observation: text.observation(output), isError: false)
        } else {
            builder.setResult(index, observation: text.observation(output), exitStatus: code)
        }
    }

    /// The actions of an assistant message: `(command, tool call id, tool)`.
    static func actions(_ message: JSONValue) -> [(String, String?, String)] {
        if let recorded = message["extra"]?["actions"]?.arrayValue, !recorded.isEmpty {
            let calls = message["tool_calls"]?.arrayValue ?? []
            return recorded.enumerated().compactMap { n, action in
                guard let command = action["command"]?.stringValue else { return nil }
                let id = action.string("tool_call_id")
                let name = calls.first { $0.string("id") == id }?["function"]?.string("name") ?? (n < calls.count ? calls[n]["function"]?.string("name") : nil)
                return (command, id, name ?? "bash")
            }
        }
        if let calls = message["tool_calls"]?.arrayValue, !calls.isEmpty {
            return calls.map { call in
                let function = call["function"] ?? .null
                return (CodexTranscript.commandLine(arguments: function["arguments"] ?? .null), call.string("id"), function.string("name") ?? "bash")
            }
        }
        if let command = actionBlock(message["content"]?.contentText ?? "") { return [(command, nil, "bash")] }
        return []
    }

    /// The output and exit code of an observation: `extra.raw_output`/`extra.returncode`, else
    /// the text unwrapped from the config's observation template.
    static func observation(_ content: String, extra: JSONValue) -> (String, Int?) {
        let code = extra["returncode"]?.intValue.map { Int(clamping: $0) }
        if let raw = extra["raw_output"]?.stringValue { return (raw, code ?? exitCode(inText: content.prefix(200))) }
        let trimmed = content.trimmingWhitespace
        if trimmed.hasPrefix("{"), let wrapper = try? JSONParser.parse(trimmed, duplicateKeys: .lastWins), wrapper["returncode"] != nil {
            var output = wrapper["output"]?.stringValue ?? ""
            if output.isEmpty, let head = wrapper["output_head"]?.stringValue {
                output = head + "\n[…]\n" + (wrapper["output_tail"]?.stringValue ?? "")
            }
            if let exception = wrapper["exception_info"]?.stringValue, !exception.isEmpty { output += (output.isEmpty ? "" : "\n") + exception }
            return (output, code ?? wrapper["returncode"]?.intValue.map { Int(clamping: $0) })
        }
        return (outputText(content), code ?? exitCode(inText: content.prefix(200)))
    }

    /// The task inside mini-swe-agent's task prompt: the PR description, or the issue after
    /// `Please solve this issue:` up to the config's own text (which may follow several paragraphs).
    static func taskText(_ content: String) -> String {
        if let inner = textBetween(content, "<pr_description>", "</pr_description>") {
            var body = inner.trimmingWhitespace
            let lead = "Consider the following PR description:"
            if body.hasPrefix(lead) { body = String(body.dropFirst(lead.count)) }
            return body
        }
        let lead = "Please solve this issue: "
        if let r = content.range(of: lead) {
            var rest = content[r.upperBound...]
            for marker in instructionStarts {
                if let end = rest.range(of: marker) { rest = rest[..<end.lowerBound] }
            }
            return String(rest)
        }
        return content
    }

    /// Where the instructions of mini's shipped instance templates begin after `{{task}}`.
    static let instructionStarts = [
        "\n\nYou can execute bash commands and edit files", "\n\n## Recommended Workflow", "\n\n<instructions>",
        "\n\n## Important Rules", "\n\n<system_information>",
    ]

    /// The `<output>` of a `<returncode>…<output>…</output>` observation (head and tail when
    /// the output was elided), else the text.
    static func outputText(_ content: String) -> String {
        guard ByteSearch.contains(content, "<returncode>") else { return content }
        if let output = textBetween(content, "<output>", "</output>") { return output }
        if let head = textBetween(content, "<output_head>", "</output_head>") {
            return head + "\n[…]\n" + (textBetween(content, "<output_tail>", "</output_tail>") ?? "")
        }
        return content
    }

    static let fences = ["```mswea_bash_command", "```bash", "```sh"]

    /// The body of the first action block: a ```` ```mswea_bash_command ```` / ```` ```bash ````
    /// / ```` ```sh ```` fence, or a `<mswea_bash_command>` element.
    static func actionBlock(_ content: String) -> String? {
        if let xml = textBetween(content, "<mswea_bash_command>", "</mswea_bash_command>") { return xml.trimmingWhitespace }
        for fence in fences {
            guard let open = content.range(of: fence) else { continue }
            var rest = content[open.upperBound...]
            guard let newline = rest.firstIndex(of: "\n"), rest[..<newline].allSatisfy({ $0 == " " || $0 == "\r" }) else { continue }
            rest = rest[rest.index(after: newline)...]
            let close = rest.range(of: "```")
            return String(rest[..<(close?.lowerBound ?? rest.endIndex)]).trimmingWhitespace
        }
        return nil
    }

    /// The assistant's text without its action block and the `THOUGHT:` label: its reasoning.
    static func withoutAction(_ content: String) -> String {
        var bytes = Array(content.utf8)
        func cut(_ open: String, _ close: String) -> Bool {
            guard let at = bytes.withUnsafeBufferPointer({ b in open.utf8.withContiguousStorageIfAvailable { ByteSearch.find($0, in: b) } ?? nil }) else {
                return false
            }
            let from = at + open.utf8.count
            let end = bytes.withUnsafeBufferPointer { b in
                close.utf8.withContiguousStorageIfAvailable { ByteSearch.find($0, in: UnsafeBufferPointer(rebasing: b[from...])) } ?? nil
            }
            bytes.removeSubrange(at..<(end.map { from + $0 + close.utf8.count } ?? bytes.count))
            return true
        }
        _ = cut("<mswea_bash_command>", "</mswea_bash_command>")
        for fence in fences where cut(fence, "```") { break }
        var out = String(decoding: bytes, as: UTF8.self).trimmingWhitespace
        if out.hasPrefix("THOUGHT:") { out = String(out.dropFirst("THOUGHT:".count)).trimmingWhitespace }
        return out
    }
}
