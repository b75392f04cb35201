import MnemCore

/// Builds a trajectory's summary as the paper defines it: what the task was, then the experience —
/// the environment, the actions, the results, and why it succeeded or failed.
///
/// The root cause and the fix are named in words a teammate can act on: from the agent's own
/// statements (its final message, its reasoning before the first change), else from the error the
/// reproduction showed and the patch (files, functions, a changed line). "Why" always agrees with
/// the outcome and with the last check: a run whose last test failed is never said to have
/// succeeded because of it.
enum SummaryBuilder {
    static func summary(_ analysis: TrajectoryAnalysis) -> Summary {
        let facts = Facts(analysis)
        return Summary(
            taskSummary: taskSummary(analysis, facts),
            experience: Experience(environment: environment(analysis), actions: actions(analysis, facts), results: results(analysis, facts), why: why(analysis, facts)))
    }

    /// What the summary draws on, read once.
    struct Facts {
        var steps: [TrajectoryStep]
        var result: TrajectoryResult?
        var firstUserMessage: String?
        var patch: PatchSummary?
        /// The last check (test, build, reproduction rerun) after the last change of the work, if any.
        var lastCheck: ClassifiedStep?
        /// The agent's statement of the cause and of the fix, if it made one.
        var cause: String?
        var fix: String?
        /// The error the problem showed before the first change (the reproduction's, or a failing test's).
        var symptom: String?
        /// Base names of the files the work changed (when no patch was recorded).
        var changedFiles: [String]

        init(_ analysis: TrajectoryAnalysis) {
            if case .trajectory(let trajectory) = analysis.memory.body {
                steps = trajectory.steps
                result = trajectory.result
                firstUserMessage = trajectory.firstUserMessage
            } else {
                steps = []
            }
            patch = (result?.patch).flatMap(PatchSummary.parse)
            let edits = analysis.primaryEdits
            if let last = edits.last { lastCheck = analysis.effective[(last + 1)...].last(where: analysis.isCheck) }
            // The agent's reasoning up to its first change, and its final message, in that order of trust for a cause;
            // the final message first for the fix.
            let rawIndexes = analysis.rawIndexes
            let firstEditRaw = edits.first.flatMap { rawIndexes.indices.contains($0) ? rawIndexes[$0] : nil } ?? steps.count
            let reasoning = steps.prefix(firstEditRaw + 1).compactMap(\.reasoning).suffix(4)
            let final = result?.finalMessage.map { [$0] } ?? []
            cause = Narrative.cause(in: final + reasoning.reversed())
            fix = Narrative.fix(in: final + Array(steps.compactMap(\.reasoning).suffix(3)))
            if fix == cause { fix = nil }
            let before = edits.first.map { Array(analysis.effective[..<$0]) } ?? analysis.effective
            if let failing = before.last(where: { $0.failed && $0.errorClass != nil }), let at = before.lastIndex(where: { $0.failed && $0.errorClass != nil }),
                rawIndexes.indices.contains(at)
            {
                symptom = Narrative.errorLine(steps[rawIndexes[at]].observation) ?? failing.errorClass?.phrase
            }
            var files: [String] = []
            for index in edits { if let target = analysis.effective[index].target, !files.contains(target) { files.append(target) } }
            changedFiles = files
        }

        /// The change, from the patch or else from the files edited.
        var changeSentence: String? {
            if let patch { return patch.sentence }
            guard !changedFiles.isEmpty else { return nil }
            let shown = changedFiles.prefix(4).map { "`\($0)`" }
            return "changed " + PatchSummary.list(Array(shown)) + (changedFiles.count > 4 ? " and \(changedFiles.count - 4) more files" : "")
        }
    }

    static func taskSummary(_ analysis: TrajectoryAnalysis, _ facts: Facts) -> String {
        // The task statement capture drew from the first message; that message's own first line
        // is often a harness's preamble ("We're currently solving the following issue…").
        let request = (analysis.memory.task.isEmpty ? facts.firstUserMessage ?? "" : analysis.memory.task).firstLine(limit: 220)
        var text = "\(analysis.taskKind.goal) in \(WorkflowBuilder.projectPhrase(analysis.languages))."
        if !request.isEmpty { text += " The request: “\(request)”" + (request.hasSuffix(".") || request.hasSuffix("…") ? "" : ".") }
        if let change = facts.changeSentence { text += " The work " + change + "." }
        return text
    }

