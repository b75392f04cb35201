import Foundation
import MnemCore

/// An insight the miner proposes, before consolidation with the pool's existing insights.
struct InsightCandidate: Sendable {
    /// The abstract pattern the insight is about (`tested-after-last-edit`, `recovery:missing-module:install`).
    var key: String
    var insight: Insight
    var outcome: Outcome
    var supporting: [MemoryID]
}

/// Mines working patterns that recur in at least two domains and relate to outcome.
///
/// For each pattern: the trajectories that show it (support), their domains, and the success
/// rate with and without it, over trajectories whose outcome is known. A pattern is kept when it
/// appears in two or more domains and either the rates differ meaningfully in the direction the
/// habit predicts, or (when there is nothing to compare with) nearly every run that shows it
/// succeeded. A recovery is kept when it worked in two or more domains. The text comes from
/// templates over the pattern, never from a trajectory, so it names nothing task-specific.
enum InsightMiner {
    static let minimumDomains = 2
    /// The smallest difference in success rate (with minus without) that counts.
    static let meaningfulDifference = 0.1
    /// Evidence lists are cut to this many memories (the best supported first).
    static let maxEvidence = 200

    static func mine(_ analyses: [TrajectoryAnalysis]) -> [InsightCandidate] {
        var out: [InsightCandidate] = []
        // With no known failure, a difference in success rate cannot show; patterns are then
        // judged by how consistently the runs showing them succeeded.
        let failuresKnown = analyses.contains { $0.memory.outcome == .failure }
        for pattern in WorkingPattern.allCases {
            let applicable = analyses.filter { pattern.applies(to: $0) }
            let with = applicable.filter { $0.patterns.contains(pattern) }
            let without = applicable.filter { !$0.patterns.contains(pattern) }
            guard knownDomainCount(with) >= minimumDomains else { continue }
            let rateWith = successRate(with)
            let rateWithout = successRate(without)
            guard keep(good: pattern.isGoodHabit, with: with, rateWith: rateWith, rateWithout: failuresKnown ? rateWithout : nil) else { continue }
            let evidence = InsightEvidence(
                memories: ids(with), domains: domains(with), successRateWith: rateWith.map(round2), successRateWithout: rateWithout.map(round2))
            let text = InsightTemplates.pattern(
                pattern, support: with.count, known: with.filter { $0.memory.outcome != .unknown }.count, domains: evidence.domains.count, with: rateWith, without: failuresKnown ? rateWithout : nil)
            out.append(
                InsightCandidate(
                    key: pattern.rawValue, insight: Insight(title: text.title, description: text.description, content: text.content, evidence: evidence),
                    outcome: pattern.isGoodHabit ? .success : .failure, supporting: with.map(\.memory.id).sorted()))
        }
        // Recoveries: the error class and the kind of step that got past it.
        var byRecovery: [String: (recovery: Recovery, analyses: [TrajectoryAnalysis])] = [:]
        for analysis in analyses {
            for recovery in analysis.recoveries where recovery.worked {
                byRecovery[recovery.key, default: (recovery, [])].analyses.append(analysis)
            }
        }
        for key in byRecovery.keys.sorted() {
            guard let (recovery, with) = byRecovery[key], knownDomainCount(with) >= minimumDomains, with.count >= 2 else { continue }
            // Without: trajectories that met the same error and did not get past it this way.
            let without = analyses.filter { a in
                a.errorCounts[recovery.error] != nil && !a.recoveries.contains { $0.key == key && $0.worked }
            }
            let rateWith = successRate(with)
            let rateWithout = successRate(without)
            let evidence = InsightEvidence(
                memories: ids(with), domains: domains(with), successRateWith: rateWith.map(round2), successRateWithout: rateWithout.map(round2))
            let text = InsightTemplates.recovery(recovery, support: with.count, domains: evidence.domains.count)
            out.append(
                InsightCandidate(
                    key: key, insight: Insight(title: text.title, description: text.description, content: text.content, evidence: evidence),
                    outcome: .success, supporting: with.map(\.memory.id).sorted()))
        }
        return out
    }

    static func keep(good: Bool, with: [TrajectoryAnalysis], rateWith: Double?, rateWithout: Double?) -> Bool {
        guard let rateWith else { return false }
        if let rateWithout {
            return good ? rateWith - rateWithout >= meaningfulDifference : rateWithout - rateWith >= meaningfulDifference
        }
        let known = with.filter { $0.memory.outcome != .unknown }.count
        return known >= 3 && (good ? rateWith >= 0.75 : rateWith <= 0.25)
    }

    static func successRate(_ analyses: [TrajectoryAnalysis]) -> Double? {
        let known = analyses.filter { $0.memory.outcome != .unknown }
        guard !known.isEmpty else { return nil }
        return Double(known.filter { $0.memory.outcome == .success }.count) / Double(known.count)
    }

    static func domains(_ analyses: [TrajectoryAnalysis]) -> [String] {
        Array(Set(analyses.map(\.memory.domain))).sorted()
    }

