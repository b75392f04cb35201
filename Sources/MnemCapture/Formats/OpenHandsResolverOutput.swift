import Foundation
import MnemCore

/// Reads an OpenHands resolver `output.jsonl`: one issue-resolution session per line
/// (`issue`, `instruction`, `base_commit`, `git_patch`, `history[]`, `success`, `error`).
///
/// - Steps: one per `history` action other than `message`, `finish`, `think`, `recall`
///   (`run` → `command`, `run_ipython` → `code`, …), its observation the next observation entry.
/// - Task: the issue's title and body.
/// - Session id: `owner/repo#number`; repository `owner/repo`, commit `base_commit`.
/// - Reasoning: each action's `thought` and the agent's messages; `finish`'s thought is the
///   final message. Result: `git_patch`. First user message: `instruction`.
/// - Harness: the resolver's own `success` flag (with its explanation); an `error` is a failure.
enum OpenHandsResolverOutput: TranscriptReader {
    static let format = TranscriptFormat.openHandsResolver

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var sessions: [CapturedSession] = []
        var notRecords: [Int] = []
        result.digest = try forEachJSONLine(path, result: &result) { line, lineNumber in
            guard line["history"] != nil || line["issue"] != nil else {
                notRecords.append(lineNumber)
                return
            }
            var builder = SessionBuilder(format: format)
            let issue = line["issue"] ?? .null
            let title = issue.string("title") ?? ""
            let body = issue.string("body") ?? ""
            builder.offerTask(text.task(body.isEmpty ? title : "\(title)\n\n\(body)"))
            if builder.session.task.isEmpty { builder.offerTask(text.task(line["instruction"]?.contentText ?? "")) }
            if let owner = issue.string("owner"), let repo = issue.string("repo") {
                builder.session.source.repository = "\(owner)/\(repo)"
                let number = issue["number"]?.intValue.map { "#\($0)" } ?? ""
                builder.session.source.sessionId = "\(owner)/\(repo)\(number)"
            }
            builder.session.source.commit = line.string("base_commit")
            if let instruction = line["instruction"]?.contentText { builder.offerFirstUserMessage(instruction, text: &text) }
            var last: Int?
            var sawUser = false
            for entry in line["history"]?.arrayValue ?? [] {
                // Older files hold [action, observation] pairs; newer ones a flat list.
                let items = entry.arrayValue ?? [entry]
                for item in items {
                    builder.noteTime(item.string("timestamp"))
                    if let action = item["action"]?.stringValue {
                        let args = item["args"] ?? item
                        let source = item.string("source")
                        if action == "message", source == "user" || (source == nil && !sawUser && last == nil) {
                            let content = args["content"]?.contentText ?? ""
                            if sawUser { builder.noteUserReply(content, text: &text) } else { builder.offerFirstUserMessage(content, text: &text) }
                            sawUser = true
                            continue
                        }
                        if let thought = args["thought"]?.stringValue { builder.noteReasoning(thought, text: &text) }
                        switch action {
                        case "message":
                            let said = args["content"]?.contentText ?? ""
                            builder.noteReasoning(said, text: &text)
                            builder.noteAgentText(said)
                            continue
                        case "finish":
                            builder.noteAgentText(args.string("final_thought") ?? args.string("thought") ?? "")
                            continue
                        case "think", "recall", "system", "change_agent_state":
                            continue
                        default:
                            break
                        }
                        let input = args["command"]?.stringValue ?? args["code"]?.stringValue ?? OpenHandsEventStream.actionInput(action, args)
                        last = builder.addStep(tool: action, input: text.input(input))
                    } else if item["observation"] != nil, let index = last {
                        let content = item["content"]?.contentText ?? ""
                        let code = (item["exit_code"] ?? item["extras"]?["exit_code"])?.intValue.map { Int(clamping: $0) }
                        builder.setResult(index, observation: text.observation(content), exitStatus: code)
                        last = nil
                    }
                }
            }
            if let patch = line.string("git_patch") { builder.setRecordedPatch(patch.replacingOccurrences(of: "\r\n", with: "\n")) }
            if let error = line.string("error") {
                builder.session.harness = CapturedSession.Verdict(.failure, "the resolver reported an error: \(error.prefix(120))")
                builder.session.tags.append("error:\(error.prefix(60))")
            } else if let success = line["success"]?.boolValue {
                let why = line.string("success_explanation").map { ": \($0.prefix(160))" } ?? ""
                builder.session.harness = CapturedSession.Verdict(success ? .success : .failure, "the resolver's success flag is \(success)\(why)")
            }
            sessions.append(builder.finish(text: &text))
        }
        for line in notRecords { result.skipLine(file: path, line: line, reason: "not a resolver record (no issue or history)") }
        result.sessions = sessions
        return result
    }
}
