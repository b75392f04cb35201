import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// The compaction state: derived, named after a commit, brought up to date from the tree diff,
/// rebuilt (never trusted) when missing or corrupt.
@Suite struct IncrementalCompactionTests {
    func statePath(_ pool: Pool) -> String { CompactionState.path(gitDirectory: pool.repository.gitDirectory) }

    /// Each trajectory has exactly one offline workflow and one offline summary.
    func expectOneOfEach(_ pool: Pool) throws {
        let trajectories = try pool.entries(kinds: [.trajectory]).map(\.id)
        for kind in [MemoryKind.workflow, .summary] {
            let parents = try pool.memories(kinds: [kind]).flatMap(\.derivedFrom)
            #expect(parents.sorted() == trajectories.sorted(), "\(kind.rawValue)")
        }
    }

    @Test func nothingNewReadsOnlyTheStateHeaderAndCommitsNothing() throws {
        let directory = TemporaryDirectory("incremental-nothing")
        let (pool, _) = try makePool(directory)
        _ = try pool.add(handMadeTrajectories(), info: CommitInfo(summary: "capture"))
        let first = try OfflineCompactor().run(pool: pool)
        #expect(first.commit != nil && !first.upToDate)
        let commits = try commitCount(pool)
        // The body is damaged but the header is not: with nothing new, the body is never read.
        var bytes = try #require(FileManager.default.contents(atPath: statePath(pool)))
        bytes[bytes.count - 1] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: statePath(pool)))
        let second = try OfflineCompactor().run(pool: pool)
        #expect(second.upToDate && second.commit == nil && second.trajectories == 6)
        #expect(try commitCount(pool) == commits)
    }

    @Test(arguments: ["missing", "corrupt", "unknown commit"])
    func aBadStateIsRebuiltFromTheTree(_ damage: String) throws {
        let directory = TemporaryDirectory("incremental-rebuild")
        let (pool, _) = try makePool(directory)
        let all = handMadeTrajectories()
        _ = try pool.add(Array(all.prefix(4)), info: CommitInfo(summary: "capture"))
        _ = try OfflineCompactor().run(pool: pool)
        let path = statePath(pool)
        switch damage {
        case "missing": try FileManager.default.removeItem(atPath: path)
        case "corrupt":
            var bytes = try #require(FileManager.default.contents(atPath: path))
            bytes[CompactionState.headerSize + 3] ^= 0x5A
            try bytes.write(to: URL(fileURLWithPath: path))
        default:
            var state = try #require(CompactionState.load(path: path))
            state.commit = String(repeating: "ab", count: 20)
            try state.save(path: path)
        }
        _ = try pool.add(Array(all.suffix(2)), info: CommitInfo(summary: "capture more"))
        let report = try OfflineCompactor().run(pool: pool)
        #expect(report.compacted == 2 && report.trajectories == 6)
        try expectOneOfEach(pool)
        #expect(CompactionState.load(path: path)?.records.count == 6)
    }

    /// A session captured again after it went on: the capture takes the earlier trajectory off
    /// the tip, and compaction takes its workflow and summary with it, so the session keeps one
    /// of each. A trajectory merely forgotten keeps its derived memories.
    @Test func anExtendedCaptureRetiresTheEarlierWorkflowAndSummary() throws {
        let directory = TemporaryDirectory("incremental-extended")
        let (pool, _) = try makePool(directory)
        let all = handMadeTrajectories()
        _ = try pool.add(all, info: CommitInfo(summary: "capture"))
        _ = try OfflineCompactor().run(pool: pool)
        let earlier = all[0]
        guard case .trajectory(let trajectory) = earlier.body else { Issue.record("not a trajectory"); return }
        var later = earlier
        later.body = .trajectory(Trajectory(
            steps: trajectory.steps + [TrajectoryStep(tool: "bash", input: "pytest -q", observation: "12 passed", exitStatus: 0)],
            firstUserMessage: trajectory.firstUserMessage, result: trajectory.result))
        later.supersedes = [earlier.id]
        later.refreshID()
        _ = try pool.apply(adding: [later], removing: [earlier.id], info: CommitInfo(summary: "capture the session again"))
        let report = try OfflineCompactor().run(pool: pool)
        #expect(report.compacted == 1)
        #expect(!(try pool.memories(kinds: [.workflow, .summary]).contains { $0.derivedFrom == [earlier.id] }))
        #expect(try pool.memories(kinds: [.workflow, .summary]).filter { $0.derivedFrom == [later.id] }.count == 2)
        try expectOneOfEach(pool)
        // Forgetting is not extending: the forgotten trajectory's derived memories stay.
        _ = try pool.forget([all[1].id], info: CommitInfo(summary: "forget"))
        _ = try OfflineCompactor().run(pool: pool)
        #expect(try pool.memories(kinds: [.workflow, .summary]).filter { $0.derivedFrom == [all[1].id] }.count == 2)
    }

    @Test func theStateFollowsTheDiffAsARebuildWould() throws {
        let directory = TemporaryDirectory("incremental-diff")
        let (pool, _) = try makePool(directory)
        let all = handMadeTrajectories()
        _ = try pool.add(Array(all.prefix(3)), info: CommitInfo(summary: "capture"))
        _ = try OfflineCompactor().run(pool: pool)
        _ = try pool.add(Array(all.suffix(3)), info: CommitInfo(summary: "capture more"))
        _ = try pool.forget([all[0].id], info: CommitInfo(summary: "forget one"))
        _ = try OfflineCompactor().run(pool: pool)
        let incremental = try #require(CompactionState.load(path: statePath(pool)))
        try FileManager.default.removeItem(atPath: statePath(pool))
        let tip = try pool.tip()
        let (rebuilt, unread, _) = try OfflineCompactor().refresh(pool: pool, tip: tip, statePath: statePath(pool), progress: nil)
        #expect(Set(incremental.records.keys) == Set(unread.keys) && incremental.records.count == 5)
        // The forgotten trajectory's workflow and summary are still at the tip; both states agree on them.
        #expect(incremental.compacted == rebuilt.compacted)
        #expect(incremental.commit == tip?.hex)
    }

    @Test func aTeammatesCompactionCountsAsDone() throws {
        let directory = TemporaryDirectory("incremental-teammate")
        let (pool, _) = try makePool(directory)
        let all = handMadeTrajectories()
        _ = try pool.add(Array(all.prefix(2)), info: CommitInfo(summary: "capture"))
        _ = try OfflineCompactor().run(pool: pool)
        // Another writer adds a trajectory and its offline workflow and summary, as a pull would.
        let other = all[2]
        let analysis = TrajectoryAnalysis(other)
        _ = try pool.add([other, OfflineCompactor.derive(.workflow, analysis), OfflineCompactor.derive(.summary, analysis)], info: CommitInfo(summary: "pulled"))
        let report = try OfflineCompactor().run(pool: pool)
        #expect(report.compacted == 0 && report.count(.workflow) == 0 && report.count(.summary) == 0)
        try expectOneOfEach(pool)
    }
}
