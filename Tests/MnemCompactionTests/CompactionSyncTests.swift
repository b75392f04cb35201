import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// Two teammates compact on their own, then sync through a real bare remote: one version of each
/// mined pattern remains, with the provenance of both.
@Suite struct CompactionSyncTests {
    func insightsByPattern(_ pool: Pool) throws -> [String: [Memory]] {
        var out: [String: [Memory]] = [:]
        for insight in try pool.memories(kinds: [.insight]) {
            for key in InsightMerge.patterns(insight) { out[key, default: []].append(insight) }
        }
        return out
    }

    @Test func independentCompactionsSyncToOneVersionPerPattern() throws {
        let directory = TemporaryDirectory("compact-sync")
        let remote = directory.file("team.git")
        _ = try Shell.git(["init", "-q", "--bare", "-b", "main", remote])
        let (alicePath, bobPath) = (directory.file("alice"), directory.file("bob"))
        let alice = try Pool.create(at: alicePath)
        let bob = try Pool.create(at: bobPath)
        // Each sees the same patterns in projects of their own.
        let aliceSessions = [recoveringTrajectory(1, domain: "alpha-lib"), recoveringTrajectory(2, domain: "beta-service"), loopingTrajectory(3, domain: "alpha-lib"), loopingTrajectory(4, domain: "beta-service")]
        let bobSessions = [recoveringTrajectory(5, domain: "gamma-tool"), recoveringTrajectory(6, domain: "delta-app"), loopingTrajectory(7, domain: "gamma-tool"), loopingTrajectory(8, domain: "delta-app")]
        _ = try alice.add(aliceSessions, info: CommitInfo(summary: "capture"))
        _ = try bob.add(bobSessions, info: CommitInfo(summary: "capture"))
        for path in [alicePath, bobPath] {
            #expect(mnem(["compact"], pool: path).status == 0)
            #expect(mnem(["remote", "add", "origin", remote], pool: path).status == 0)
        }
        let alicePatterns = try insightsByPattern(alice)
        let bobPatterns = try insightsByPattern(bob)
        let shared = Set(alicePatterns.keys).intersection(bobPatterns.keys)
        #expect(!shared.isEmpty, "both mined some pattern: \(alicePatterns.keys.sorted()) / \(bobPatterns.keys.sorted())")
        for key in shared { #expect(alicePatterns[key]?.first?.id != bobPatterns[key]?.first?.id, "two versions of \(key)") }

        #expect(mnem(["push"], pool: alicePath).status == 0)
        let bobSync = mnem(["sync"], pool: bobPath)
        #expect(bobSync.status == 0, "\(bobSync.console.stderr)")
        #expect(mnem(["pull"], pool: alicePath).status == 0)

        for pool in [alice, bob] {
            let byPattern = try insightsByPattern(pool)
            for key in shared {
                let versions = byPattern[key] ?? []
                #expect(versions.count == 1, "\(key): \(versions.map(\.id.short))")
                // Both teammates' trajectories support the one version.
                let support = Set(versions.first?.derivedFrom ?? [])
                #expect(aliceSessions.contains { support.contains($0.id) } && bobSessions.contains { support.contains($0.id) })
                #expect(Set(versions.first?.supersedes ?? []) == [alicePatterns[key]?.first?.id, bobPatterns[key]?.first?.id].compactMap { $0 }.reduce(into: Set<MemoryID>()) { $0.insert($1) })
            }
        }
        // The two pools hold the same insights, byte for byte.
        #expect(try alice.entries(kinds: [.insight]).map(\.blob).sorted { $0.hex < $1.hex } == bob.entries(kinds: [.insight]).map(\.blob).sorted { $0.hex < $1.hex })
        // Compacting again after the sync proposes nothing new for a reconciled pattern whose words held.
        let again = mnem(["compact", "--json"], pool: bobPath)
        #expect(again.status == 0)
        #expect(try insightsByPattern(bob).filter { shared.contains($0.key) }.allSatisfy { $0.value.count == 1 })
    }
}
