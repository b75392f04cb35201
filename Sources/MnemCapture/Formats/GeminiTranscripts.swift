import MnemCore

/// Reads a Gemini CLI native chat log (`session-*.json`): `{sessionId, startTime, lastUpdated, messages[]}`.
///
/// - Steps: one per `toolCalls[]` entry of a `gemini` message; the result lives in the same
///   entry (`result[].functionResponse.response.output|error`); `status: error` marks an error.
/// - Task: the first `user` message.
enum GeminiChatTranscript: DocumentReader {
    static let format = TranscriptFormat.geminiChat

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        let (root, digest) = try loadDocument(path)
        return try read(document: root, path: path, digest: digest, text: &text)
    }

    static func read(document root: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        result.digest = digest
        guard let messages = root["messages"]?.arrayValue else {
            throw TranscriptError(file: path, line: 0, reason: "no messages array: not a Gemini CLI chat log")
        }
        var builder = SessionBuilder(format: format)
        builder.session.source.sessionId = root.string("sessionId")
        builder.noteTime(root.string("startTime"))
        for message in messages {
            builder.noteTime(message.string("timestamp"))
            switch message["type"]?.stringValue {
            case "user":
                builder.offerTask(text.task(message["content"]?.contentText ?? ""))
            case "gemini":
                builder.noteModel(message.string("model"))
                for call in message["toolCalls"]?.arrayValue ?? [] {
                    let name = call.string("name") ?? "tool"
                    let args = call["args"] ?? .null
                    let input = args["command"]?.stringValue ?? args.compactText
                    var outputs: [String] = []
                    var failed = call["status"]?.stringValue == "error"
                    for part in call["result"]?.arrayValue ?? [] {
                        guard let response = part["functionResponse"]?["response"] else { continue }
                        if let output = response["output"] { outputs.append(output.contentText) }
                        if let error = response["error"] {
                            outputs.append(error.contentText)
                            failed = true
                        }
                    }
                    if outputs.isEmpty, let display = call["resultDisplay"]?.stringValue { outputs.append(display) }
                    let index = builder.addStep(tool: name, input: text.input(input), timestamp: call.string("timestamp"))
                    let output = outputs.joined(separator: "\n")
                    builder.setResult(index, observation: text.observation(output), exitStatus: exitCode(inText: output.prefix(400)), isError: failed)
                }
            default:
                continue
            }
        }
        builder.noteTime(root.string("lastUpdated"))
        result.sessions.append(builder.finish())
        return result
    }
}

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
