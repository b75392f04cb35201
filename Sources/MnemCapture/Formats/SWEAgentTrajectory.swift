import Foundation
import MnemCore

/// Reads a SWE-agent `.traj`: `{environment, trajectory[], history[], info[, replay_config]}`.
///
/// - Steps: one per `trajectory[]` entry (`action`, `observation`); the tool is the action's
///   first word (`open`, `edit`, `find_file`, `python`, `submit`, …). `thought`/`response` are reasoning, not kept.
/// - Task: the first user message of `history` that is not part of a demonstration
///   (`is_demo`, `--- DEMONSTRATION ---`); the issue text between `ISSUE:` and `INSTRUCTIONS:` when present.
/// - Model: `replay_config.agent.model.name`, else the `<model>__<dataset>__…__t-…` run directory name.
/// - Demonstrations (`model_stats.api_calls == 0` or zero cost) are tagged `demonstration`
///   and carry no model: their actions were authored, not generated.
/// - Outcome: see `SubmissionOutcome`.
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
        SubmissionOutcome.apply(exitStatus: info.string("exit_status"), submission: info.string("submission"), to: &builder.session)
        result.sessions.append(builder.finish())
        return result
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

/// The outcome rule for agents that end by submitting a patch (SWE-agent, mini-swe-agent).
///
/// `submitted` means the agent declared the work done and handed in its change; it does not
/// mean hidden tests passed. So: submitted with a non-empty submission → success (tagged
/// `outcome:submitted`, a self-reported success); submitted with nothing → unknown;
/// auto-submission after hitting a limit (`submitted (exit_cost)`) → unknown; limits, timeouts,
/// format and runtime errors (`exit_*`, `LimitsExceeded`, `Timeout`, exceptions) → failure.
enum SubmissionOutcome {
    static func apply(exitStatus: String?, submission: String?, to session: inout CapturedSession) {
        guard let status = exitStatus else { return }
        let lower = status.lowercased()
        let hasSubmission = !(submission?.trimmingWhitespace.isEmpty ?? true)
        if lower == "submitted" {
            session.outcome = hasSubmission ? .success : .unknown
            session.outcomeBasis = hasSubmission ? "submitted" : "submitted-empty"
        } else if lower.hasPrefix("submitted") {
            session.outcome = .unknown
            session.outcomeBasis = "autosubmitted"
        } else if lower.hasPrefix("exit_") || lower.contains("limit") || lower.contains("timeout") || lower.contains("error")
            || lower.contains("exception") || lower.contains("format")
        {
            session.outcome = .failure
            session.outcomeBasis = "exit-status"
        }
        session.tags.append("exit-status:\(status.prefix(40))")
    }
}
