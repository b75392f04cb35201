import MnemCore

/// Builds a trajectory's summary from its own evidence: environment, actions, results, and why
/// it succeeded or failed (exit codes, test results, errors, retries).
enum SummaryBuilder {
    static func summary(_ analysis: TrajectoryAnalysis) -> Summary {
        Summary(
            taskSummary: taskSummary(analysis),
            experience: Experience(
                environment: environment(analysis), actions: actions(analysis), results: results(analysis), why: why(analysis)))
    }

    static func taskSummary(_ analysis: TrajectoryAnalysis) -> String {
        let task = analysis.memory.task.firstLine(limit: 240)
        let head = "\(analysis.taskKind.goal) in \(WorkflowBuilder.projectPhrase(analysis.languages))"
        return task.isEmpty ? head + "." : "\(head): \(task)"
    }

    static func environment(_ analysis: TrajectoryAnalysis) -> String {
        var parts: [String] = []
        parts.append("Languages: " + (analysis.languages.isEmpty ? "not evident from the commands" : analysis.languages.joined(separator: ", ")) + ".")
        if !analysis.tools.isEmpty { parts.append("Tools run: " + analysis.tools.joined(separator: ", ") + ".") }
        let source = analysis.memory.source
        var agent: [String] = []
        if let name = source.agent { agent.append(name + (source.agentVersion.map { " " + $0 } ?? "")) }
        if let model = source.model { agent.append("model " + model) }
        if !agent.isEmpty { parts.append("Agent: " + agent.joined(separator: ", ") + ".") }
        return parts.joined(separator: " ")
    }

    static func actions(_ analysis: TrajectoryAnalysis) -> String {
        let effective = analysis.effective
        guard !effective.isEmpty else { return "No tool calls or commands were recorded." }
        var counts: [StepCategory: Int] = [:]
        for step in effective { counts[step.category, default: 0] += 1 }
        let byCount = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.value) \($0.key.phrase)" }.joined(separator: ", ")
        var key: [String] = []
        var seen = Set<StepCategory>()
        for step in effective where step.category != .other && seen.insert(step.category).inserted && key.count < 5 {
            key.append(step.action)
        }
        var text = "\(effective.count) steps: \(byCount)."
        if !key.isEmpty { text += " Key actions: " + key.joined(separator: "; ") + "." }
        return text
    }

    static func results(_ analysis: TrajectoryAnalysis) -> String {
        let raw: [TrajectoryStep]
        if case .trajectory(let trajectory) = analysis.memory.body { raw = trajectory.steps } else { raw = [] }
        let zero = raw.filter { $0.exitStatus == 0 }.count
        let nonZero = raw.filter { ($0.exitStatus ?? 0) != 0 }.count
        let unrecorded = raw.filter { $0.exitStatus == nil }.count
        var parts = ["Exit codes: \(zero) zero, \(nonZero) non-zero, \(unrecorded) not recorded."]
        let failedSteps = analysis.effective.filter(\.failed).count
        parts.append("\(failedSteps) of \(analysis.effective.count) steps failed.")
        let tests = analysis.effective.filter { $0.category == .test }
        if let last = tests.last {
            var line = "Tests ran \(tests.count) times; the last run "
            if let passed = last.testsPassed, let failed = last.testsFailed {
                line += "reported \(passed) passed and \(failed) failed"
            } else if let failed = last.testsFailed {
                line += failed == 0 ? "passed" : "reported \(failed) failed"
            } else if let passed = last.testsPassed {
                line += "reported \(passed) passed"
            } else {
                line += last.failed ? "failed" : "finished without a failure"
            }
            parts.append(line + ".")
        } else {
            parts.append("No tests were run.")
        }
        if !analysis.errorCounts.isEmpty {
            let errors = analysis.errorCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key.phrase) (\($0.value)×)" }.joined(separator: ", ")
            parts.append("Errors seen: \(errors).")
        }
        let outcome = analysis.memory.outcome
        parts.append("Final state: \(outcome == .unknown ? "outcome not recorded" : outcome.rawValue)" + (analysis.effective.last.map { ", last step: \($0.action)" } ?? "") + ".")
        return parts.joined(separator: " ")
    }

    static func why(_ analysis: TrajectoryAnalysis) -> String {
        var reasons: [String] = []
        let tests = analysis.effective.filter { $0.category == .test }
        let lastTestPassed = tests.last.map { !$0.failed } ?? false
        let worked = analysis.recoveries.filter(\.worked)
        switch analysis.memory.outcome {
        case .success:
            if analysis.patterns.contains(.testedAfterLastEdit), lastTestPassed {
                reasons.append("the tests passed after the last edit")
            } else if analysis.patterns.contains(.validatedAfterLastEdit) {
                reasons.append("the change was validated after the last edit")
            }
            if analysis.patterns.contains(.reproducedBeforeFixing) { reasons.append("the problem was reproduced before the fix") }
            if analysis.patterns.contains(.inspectedBeforeEditing) { reasons.append("files were read before they were edited") }
            for recovery in worked.prefix(2) {
                reasons.append("\(recovery.error.phrase) was overcome with a \(recovery.action.phrase) step")
            }
            return "It succeeded" + (reasons.isEmpty ? " without a validation step on record." : " because " + reasons.joined(separator: ", ") + ".")
        case .failure:
            if analysis.longestFailingRetryRun >= 3 {
                reasons.append("the same failing action was retried \(analysis.longestFailingRetryRun) times without a change of approach")
            }
            if let last = tests.last, last.failed { reasons.append("the last test run still failed") }
            if analysis.editCount > 0, !analysis.patterns.contains(.validatedAfterLastEdit) { reasons.append("the last edit was never validated") }
            if let last = analysis.effective.last, last.failed { reasons.append("the run ended on a failing step" + (last.errorClass.map { " (\($0.phrase))" } ?? "")) }
            if analysis.editCount == 0 { reasons.append("no change was made") }
            return "It failed" + (reasons.isEmpty ? "; the trajectory shows no single cause." : " because " + reasons.joined(separator: ", ") + ".")
        case .unknown:
            if lastTestPassed { reasons.append("the last test run passed") }
            if analysis.longestFailingRetryRun >= 3 { reasons.append("one action failed \(analysis.longestFailingRetryRun) times in a row") }
            for recovery in worked.prefix(2) { reasons.append("\(recovery.error.phrase) was overcome with a \(recovery.action.phrase) step") }
            return "The outcome was not recorded" + (reasons.isEmpty ? "." : "; evidence: " + reasons.joined(separator: ", ") + ".")
        }
    }
}
