import MnemCore

/// Reads Gemini CLI `--output-format stream-json` lines: `init`, `message`, `tool_use`,
/// `tool_result`, `error`, `result` events.
///
/// - Steps: one per `tool_use` (`tool_name`, `parameters`), paired with `tool_result` by `tool_id`;
///   a result with `status: error` is an error and its `error.message` the observation.
/// - Task: the first `message` with `role: user`.
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
                    if collectingUser { userText += line["content"]?.contentText ?? "" }
                } else {
                    collectingUser = userText.isEmpty
                }
            case "tool_use":
                collectingUser = userText.isEmpty
                let parameters = line["parameters"] ?? .null
                let input = parameters["command"]?.stringValue ?? parameters.compactText
                builder.addStep(tool: line.string("tool_name") ?? "tool", input: text.input(input), id: line.string("tool_id"), timestamp: timestamp)
            case "tool_result":
                guard let id = line.string("tool_id") else { return }
                let failed = line["status"]?.stringValue == "error"
                var output = line["output"]?.contentText ?? ""
                if let error = line["error"] {
                    let message = error["message"]?.stringValue ?? error.contentText
                    output = output.isEmpty ? message : output + "\n" + message
                }
                builder.resolve(id: id, observation: text.observation(output), exitStatus: exitCode(inText: output.prefix(400)), isError: failed)
            case "result":
                if line["status"]?.stringValue == "error" {
                    builder.session.outcome = .failure
                    builder.session.outcomeBasis = "result status error"
                }
            default:
                return
            }
        }
        guard sawEvent else { return result }
        builder.offerTask(text.task(userText))
        result.sessions.append(builder.finish())
        return result
    }
}
