import Foundation
import MnemCore
import Testing

@testable import MnemCompaction

/// Practices: what successful runs of several projects do when the data holds too few failures
/// for a lift to show, and the checks that keep them from being noise.
@Suite struct PracticeMiningTests {
    static func id(_ n: Int) -> MemoryID { MemoryID(String(format: "%040x", n))! }

    /// A record of a run in `project` that edited code, with `habits`, and what it came to.
    static func record(_ n: Int, project: String, habits: [String], outcome: Outcome? = .success, agent: String = "agent-a") -> MiningRecord {
        MiningRecord(id: id(n), source: "domain:" + project, agent: agent, domain: project, outcome: outcome, episodes: [], habits: habits.sorted(), edits: true)
    }

    /// `count` runs in each of `projects` that reviewed their diff after the last edit, and as many that did not.
    static func records(projects: [String], reviewing: Int = 2, plain: Int = 2, reviewOutcome: Outcome = .success, plainOutcome: Outcome = .success) -> [MiningRecord] {
        var out: [MiningRecord] = []
        for project in projects {
            for _ in 0..<reviewing { out.append(record(out.count, project: project, habits: ["after|version-control|git diff"], outcome: reviewOutcome)) }
            for _ in 0..<plain { out.append(record(out.count, project: project, habits: ["before|inspect|cat <file.py>"], outcome: plainOutcome)) }
        }
        return out
    }

    static func review(_ candidates: [InsightCandidate]) -> InsightCandidate? {
        candidates.first { $0.key == "habit:outcome:after|version-control" }
    }

    @Test func aHabitOfSuccessfulRunsInThreeProjectsIsAPractice() throws {
        let mined = InsightMiner.mine(Self.records(projects: ["alpha", "beta", "gamma"]))
        let practice = try #require(Self.review(mined), "\(mined.map(\.key))")
        #expect(practice.insight.title == "Review the whole diff before finishing")
        // It says it is a practice, and claims no difference it could not measure.
        #expect(practice.insight.content.hasSuffix("A habit of successful projects."), "\(practice.insight.content)")
        #expect(!practice.insight.content.contains("against"))
        #expect(practice.insight.description.contains("`git diff`"))
        #expect(practice.insight.evidence?.domains == ["alpha", "beta", "gamma"])
        #expect(practice.insight.evidence?.successRateWith == 1)
        #expect(practice.supporting.count == 6)
        // Below any association with a lift, whatever its support.
        #expect(practice.score < InsightMiner.minimumLift)
    }

    @Test func twoProjectsAreNotEnoughForAPractice() {
        let mined = InsightMiner.mine(Self.records(projects: ["alpha", "beta"], reviewing: 5))
        #expect(Self.review(mined) == nil, "\(mined.map(\.key))")
    }

    @Test func inAPoolOfSeveralAgentsAPracticeNeedsTwoOfThem() throws {
        // The same runs, plus successful runs of another agent that never review: one harness's habit.
        var records = Self.records(projects: ["alpha", "beta", "gamma"])
        for project in ["delta", "epsilon"] { records.append(Self.record(records.count, project: project, habits: [], agent: "agent-b")) }
        #expect(Self.review(InsightMiner.mine(records)) == nil)
        // Once the other agent reviews too, in any project, it is a practice of the pool.
        records.append(Self.record(records.count, project: "delta", habits: ["after|version-control|git status"], agent: "agent-b"))
        let practice = try #require(Self.review(InsightMiner.mine(records)))
        #expect(practice.insight.description.contains("`git status`"))
    }

    @Test func aHabitThatGoesWorseThanItsComplementIsNoPractice() {
        // Three projects, each with two reviewing runs, one of which failed; the others all succeeded.
        var records = Self.records(projects: ["alpha", "beta", "gamma"], reviewing: 0, plain: 3)
        for project in ["alpha", "beta", "gamma"] {
            records.append(Self.record(records.count, project: project, habits: ["after|version-control|git diff"], outcome: .success))
            records.append(Self.record(records.count, project: project, habits: ["after|version-control|git diff"], outcome: .failure))
        }
        let mined = InsightMiner.mine(records)
        #expect(Self.review(mined) == nil, "\(mined.map(\.key))")
    }

