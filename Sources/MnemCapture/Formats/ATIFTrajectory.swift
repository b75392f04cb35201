import MnemCore

/// Reads an ATIF v1.x trajectory (Harbor): `{schema_version, session_id, agent, steps[], final_metrics}`.
///
/// - Steps: one per distinct `tool_calls[].tool_call_id` (a call repeated in a later step, as
///   OpenHands' converter does, is one step), paired with `observation.results[]` by
///   `source_call_id`; a result without one goes to the call at the same position in its step.
/// - Task: the first `user` step's message; when the system prompt holds a `Task Description:`
///   section (Terminus), that section.
/// - Agent: `agent.name` and `agent.version`; model `agent.model_name` or the steps' `model_name`.
/// - Reasoning: an agent step's `reasoning_content` and `message`, for its first call; the
///   last agent message (or a `finish` call's `message`) is the final message. A completion
///   call (`finish`, `mark_task_complete`) is the agent's own verdict. Patch: file-editing calls.
enum ATIFTrajectory: DocumentReader {
    static let format = TranscriptFormat.atif

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        let (root, digest) = try loadDocument(path)
        return try read(document: root, path: path, digest: digest, text: &text)
    }

    static func read(document root: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult {
        guard let steps = root["steps"]?.arrayValue else {
            throw TranscriptError(file: path, line: 0, reason: "no steps array: not an ATIF trajectory")
        }
        var result = ReadResult()
        result.digest = digest
        var builder = SessionBuilder(format: format)
        let agent = root["agent"] ?? .null
        builder.session.source.agent = agent.string("name") ?? "atif"
        builder.session.source.agentVersion = agent.string("version")
        builder.session.source.sessionId = root.string("session_id")
        builder.noteModel(agent.string("model_name"))
        builder.session.tags.append("schema:\(root.string("schema_version") ?? "ATIF")")
        var stepIndex: [String: Int] = [:]
        var taskFromSystem: String?
        for step in steps {
            builder.noteTime(step.string("timestamp"))
            builder.noteModel(step.string("model_name"))
            let message = step["message"]?.contentText ?? ""
            switch step["source"]?.stringValue {
            case "user":
                if builder.session.firstUserMessage == nil {
                    if taskFromSystem == nil { builder.offerTask(text.task(message)) }
                    builder.offerFirstUserMessage(message, text: &text)
                } else {
                    builder.noteUserReply(message, text: &text)
                }
            case "system":
                if taskFromSystem == nil, builder.session.task.isEmpty, let section = taskSection(message) {
                    taskFromSystem = section
                    builder.offerTask(text.task(section))
                }
            case "agent":
                if let thought = step["reasoning_content"]?.contentText { builder.noteReasoning(thought, text: &text) }
                builder.noteReasoning(message, text: &text)
                builder.noteAgentText(message)
            default:
                break
            }
            var callsHere: [Int] = []
            for call in step["tool_calls"]?.arrayValue ?? [] {
                let id = call.string("tool_call_id")
                if let id, let existing = stepIndex[id] {
                    callsHere.append(existing)
                    continue
                }
                let arguments = call["arguments"] ?? .null
                let name = call.string("function_name") ?? "tool"
                if completionTools.contains(name.lowercased()) {
                    builder.session.agentVerdict = CapturedSession.Verdict(.success, "the agent declared the task complete (\(name))")
                    if let said = arguments.string("message") ?? arguments.string("final_thought") { builder.noteAgentText(said) }
                }
                if let diff = PatchText.fromToolArguments(arguments, root: builder.session.source.workingDirectory) {
                    builder.addPatch(diff, limit: text.maxPatchLength)
                }
                let index = builder.addStep(tool: name, input: text.input(callInput(name, arguments)), timestamp: step.string("timestamp"))
                if let id { stepIndex[id] = index }
                callsHere.append(index)
            }
            for (position, observation) in (step["observation"]?["results"]?.arrayValue ?? []).enumerated() {
                let content = observation["content"]?.contentText ?? ""
                let target = observation.string("source_call_id").flatMap { stepIndex[$0] }
                    ?? (callsHere.indices.contains(position) ? callsHere[position] : nil)
                guard let index = target else { continue }
                builder.setResult(index, observation: text.observation(content), exitStatus: exitCode(inText: content.prefix(200)))
            }
        }
        result.sessions.append(builder.finish(text: &text))
        return result
    }

    /// Calls by which an agent declares its task done.
    static let completionTools: Set<String> = ["finish", "mark_task_complete", "task_complete", "complete_task", "attempt_completion"]

    /// A shell tool's command line (`command`, Terminus' `keystrokes`), else the arguments as JSON:
    /// an editor's `command` is its sub-command, not a command line.
    static func callInput(_ name: String, _ arguments: JSONValue) -> String {
        let lower = name.lowercased()
        let isShell = ["bash", "shell", "exec", "terminal", "run", "command"].contains(where: { lower.contains($0) })
        if isShell, let command = arguments["command"]?.stringValue ?? arguments["keystrokes"]?.stringValue { return command }
        return arguments.compactText
    }

    /// The `Task Description:` section of a system prompt, up to the next blank-line-separated heading.
    static func taskSection(_ message: String) -> String? {
        guard let r = message.range(of: "Task Description:\n") else { return nil }
        let rest = message[r.upperBound...]
        for end in ["\n\n\nCurrent terminal state:", "\n\nCurrent terminal state:", "\n\n\n"] {
            if let e = rest.range(of: end) { return String(rest[..<e.lowerBound]) }
        }
        return String(rest.prefix(4000))
    }
}
