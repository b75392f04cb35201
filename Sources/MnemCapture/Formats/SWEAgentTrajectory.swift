import Foundation
import MnemCore

/// Reads a SWE-agent `.traj`: `{environment, trajectory[], history[], info[, replay_config]}`.
///
/// - Steps: one per `trajectory[]` entry (`action`, `observation`); the tool is the action's
///   first word (`open`, `edit`, `find_file`, `python`, `submit`, …); `thought` (else `response`
///   without its command block) is the step's reasoning, the last one the final message.
/// - Task: the first user message of `history` that is not part of a demonstration
///   (`is_demo`, `--- DEMONSTRATION ---`); the issue text between `ISSUE:` and `INSTRUCTIONS:` when present.
/// - Model: `replay_config.agent.model.name`, else the `<model>__<dataset>__…__t-…` run directory name.
/// - Demonstrations (`model_stats.api_calls == 0` or zero cost) are tagged `demonstration`
///   and carry no model: their actions were authored, not generated.
/// - Result: `info.submission` when it is a patch (a CTF run submits a flag). Harness: see `SubmissionOutcome`.
enum SWEAgentTrajectory: DocumentReader {
    static let format = TranscriptFormat.sweAgent

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        let (root, digest) = try loadDocument(path)
        return try read(document: root, path: path, digest: digest, text: &text)
    }

    static func read(document root: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult {
        guard let trajectory = root["trajectory"]?.arrayValue else {
            throw TranscriptError(file: path, line: 0, reason: "no trajectory array: not a SWE-agent trajectory")
        }
        var result = ReadResult()
        result.digest = digest
        var builder = SessionBuilder(format: format)
        let info = root["info"] ?? .null
        var replay = root["replay_config"] ?? .null
        if let s = replay.stringValue, let parsed = try? JSONParser.parse(s, duplicateKeys: .lastWins) { replay = parsed }

        for entry in trajectory {
            let action = entry["action"]?.stringValue ?? ""
            let trimmed = action.trimmingWhitespace
            let tool = trimmed.split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init) ?? "bash"
            if let thought = entry["thought"]?.stringValue ?? entry["response"]?.stringValue.map(withoutCommandBlock) {
                builder.noteReasoning(thought, text: &text)
                builder.noteAgentText(thought)
            }
            let index = builder.addStep(tool: tool, input: text.input(trimmed))
            let observation = entry["observation"]?.contentText ?? ""
            builder.setResult(index, observation: text.observation(observation))
            if builder.session.source.workingDirectory == nil {
                var state = entry["state"] ?? .null
                if let s = state.stringValue, let parsed = try? JSONParser.parse(s, duplicateKeys: .lastWins) { state = parsed }
                builder.session.source.workingDirectory = state.string("working_dir")
            }
        }

        for message in root["history"]?.arrayValue ?? [] where message["role"]?.stringValue == "user" {
            if message["is_demo"]?.boolValue == true { continue }
            let content = message["content"]?.contentText ?? ""
            if content.contains("--- DEMONSTRATION ---") { continue }
            builder.offerTask(text.task(issueText(content)))
            builder.offerFirstUserMessage(content, text: &text)
            break
        }

        let stats = info["model_stats"] ?? .null
        let apiCalls = stats["api_calls"]?.intValue
        let cost = stats["instance_cost"]?.doubleValue ?? stats["total_cost"]?.doubleValue
        let isDemonstration = apiCalls == 0 || cost == 0
        if isDemonstration {
            builder.session.tags.append("demonstration")
        } else {
            builder.noteModel(replay["agent"]?["model"]?.string("name") ?? modelFromRunDirectory(path))
        }
        let instance = replay["problem_statement"]?.string("id") ?? instanceName(path, suffix: ".traj")
        builder.session.instanceId = instance
        builder.session.source.sessionId = instance
        if let repo = replay["env"]?["repo"] {
            builder.session.source.repository = repo.string("github_url").map { text.input($0) }
            builder.session.source.commit = repo.string("base_commit")
        }
        let submission = info.string("submission")
        if let submission, PatchText.looksLikeDiff(submission) { builder.setRecordedPatch(submission) }
        SubmissionOutcome.apply(exitStatus: info.string("exit_status"), to: &builder.session)
        result.sessions.append(builder.finish(text: &text))
        return result
    }

    /// A model response without its fenced command block: the thought around it.
    static func withoutCommandBlock(_ response: String) -> String {
        guard let open = ByteSearch.find("```", in: response) else { return response }
        let bytes = Array(response.utf8)
        let after = open + 3
        let close = bytes.withUnsafeBufferPointer { b in
            "```".utf8.withContiguousStorageIfAvailable { ByteSearch.find($0, in: UnsafeBufferPointer(rebasing: b[after...])) } ?? nil
        }
        let head = String(decoding: bytes[..<open], as: UTF8.self)
        guard let close else { return head }
        return head + String(decoding: bytes[(after + close + 3)...], as: UTF8.self)
    }

    /// The issue between `ISSUE:` and `INSTRUCTIONS:`, or the text before `INSTRUCTIONS:`.
    static func issueText(_ content: String) -> String {
        var body = Substring(content)
        if let r = body.range(of: "\nINSTRUCTIONS:") { body = body[..<r.lowerBound] }
        if let r = body.range(of: "ISSUE:\n") { body = body[r.upperBound...] }
        return String(body)
    }

    /// `gpt4` from `…/gpt4__swe-bench-dev__default__t-0.00__p-0.95__c-3.00__install-1/x.traj`.
    static func modelFromRunDirectory(_ path: String) -> String? {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().lastPathComponent
        guard directory.contains("__t-"), let first = directory.components(separatedBy: "__").first, !first.isEmpty else { return nil }
        return first
    }

    static func instanceName(_ path: String, suffix: String) -> String {
        let name = URL(fileURLWithPath: path).lastPathComponent
        return name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : name
    }
}

/// What the exit status of a harness that ends by submitting (SWE-agent, mini-swe-agent) says.
///
/// `submitted` means the agent declared the work done and handed in its change; it does not
/// mean that anything passed, so it is no verdict: the checks in the steps and the agent's own
/// words decide. A run the harness stopped is a failure: an auto-submission after a limit
/// (`submitted (exit_cost)`), limits, time-outs, format and runtime errors (`exit_*`,
/// `LimitsExceeded`, `Timeout`, exceptions).
enum SubmissionOutcome {
    static func apply(exitStatus: String?, to session: inout CapturedSession) {
        guard let status = exitStatus?.trimmingWhitespace, !status.isEmpty else { return }
        session.tags.append("exit-status:\(status.prefix(40))")
        // Anything but a plain submission: a limit, a time-out, an error, or a submission the
        // harness forced after one (`submitted (exit_cost)`).
        guard status.lowercased() != "submitted" else { return }
        session.harness = CapturedSession.Verdict(.failure, "the harness stopped the run: exit status \(status.prefix(80))")
    }
}
