import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// A pull that would forget more than max(10, 10%) of the pool's memories, or all of them,
/// stops, names the commits that do it, and goes ahead only with `--accept-forgets`.
@Suite("Sync: the mass-forget guard")
struct MassForgetTests {
    /// Two pools sharing `count` memories through a bare remote.
    func setUp(_ label: String, count: Int) throws -> (scratch: Scratch, a: Pool, b: Pool, memories: [Memory]) {
        let scratch = try Scratch(label)
        let remote = try scratch.bareRemote()
        let a = try Pool.create(at: scratch.at("a"))
        let b = try Pool.create(at: scratch.at("b"))
        for pool in [a, b] { try pool.repository.addRemote(name: "origin", url: remote) }
        let memories = insights(label, count)
        _ = try a.add(memories, info: CommitInfo(summary: "shared"))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        _ = try b.pull(remote: "origin", credentials: noCredentials)
        return (scratch, a, b, memories)
    }

    @Test(arguments: [false, true])
    func forgettingMostOfThePoolStops(merge: Bool) throws {
        let (scratch, a, b, memories) = try setUp("forget-most-\(merge)", count: 30)
        _ = try a.forget(memories.prefix(25).map(\.id), info: CommitInfo(summary: "forget everything old"))
        let forgetter = try #require(try a.tip())
        _ = try a.push(remote: "origin", credentials: noCredentials)
        if merge { _ = try b.add(insights("local", 1), info: CommitInfo(summary: "local")) }
        let before = try b.tip()
        let objects = try scratch.objectCount(scratch.at("b"))

        let stopped = try #require(throws: MassForgetError.self) { try b.pull(remote: "origin", credentials: noCredentials) }
        #expect(stopped.forgotten.count == 25)
        #expect(stopped.poolCount == (merge ? 31 : 30))
        #expect(stopped.limit == 10)
        #expect(stopped.commits.map(\.commit) == [forgetter])
        #expect(stopped.commits.first?.summary == "forget everything old")
        #expect(try b.tip() == before)
        #expect(try scratch.objectCount(scratch.at("b")) == objects)
        #expect(scratch.quarantineLeftovers(scratch.at("b")).isEmpty)
        try scratch.fsck(scratch.at("b"))

        // The command line names the commit and the way through; sync and push stop the same way.
        for command in ["pull", "sync"] {
            let cli = scratch.mnem(["--pool", scratch.at("b"), command])
            #expect(cli.status == 1)
            #expect(cli.err.contains(forgetter.hex.prefix(10)) && cli.err.contains("--accept-forgets"), "\(cli.err)")
        }
        #expect(try b.tip() == before)
        let taken = scratch.mnem(["--pool", scratch.at("b"), "pull", "--accept-forgets", "--json"])
        #expect(taken.status == 0, "\(taken.err)")
        #expect(try JSONParser.parse(taken.out)["forgotten"]?.intValue == 25)
        #expect(try b.memoryIDs().count == (merge ? 6 : 5))
    }

    @Test func forgettingEveryMemoryOfASmallPoolStops() throws {
        let (scratch, a, b, memories) = try setUp("forget-all", count: 5)
        defer { withExtendedLifetime(scratch) {} }
        _ = try a.forget(memories.map(\.id), info: CommitInfo(summary: "empty it"))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        let stopped = try #require(throws: MassForgetError.self) { try b.pull(remote: "origin", credentials: noCredentials) }
        #expect(stopped.forgotten.count == 5)
        #expect(try b.memoryIDs().count == 5)
        _ = try b.pull(remote: "origin", credentials: noCredentials, acceptForgets: true)
        #expect(try b.memoryIDs().isEmpty)
    }

    /// Forgets spread over several commits add up, and each commit is named.
    @Test func forgetsAcrossCommitsAddUpAndEachCommitIsNamed() throws {
        let (scratch, a, b, memories) = try setUp("forget-spread", count: 40)
        defer { withExtendedLifetime(scratch) {} }
        var commits: [ObjectID] = []
        for chunk in 0..<3 {
            _ = try a.forget(memories[(chunk * 5)..<(chunk * 5 + 5)].map(\.id), info: CommitInfo(summary: "forget chunk \(chunk)"))
            commits.append(try #require(try a.tip()))
        }
        _ = try a.push(remote: "origin", credentials: noCredentials)
        let stopped = try #require(throws: MassForgetError.self) { try b.pull(remote: "origin", credentials: noCredentials) }
        #expect(stopped.forgotten.count == 15)
        #expect(Set(stopped.commits.map(\.commit)) == Set(commits))
        #expect(stopped.commits.allSatisfy { $0.count == 5 })
    }

    /// Up to the limit, a pull forgets as before.
    @Test(arguments: [(30, 10), (200, 20)])
    func forgettingUpToTheLimitPulls(count: Int, forgets: Int) throws {
        let (scratch, a, b, memories) = try setUp("forget-some-\(count)", count: count)
        defer { withExtendedLifetime(scratch) {} }
        _ = try a.forget(memories.prefix(forgets).map(\.id), info: CommitInfo(summary: "prune"))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        let pulled = try b.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.removed.count == forgets)
        #expect(try b.memoryIDs().count == count - forgets)
    }
}
