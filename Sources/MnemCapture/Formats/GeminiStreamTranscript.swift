import MnemCore

/// Reads Gemini CLI `--output-format stream-json` lines: `init`, `message`, `tool_use`,
/// `tool_result`, `error`, `result` events.
///
/// - Steps: one per `tool_use` (`tool_name`, `parameters`), paired with `tool_result` by `tool_id`;
///   a result with `status: error` is an error and its `error.message` the observation.
/// - Task: the first `message` with `role: user`; later user messages are replies. The
///   assistant's `message` text (streamed in `delta` pieces) is the reasoning of the next call;
///   the last is the final message. Patch: the edits of successful file-writing calls.
/// - Outcome: a `result` with `status: error` is a failure; `success` only says the run ended
///   normally, which proves nothing about the task, so it stays unknown.
enum GeminiStreamTranscript: TranscriptReader {
    static let format = TranscriptFormat.geminiStream

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var builder = SessionBuilder(format: format)
        var sawEvent = false
        var userText = ""
        var collectingUser = true
        /// The assistant's text since the last call (streamed as `delta` pieces).
        var said = ""
        /// Edit calls waiting for their result, by tool id.
        var edits: [String: JSONValue] = [:]
        func flushSaid(_ builder: inout SessionBuilder, _ text: inout StepText) {
            guard !said.isEmpty else { return }
            builder.noteReasoning(said, text: &text)
            builder.noteAgentText(said)
            said = ""
        }
        result.digest = try forEachJSONLine(path, result: &result) { line, _ in
            guard let type = line["type"]?.stringValue else { return }
            sawEvent = true
            let timestamp = line.string("timestamp")
            builder.noteTime(timestamp)
            switch type {
            case "init":
                builder.session.source.sessionId = line.string("session_id") ?? line.string("sessionId")
                builder.noteModel(line.string("model"))
            case "message":
                if line["role"]?.stringValue == "user" {
                    flushSaid(&builder, &text)
                    let content = line["content"]?.contentText ?? ""
                    if collectingUser {
                        userText += content
                    } else {
                        builder.noteUserReply(content, text: &text)
                    }
                } else {
                    collectingUser = userText.isEmpty
                    said += line["content"]?.contentText ?? ""
                }
            case "tool_use":
                collectingUser = userText.isEmpty
                flushSaid(&builder, &text)
                let parameters = line["parameters"] ?? .null
                let input = parameters["command"]?.stringValue ?? parameters.compactText
                let id = line.string("tool_id")
                if let id { edits[id] = parameters }
                builder.addStep(tool: line.string("tool_name") ?? "tool", input: text.input(input), id: id, timestamp: timestamp)
            case "tool_result":
                guard let id = line.string("tool_id") else { return }
                let failed = line["status"]?.stringValue == "error"
                if let parameters = edits.removeValue(forKey: id), !failed,
                    let diff = PatchText.fromToolArguments(parameters, root: builder.session.source.workingDirectory)
                {
                    builder.addPatch(diff, limit: text.maxPatchLength)
                }
                var output = line["output"]?.contentText ?? ""
                if let error = line["error"] {
                    let message = error["message"]?.stringValue ?? error.contentText
                    output = output.isEmpty ? message : output + "\n" + message
                }
                builder.resolve(id: id, observation: text.observation(output), exitStatus: exitCode(inText: output.prefix(400)), isError: failed)
            case "result":
                if line["status"]?.stringValue == "error" {
                    let message = line["error"]?["message"]?.stringValue ?? line["error"]?.stringValue ?? ""
                    builder.session.harness = CapturedSession.Verdict(.failure, "the run ended in an error" + (message.isEmpty ? "" : ": \(message.prefix(120))"))
                }
            default:
                return
            }
        }
        guard sawEvent else { return result }
        flushSaid(&builder, &text)
        builder.offerTask(text.task(userText))
        builder.offerFirstUserMessage(userText, text: &text)
        result.sessions.append(builder.finish(text: &text))
        return result
    }
}