    @Test func stagingAndPushingAreNotReviewing() {
        var records: [MiningRecord] = []
        for project in ["alpha", "beta", "gamma"] {
            for _ in 0..<2 { records.append(Self.record(records.count, project: project, habits: ["after|version-control|git push"])) }
        }
        #expect(Self.review(InsightMiner.mine(records)) == nil)
    }

    @Test func aPracticeKeepsItsPatternWhenFailuresShowALift() throws {
        let practice = try #require(Self.review(InsightMiner.mine(Self.records(projects: ["alpha", "beta", "gamma"]))))
        // The same habit, now with failures among the runs without it: a lift shows.
        let lifted = try #require(Self.review(InsightMiner.mine(Self.records(projects: ["alpha", "beta", "gamma"], plainOutcome: .failure))))
        #expect(lifted.key == practice.key)
        #expect(lifted.insight.title == practice.insight.title)
        #expect(lifted.insight.content.contains("against few of those that did not"), "\(lifted.insight.content)")
        #expect(lifted.score > practice.score)
    }

    @Test func sharedShapingIsOneInsightNamingEachWay() throws {
        var records: [MiningRecord] = []
        for (project, modifier) in [("alpha", "2>&1"), ("beta", "| tail -n <number>"), ("gamma", "| tail -n <number>")] {
            records.append(Self.record(records.count, project: project, habits: ["shape|test|" + modifier]))
            records.append(Self.record(records.count, project: project, habits: []))
        }
        let mined = InsightMiner.mine(records)
        let shaping = mined.filter { $0.key.contains("shape|") }
        #expect(shaping.map(\.key) == ["habit:outcome:shape|test"])
        #expect(shaping.first?.insight.description.contains("`| tail -n <number>` or `2>&1`") == true, "\(shaping.map(\.insight.description))")
    }

    @Test func aRecoveryWithoutContrastIsAPracticeWhenThreeProjectsShowIt() throws {
        func run(_ n: Int, _ project: String) -> MiningRecord {
            MiningRecord(
                id: Self.id(n), source: "domain:" + project, agent: "agent-\(n % 2)", domain: project, outcome: .success,
                episodes: [
                    Episode(
                        situation: "error:missing-module@python", failing: "python <file.py>",
                        techniques: ["category|install", "install|pip install <package>"], progressed: true)
                ], habits: [], edits: true)
        }
        let three = InsightMiner.mine(["alpha", "beta", "gamma"].enumerated().map { run($0.offset, $0.element) })
        let install = try #require(three.first { $0.key == "recover:error:missing-module@python:category|install" }, "\(three.map(\.key))")
        #expect(install.insight.content.hasSuffix("too few went otherwise to compare."), "\(install.insight.content)")
        #expect(install.insight.content.hasPrefix("Missing packages are the environment's fault"))
        #expect(install.insight.description.contains("`pip install <package>`"))
        let two = InsightMiner.mine(["alpha", "beta"].enumerated().map { run($0.offset, $0.element) })
        #expect(!two.contains { $0.key.hasPrefix("recover:error:missing-module") }, "\(two.map(\.key))")
    }

    /// Each technique gives its own reason and each error its own lesson: one sentence skeleton
    /// for all of them made every recovery read alike.
    @Test func recoveriesSayWhyInTheirOwnWords() throws {
        let techniques = ["category|install", "category|inspect", "category|search", "category|test", "category|build", "category|web", "category|retry", "read-target", "smaller-anchor"]
        let contents = try techniques.map { technique in
            try #require(InsightPhrasing.recovery(situation: "error:missing-module@python", technique: technique, families: ["x"], failing: ["y"], rates: nil)).content
        }
        let reasons = contents.map { $0.prefix { $0 != "." } }
        #expect(Set(reasons).count == techniques.count, "\(reasons)")
        let lessons = ErrorClass.allCases.map(InsightPhrasing.persistence)
        #expect(Set(lessons).count == ErrorClass.allCases.count)
        let rerun = try #require(InsightPhrasing.unchangedRerun(situation: "error:compile-error@elixir", failing: ["mix compile"], with: 0.1, without: 0.8))
        #expect(rerun.content.hasPrefix("The compiler reports the same error until the code it names changes."), "\(rerun.content)")
        #expect(rerun.title == "Do not rerun unchanged after a compile error in Elixir")
    }
}
