import MnemCore

/// Reads a Gemini CLI native chat log (`session-*.json`): `{sessionId, startTime, lastUpdated, messages[]}`.
///
/// - Steps: one per `toolCalls[]` entry of a `gemini` message; the result lives in the same
///   entry (`result[].functionResponse.response.output|error`); `status: error` marks an error.
/// - Task: the first `user` message; later ones are replies. Reasoning: the message's
///   `thoughts` and text before its calls; the last text is the final message. Patch: the edits
///   of successful file-writing calls (`replace`, `write_file`: `file_path` with `old_string`/`new_string` or `content`).
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
                builder.noteUserMessage(message["content"]?.contentText ?? "", text: &text)
            case "gemini":
                builder.noteModel(message.string("model"))
                for thought in message["thoughts"]?.arrayValue ?? [] {
                    let subject = thought.string("subject") ?? ""
                    let description = thought.string("description") ?? ""
                    builder.noteReasoning(subject.isEmpty ? description : description.isEmpty ? subject : "\(subject): \(description)", text: &text)
                }
                let said = message["content"]?.contentText ?? ""
                builder.noteReasoning(said, text: &text)
                builder.noteAgentText(said)
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
                    if !failed, let diff = PatchText.fromToolArguments(args, root: builder.session.source.workingDirectory) {
                        builder.addPatch(diff, limit: text.maxPatchLength)
                    }
                    let index = builder.addStep(tool: name, input: text.input(input), timestamp: call.string("timestamp"))
                    let output = outputs.joined(separator: "\n")
                    builder.setResult(index, observation: text.observation(output), exitStatus: exitCode(inText: output.prefix(400)), isError: failed)
                }
            default:
                continue
            }
        }
        builder.noteTime(root.string("lastUpdated"))
        result.sessions.append(builder.finish(text: &text))
        return result
    }
}
