import MnemCore

/// Reads an OpenHands V0 event stream: a JSON array of events (`id`, `source`, `action` or
/// `observation`, `cause`).
///
/// - Steps: one per agent action that acts on the environment (`run`, `run_ipython`, `read`,
///   `edit`, `write`, `browse`, `browse_interactive`, MCP calls, …), i.e. every agent action but
///   `message`, `think`, `finish`, `system`, `recall`, `change_agent_state` and `delegate`;
///   paired with the observation whose `cause` is the action's `id`.
/// - Task: the first user `message` action's `args.content`; later user messages are replies.
/// - Reasoning: each agent action's `thought` and the agent's `message`s; the `finish`
///   action's `final_thought` (else the last message) is the final message. Patch: the
///   `edit` observations' `old_content` → `new_content`.
/// - Model: `tool_call_metadata.model_response.model`.
/// - Verdicts: `finish` with `task_completed` is the agent's own; an `error` agent state stops the run.
enum OpenHandsEventStream: DocumentReader {
    static let format = TranscriptFormat.openHandsEvents

    static let notSteps: Set<String> = [
        "message", "think", "finish", "system", "recall", "change_agent_state", "delegate", "null", "reject", "condensation",
    ]

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        let (root, digest) = try loadDocument(path)
        return try read(document: root, path: path, digest: digest, text: &text)
    }

    static func read(document root: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult {
        guard let events = root.arrayValue ?? root["events"]?.arrayValue else {
            throw TranscriptError(file: path, line: 0, reason: "not an array of events: not an OpenHands event stream")
        }
        var result = ReadResult()
        result.digest = digest
        var builder = SessionBuilder(format: format)
        var sandbox: String?
        for event in events {
            builder.noteTime(event.string("timestamp"))
            if let model = event["tool_call_metadata"]?["model_response"]?.string("model") { builder.noteModel(model) }
            if let action = event["action"]?.stringValue {
                let source = event["source"]?.stringValue
                let args = event["args"] ?? .null
                if source == "user", action == "message" {
                    builder.noteUserMessage(args["content"]?.contentText ?? "", text: &text)
                    continue
                }
                guard source == "agent" else { continue }
                if let thought = args["thought"]?.stringValue { builder.noteReasoning(thought, text: &text) }
                switch action {
                case "message":
                    let said = args["content"]?.contentText ?? event["message"]?.stringValue ?? ""
                    builder.noteReasoning(said, text: &text)
                    builder.noteAgentText(said)
                    continue
                case "finish":
                    builder.noteAgentText(args.string("final_thought") ?? args.string("thought") ?? event.string("message") ?? "")
                    switch args["task_completed"]?.stringValue?.lowercased() ?? args["task_completed"]?.boolValue.map({ $0 ? "true" : "false" }) {
                    case "true": builder.session.agentVerdict = CapturedSession.Verdict(.success, "the agent finished with task_completed true")
                    case "false": builder.session.agentVerdict = CapturedSession.Verdict(.failure, "the agent finished with task_completed false")
                    case "partial": builder.session.agentVerdict = CapturedSession.Verdict(.failure, "the agent finished with task_completed partial")
                    default: break
                    }
                    continue
                default:
                    break
                }
                guard !notSteps.contains(action) else { continue }
                let tool = event["tool_call_metadata"]?.string("function_name") ?? action
                let id = event["id"]?.intValue.map { String($0) }
                builder.addStep(tool: tool, input: text.input(actionInput(action, args)), id: id, timestamp: event.string("timestamp"))
            } else if let observation = event["observation"]?.stringValue {
                if observation == "agent_state_changed", event["extras"]?["agent_state"]?.stringValue == "error" {
                    builder.session.harness = CapturedSession.Verdict(.failure, "the agent state changed to error")
                }
                guard let cause = event["cause"]?.intValue else { continue }
                let extras = event["extras"] ?? .null
                let content = event["content"]?.contentText ?? ""
                let code = extras["metadata"]?["exit_code"]?.intValue ?? extras["exit_code"]?.intValue
                let failed = observation == "error" || event["success"]?.boolValue == false
                // The sandbox's directory (`/workspace`): for relative paths in the patch, not a source of the memory.
                if sandbox == nil, let directory = extras["metadata"]?.string("working_dir") { sandbox = directory }
                if observation == "edit", !failed, let path = extras.string("path"), let new = extras["new_content"]?.stringValue,
                    let diff = PatchText.change(path: path, old: extras["old_content"]?.stringValue, new: new, root: sandbox ?? "/workspace")
                {
                    builder.addPatch(diff, limit: text.maxPatchLength)
                }
                builder.resolve(
                    id: String(cause), observation: text.observation(content), exitStatus: code.map { Int(clamping: $0) },
                    isError: failed ? true : nil)
            }
        }
        result.sessions.append(builder.finish(text: &text))
        return result
    }

    /// A readable input for an action: the command, the code, the path (+ the edit), the URL.
    static func actionInput(_ action: String, _ args: JSONValue) -> String {
        if let command = args["command"]?.stringValue, action == "run" { return command }
        if let code = args["code"]?.stringValue { return code }
        if let url = args["url"]?.stringValue { return url }
        var fields = args.objectValue ?? [:]
        for volatile in ["thought", "blocking", "hidden", "confirmation_state", "is_input", "security_risk", "impl_source", "translated_ipython_code"] {
            fields[volatile] = nil
        }
        return JSONValue.object(fields).compactText
    }
}