    static func environment(_ analysis: TrajectoryAnalysis) -> String {
        var parts: [String] = []
        parts.append("Languages: " + (analysis.languages.isEmpty ? "not evident from the commands" : analysis.languages.joined(separator: ", ")) + ".")
        // The toolchain, not the harness: the agent and its model are in the memory's source, and
        // naming them here would make summaries cluster by where they came from.
        if !analysis.tools.isEmpty { parts.append("Commands run: " + analysis.tools.joined(separator: ", ") + ".") }
        return parts.joined(separator: " ")
    }

    /// The actions in the order of the work: how the code was found, how the problem was
    /// reproduced, what was changed, how it was checked.
    static func actions(_ analysis: TrajectoryAnalysis, _ facts: Facts) -> String {
        let effective = analysis.effective
        guard !effective.isEmpty else { return "No tool calls or commands were recorded." }
        var sentences: [String] = []
        var done = Set<Phase.Kind>()
        for phase in analysis.phases where done.insert(phase.kind).inserted {
            let examples = WorkflowBuilder.examples(phase, analysis).map { "`\($0)`" }
            let with = examples.isEmpty ? "" : " (" + examples.joined(separator: ", ") + ")"
            switch phase.kind {
            case .investigate: sentences.append("located and read the code involved" + with)
            case .reproduce: sentences.append("reproduced the problem with a scratch script" + with + " before changing anything")
            case .setup: sentences.append("installed what was missing" + with)
            case .change: sentences.append(facts.changeSentence ?? "changed the code" + with)
            case .check: if !phase.beforeChange { sentences.append("checked the change" + with) }
            case .confirm: sentences.append("reran the reproduction after the last change")
            case .run: sentences.append((phase.beforeChange ? "ran the program to see its behaviour" : "ran the program to check the change") + with)
            case .review: sentences.append("reviewed the change set" + with)
            case .commit: sentences.append("committed the work")
            case .lookup: sentences.append("looked up documentation on the web")
            case .delegate: sentences.append("delegated sub-tasks to sub-agents")
            case .cleanup: sentences.append("removed the scratch scripts")
            case .submit: sentences.append("submitted the change")
            }
        }
        let body = sentences.prefix(8).joined(separator: "; ")
        return "In \(effective.count) steps: " + body + "."
    }

    static func results(_ analysis: TrajectoryAnalysis, _ facts: Facts) -> String {
        var parts: [String] = []
        if let check = facts.lastCheck {
            var line = "The last check after the final change (`\(check.family)`) "
            if let passed = check.testsPassed, let failed = check.testsFailed {
                line += "reported \(passed) passed and \(failed) failed"
            } else if check.failed {
                line += "failed" + (check.errorClass.map { " with \($0.phrase)" } ?? "")
            } else {
                line += "passed"
            }
            parts.append(line + ".")
        } else if !analysis.primaryEdits.isEmpty {
            parts.append("Nothing was run to check the change after its final version.")
        }
        let failed = analysis.effective.filter(\.failed).count
        parts.append("\(failed) of \(analysis.effective.count) steps failed.")
        if !analysis.errorCounts.isEmpty {
            let errors = analysis.errorCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .prefix(4).map { "\($0.key.phrase) (\($0.value)×)" }.joined(separator: ", ")
            parts.append("Errors met: \(errors).")
        }
        let memory = analysis.memory
        if let evidence = memory.outcomeEvidence {
            parts.append("Outcome: \(memory.outcome.rawValue), from \(evidence.signal.rawValue) evidence: \(evidence.detail.firstLine(limit: 160)).")
        } else {
            parts.append("Outcome: \(memory.outcome == .unknown ? "not recorded" : memory.outcome.rawValue).")
        }
        return parts.joined(separator: " ")
    }

    /// `text` ending as a sentence: an error line quoted as the symptom has no full stop of its own.
    static func closed(_ text: String) -> String {
        guard let last = text.last, !".!?:".contains(last) else { return text }
        return text + "."
    }