    /// Domains that name something: "general" (no project or language signal) does not count
    /// towards the two domains an insight needs.
    static func knownDomainCount(_ analyses: [TrajectoryAnalysis]) -> Int {
        domains(analyses).filter { $0 != "general" }.count
    }

    static func ids(_ analyses: [TrajectoryAnalysis]) -> [String] {
        Array(analyses.map(\.memory.id.rawValue).sorted().prefix(maxEvidence))
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}

/// The words of offline insights: fixed sentences over the abstract pattern and its numbers.
enum InsightTemplates {
    struct Text {
        var title: String
        var description: String
        var content: String
    }

    static func percent(_ rate: Double?) -> String { rate.map { "\(Int(($0 * 100).rounded()))%" } ?? "unknown" }

    static func statistics(support: Int, known: Int, domains: Int, with: Double?, without: Double?, doing: String) -> String {
        let base = "Seen in \(support) trajectories from \(domains) domains"
        if let without {
            return base + ": runs that \(doing) succeeded \(percent(with)) of the time, against \(percent(without)) for runs that did not."
        }
        if known < support { return base + "; of the \(known) with a recorded outcome, \(percent(with)) succeeded." }
        return base + ", of which \(percent(with)) succeeded."
    }

    /// The fixed text of each pattern: title, description, the lead of the content, and how the
    /// statistics sentence names the runs that show it.
    static func wording(_ pattern: WorkingPattern) -> (title: String, description: String, lead: String, doing: String) {
        switch pattern {
        case .testedAfterLastEdit:
            return (
                "Run the tests after the last edit",
                "Treat a change as finished only once the tests have run against its final version.",
                "Re-run the relevant tests after the final edit, not only before it, so the state you hand over is the state you validated. ",
                "tested after their last edit")
        case .validatedAfterLastEdit:
            return (
                "Validate the final change by executing it",
                "After the last edit, build, test or run the code to confirm the change works.",
                "An edit that is never executed is a guess; a build, a test run or a rerun of the reproduction confirms it. ",
                "validated after their last edit")
        case .reproducedBeforeFixing:
            return (
                "Reproduce the problem before changing code",
                "Run the failing behaviour first so there is a concrete signal to check the fix against.",
                "Before editing, run a test, a script or the program to observe the problem, then rerun the same check after the fix. ",
                "reproduced before editing")
        case .inspectedBeforeEditing:
            return (
                "Read a file before editing it",
                "Inspect the code you are about to change so the edit fits what is actually there.",
                "Open the surrounding code before modifying it instead of editing from memory or assumption, which avoids mismatched edits and broken context. ",
                "read files before editing them")
        case .searchedBeforeEditing:
            return (
                "Search the code base before editing",
                "Locate every place involved in a change with a search before making the first edit.",
                "A search for the relevant names or messages shows where behaviour is defined and used, so the fix lands in the right place and nothing is missed. ",
                "searched before editing")
        case .reviewedChangeAfterEditing:
            return (
                "Review the diff before finishing",
                "Look at the version-control diff or status after the last edit to check exactly what changed.",
                "Reviewing the change set catches stray edits, leftover debugging files and incomplete changes before they are handed over. ",
                "reviewed their change")
        case .failingRetryLoop:
            return (
                "Stop retrying a command that keeps failing",
                "After two identical failures, change the approach instead of running the same action again.",
                "Repeating an unchanged action that failed rarely converges; read the error, inspect the cause or try a different tool first. ",
                "retried a failing action three or more times")
        }
    }

    static func pattern(_ pattern: WorkingPattern, support: Int, known: Int, domains: Int, with: Double?, without: Double?) -> Text {
        let text = wording(pattern)
        return Text(
            title: text.title, description: text.description,
            content: text.lead + statistics(support: support, known: known, domains: domains, with: with, without: without, doing: text.doing))
    }

    static func recoveryPhrase(_ action: StepCategory) -> String {
        switch action {
        case .install: "install or configure the missing dependency"
        case .edit: "correct the code or configuration that caused it"
        case .inspect: "read the relevant file or output closely"
        case .search: "search for where the failing name or path is defined"
        case .build: "rebuild the project"
        case .test: "run the tests to pin down the failure"
        case .run: "run a smaller command to check the environment"
        case .reproduce: "reproduce the failure in isolation"
        case .versionControl: "check the repository state with version control"
        case .web: "look the error up in documentation"
        case .other: "change the approach"
        }
    }

    static func recovery(_ recovery: Recovery, support: Int, domains: Int) -> Text {
        let error = recovery.error.phrase
        let fix = recoveryPhrase(recovery.action)
        let capitalized = fix.prefix(1).uppercased() + fix.dropFirst()
        return Text(
            title: "\(capitalized) after \(error)",
            description: "When a step fails with \(error), \(fix) before retrying.",
            content: "Diagnose the error class instead of repeating the failing step: \(fix), then rerun the step that failed. "
                + "This recovery got past \(error) in \(support) trajectories from \(domains) domains.")
    }
}