    /// Why it went the way it did, in agreement with the outcome and with the last check.
    static func why(_ analysis: TrajectoryAnalysis, _ facts: Facts) -> String {
        let memory = analysis.memory
        let lastCheckFailed = facts.lastCheck?.failed ?? false
        let lastCheckPassed = facts.lastCheck.map { !$0.failed } ?? false
        var cause: String?
        if let said = facts.cause {
            cause = "Root cause, as the agent found it: " + said
        } else if let symptom = facts.symptom {
            cause = "The problem showed as: " + symptom
        }
        var fix: String?
        if let said = facts.fix {
            fix = "Fix: " + said
        } else if let change = facts.changeSentence {
            fix = "Fix: " + change + "."
        }
        var reasons: [String] = []
        switch memory.outcome {
        case .success where !lastCheckFailed:
            if lastCheckPassed, let check = facts.lastCheck { reasons.append("the change was checked after its final version (`\(check.family)` passed)") }
            if analysis.reproducedFirst { reasons.append("the problem was reproduced before the fix, giving a concrete signal") }
            for lesson in analysis.lessons.prefix(1) {
                if let remedy = lesson.remedy {
                    reasons.append("a repeated failure (\(lesson.error?.phrase ?? lesson.editFailure?.phrase ?? "")) was overcome by \(InsightPhrasing.noun(remedy.category))")
                }
            }
            if reasons.isEmpty, analysis.primaryEdits.isEmpty, let run = analysis.effective.last(where: { [.run, .reproduce, .test, .build].contains($0.category) && !$0.failed }) {
                reasons.append("its final run (`\(run.family)`) completed cleanly")
            }
            let lead = reasons.isEmpty ? "It succeeded, though no check after the final change is on record." : "It succeeded because " + reasons.joined(separator: ", and ") + "."
            return ([lead] + [cause, fix].compactMap { $0 }.map(closed)).joined(separator: " ")
        case .success:
            // Recorded as a success, yet the trajectory's own last check failed: say both.
            let said = memory.outcomeEvidence.map { " (\($0.signal.rawValue): \($0.detail.firstLine(limit: 100)))" } ?? ""
            let lead = "It was recorded as a success\(said), but the last check after the final change failed, so the trajectory does not confirm the fix."
            return ([lead] + [cause, fix].compactMap { $0 }.map(closed)).joined(separator: " ")
        case .failure:
            if let loop = analysis.lessons.first(where: { $0.remedy == nil }) {
                reasons.append("`\(loop.failing)` was retried \(loop.attempts) times after \(loop.editFailure?.phrase ?? loop.error?.phrase ?? "failing") without a change of approach")
            }
            if lastCheckFailed, let check = facts.lastCheck {
                reasons.append("the last check (`\(check.family)`) still failed" + (check.errorClass.map { " with \($0.phrase)" } ?? ""))
            }
            if !analysis.primaryEdits.isEmpty, facts.lastCheck == nil { reasons.append("the final change was never checked") }
            if analysis.primaryEdits.isEmpty { reasons.append("no change to the work was made") }
            if let evidence = memory.outcomeEvidence, reasons.isEmpty { reasons.append("\(evidence.signal.rawValue) evidence says so: \(evidence.detail.firstLine(limit: 120))") }
            let lead = "It failed" + (reasons.isEmpty ? "; the trajectory shows no single cause." : " because " + reasons.joined(separator: ", and ") + ".")
            return ([lead] + [cause, fix.map { "Attempted " + $0.lowercasedFirst }].compactMap { $0 }.map(closed)).joined(separator: " ")
        case .unknown:
            // No recorded outcome: say what the evidence points to rather than stopping there.
            var evidence: [String] = []
            if let check = facts.lastCheck {
                evidence.append(check.failed ? "the last check after the final change (`\(check.family)`) failed" : "the last check after the final change (`\(check.family)`) passed")
            } else if !analysis.primaryEdits.isEmpty {
                evidence.append("nothing was run to check the final change")
            }
            if let loop = analysis.lessons.first(where: { $0.remedy == nil }) {
                evidence.append("`\(loop.failing)` failed \(loop.attempts) times in a row")
            }
            if let final = facts.result?.finalMessage.flatMap({ Narrative.sentences($0).first }) { evidence.append("the agent ended with: “\(final)”") }
            if analysis.primaryEdits.isEmpty, analysis.effective.contains(where: { $0.category == .inspect || $0.category == .search }) {
                evidence.append("the session read and searched without changing the work")
            }
            let lead: String
            if evidence.isEmpty {
                lead = "The outcome was not recorded and the trajectory holds no check or final statement to judge it by."
            } else {
                let leaning = lastCheckPassed ? "the evidence suggests it succeeded" : lastCheckFailed ? "the evidence suggests it did not succeed" : "the evidence is inconclusive"
                lead = "The outcome was not recorded; \(leaning): " + evidence.joined(separator: "; ") + "."
            }
            return ([lead] + [cause, fix].compactMap { $0 }.map(closed)).joined(separator: " ")
        }
    }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
