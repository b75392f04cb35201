import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

@Suite("Sync: push, pull and loss-free merges")
struct SyncMergeTests {
    /// Two pools cloned from one remote each add 500 memories of their own and 20 shared ones,
    /// then push in the given order: the second push is refused, pulls, merges and pushes again.
    @Test(arguments: [true, false])
    func twoPoolsConvergeOnTheUnion(aPushesFirst: Bool) throws {
        let scratch = try Scratch("union")
        let remote = try scratch.bareRemote()
        #expect(scratch.mnem(["init", "a", "--from", remote]).status == 0)
        #expect(scratch.mnem(["init", "b", "--from", remote]).status == 0)
        let a = try Pool.open(at: scratch.at("a"))
        let b = try Pool.open(at: scratch.at("b"))
        let shared = insights("shared", 20)
        let ownA = insights("alice", 500)
        let ownB = insights("bob", 500)
        // Several commits on each side, with the shared memories at different points in each history.
        for (n, chunk) in stride(from: 0, to: 500, by: 125).enumerated() {
            _ = try a.add(Array(ownA[chunk..<chunk + 125]) + (n == 1 ? shared : []), info: CommitInfo(summary: "alice \(n)"))
            _ = try b.add((n == 3 ? shared : []) + Array(ownB[chunk..<chunk + 125]), info: CommitInfo(summary: "bob \(n)"))
        }
        let (first, second) = aPushesFirst ? ("a", "b") : ("b", "a")

        let pushFirst = scratch.mnem(["--pool", scratch.at(first), "push", "--json"])
        #expect(pushFirst.status == 0, "\(pushFirst.err)")
        let pushSecond = scratch.mnem(["--pool", scratch.at(second), "push", "--json"])
        #expect(pushSecond.status == 0, "\(pushSecond.err)")
        let report = try JSONParser.parse(pushSecond.out)
        #expect(report["rejections"]?.intValue == 1)
        let merge = try #require(report["pulls"]?.arrayValue?.first)
        #expect(merge["mode"]?.stringValue == "merged")
        #expect(merge["new"]?.intValue == 500)
        #expect(merge["unchanged"]?.intValue == 20)
        #expect(merge["invalid"]?.intValue == 0)

        let pullFirst = scratch.mnem(["--pool", scratch.at(first), "sync", "--json"])
        #expect(pullFirst.status == 0, "\(pullFirst.err)")

        let expected = Set((shared + ownA + ownB).map(\.id))
        #expect(expected.count == 1_020)
        let atRemote = try Pool.open(at: remote)
        for pool in [a, b, atRemote] {
            #expect(try pool.memoryIDs() == expected)
        }
        #expect(try a.tip() == b.tip())
        #expect(try a.tip() == atRemote.tip())
        for repository in [remote, scratch.at("a"), scratch.at("b")] { try scratch.fsck(repository) }

        // The merge records the remote; `mnem log` on a memory that arrived by it names the remote.
        let arrived = (aPushesFirst ? ownA : ownB)[7].id
        let log = scratch.mnem(["--pool", scratch.at(second), "log", arrived.rawValue])
        #expect(log.out.contains("arrived via origin \(remote)"), "\(log.out)")
        // The first pusher took the rest by fast-forward: its reflog names the remote.
        let fastForwarded = (aPushesFirst ? ownB : ownA)[7].id
        let ffLog = scratch.mnem(["--pool", scratch.at(first), "log", fastForwarded.rawValue])
        #expect(ffLog.out.contains("arrived via origin \(remote)"), "\(ffLog.out)")
        // Full sources travel with the memories.
        #expect(try b.memory(ownA[3].id)?.source == ownA[3].source)
    }

    @Test func forgetPropagatesAndLocalAdditionsSurvive() throws {
        let scratch = try Scratch("forget")
        let remote = try scratch.bareRemote()
        let a = try Pool.create(at: scratch.at("a"))
        try a.repository.addRemote(name: "origin", url: remote)
        let start = insights("start", 3)
        _ = try a.add(start, info: CommitInfo(summary: "start"))
        _ = try a.push(remote: "origin", credentials: noCredentials)

        // This side reaches the same remote through a file:// URL.
        #expect(scratch.mnem(["init", "b", "--from", "file://" + remote]).status == 0)
        let b = try Pool.open(at: scratch.at("b"))
        #expect(try b.memoryIDs() == Set(start.map(\.id)))
        _ = try b.forget([start[0].id], info: CommitInfo(summary: "forget one"))
        _ = try b.push(remote: "origin", credentials: noCredentials)

        let later = insights("later", 2)
        _ = try a.add(later, info: CommitInfo(summary: "more"))
        let pulled = try a.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.mode == .merged)
        #expect(pulled.removed == [start[0].id])
        #expect(try a.memoryIDs() == Set([start[1].id, start[2].id] + later.map(\.id)))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        _ = try b.pull(remote: "origin", credentials: noCredentials)
        #expect(try b.memoryIDs() == a.memoryIDs())
        try scratch.fsck(remote)
    }

    /// Writes `bytes` at `path` in a commit on the pool's branch, as a hand edit or another tool would.
    func commitRaw(_ pool: Pool, path: String, bytes: [UInt8]) throws {
        let blob = try pool.repository.writeBlob(bytes)
        let parent = try pool.tip()
        let tree = try pool.repository.buildTree(base: try pool.tipTree(), edits: [.upsert(path: path, blob: blob)])
        let who = Signature(name: "hand", email: "hand@localhost")
        let commit = try pool.repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: who, committer: who, message: "hand edit\n")
        try pool.repository.compareAndSwapReference(pool.branch, to: commit, expected: parent, logMessage: "test")
    }

    @Test func samePathTwoVersionsKeepsEveryMemory() throws {
        let scratch = try Scratch("twoversions")
        let remote = try scratch.bareRemote()
        let a = try Pool.create(at: scratch.at("a"))
        let b = try Pool.create(at: scratch.at("b"))
        for pool in [a, b] { try pool.repository.addRemote(name: "origin", url: remote) }

        // 1. The same memory captured at two times: same id, different bytes.
        let early = insights("twice", 1, capturedAt: "2025-01-01T00:00:00Z")[0]
        let late = insights("twice", 1, capturedAt: "2026-06-01T00:00:00Z")[0]
        #expect(early.id == late.id)
        _ = try a.add([late], info: CommitInfo(summary: "late"))
        _ = try b.add([early], info: CommitInfo(summary: "early"))
        // 2. The same memory in non-canonical bytes on one side.
        let plain = insights("bytes", 1)[0]
        try commitRaw(a, path: plain.path, bytes: CanonicalJSON.compact(plain.jsonObject()))
        _ = try b.add([plain], info: CommitInfo(summary: "canonical"))
        // 3. A hand-edited file here holding another memory than its path names.
        let named = insights("named", 1)[0]
        var edited = named
        edited.task = "edited by hand"
        edited.refreshID()
        try commitRaw(b, path: named.path, bytes: CanonicalJSON.document(edited.jsonObject()))
        _ = try a.add([named], info: CommitInfo(summary: "named"))

        _ = try a.push(remote: "origin", credentials: noCredentials)
        let pulled = try b.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.mode == .merged)
        #expect(pulled.conflicts.count == 3)

        let tree = try #require(try b.tipTree())
        #expect(try b.repository.readBlob(try #require(try b.repository.treeEntry(atPath: early.path, in: tree)).id) == early.canonicalBytes())
        #expect(try b.repository.readBlob(try #require(try b.repository.treeEntry(atPath: plain.path, in: tree)).id) == plain.canonicalBytes())
        #expect(try b.memory(named.id) == named)
        #expect(try b.memory(edited.id) == edited)
        #expect(try b.memoryIDs() == Set([early.id, plain.id, named.id, edited.id]))
        // Every file at the merged tip is a valid memory under its own id.
        for entry in try b.entries() { _ = try b.readMemory(blob: entry.blob, path: entry.path) }

        _ = try b.push(remote: "origin", credentials: noCredentials)
        _ = try a.pull(remote: "origin", credentials: noCredentials)
        #expect(try a.tip() == b.tip())
        try scratch.fsck(remote)
    }

    @Test func statsByAuthorCountsWhoAddedEachMemoryAcrossPools() throws {
        let scratch = try Scratch("authors")
        let remote = try scratch.bareRemote()
        let a = try Pool.create(at: scratch.at("a"))
        let b = try Pool.create(at: scratch.at("b"))
        for pool in [a, b] { try pool.repository.addRemote(name: "origin", url: remote) }
        let alice = Signature(name: "alice", email: "alice@example.com")
        let bob = Signature(name: "bob", email: "bob@example.com")
        let shared = insights("both", 1)
        _ = try a.add(insights("alice", 3) + shared, info: CommitInfo(summary: "alice", author: alice))
        _ = try b.add(insights("bob", 2), info: CommitInfo(summary: "bob", author: bob))
        _ = try b.add(shared, info: CommitInfo(summary: "bob again", author: bob))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        _ = try b.sync(remote: "origin", credentials: noCredentials)
        let stats = scratch.mnem(["--pool", scratch.at("b"), "stats", "--by", "author", "--json"])
        #expect(stats.status == 0, "\(stats.err)")
        let counts = try #require(try JSONParser.parse(stats.out)["author"])
        let byAlice = counts["alice <alice@example.com>"]?.intValue ?? 0
        let byBob = counts["bob <bob@example.com>"]?.intValue ?? 0
        // The memory both added counts once, for whichever of the two commits is older.
        #expect(byAlice + byBob == 6)
        #expect([3, 4].contains(byAlice))
        #expect(scratch.mnem(["--pool", scratch.at("b"), "stats", "--by", "colour"]).status == 64)
    }

    @Test(arguments: [
        ("/srv/pool.git", "/srv/pool.git"), ("relative/pool", "relative/pool"), ("file:///srv/pool.git", "/srv/pool.git"),
        ("git@github.com:team/pool.git", nil), ("ssh://git@host/pool.git", nil), ("https://host/pool.git", nil),
        ("git://127.0.0.1:9418/pool.git", nil),
    ] as [(String, String?)])
    func localRemotesAreRecognised(url: String, path: String?) {
        #expect(Repository.localPath(ofRemote: url) == path)
    }

    @Test func remoteCommandsManageTheConfiguration() throws {
        let scratch = try Scratch("remotes")
        #expect(scratch.mnem(["init", "p"]).status == 0)
        let pool = ["--pool", scratch.at("p")]
        #expect(scratch.mnem(pool + ["remote", "add", "team", "https://user:secret@example.com/pool.git"]).status == 0)
        #expect(scratch.mnem(pool + ["remote", "add", "team", "/elsewhere"]).status == 1)
        #expect(scratch.mnem(pool + ["remote", "add", "bad name", "/x"]).status == 1)
        let listed = scratch.mnem(pool + ["remote", "list", "--json"])
        #expect(listed.out.contains("https://example.com/pool.git"))
        #expect(!listed.out.contains("secret"))
        #expect(scratch.mnem(pool + ["pull", "nowhere"]).status == 1)
        #expect(scratch.mnem(pool + ["remote", "remove", "team"]).status == 0)
        #expect(scratch.mnem(pool + ["remote", "list"]).out.isEmpty)
        #expect(scratch.mnem(pool + ["remote", "frobnicate"]).status == 64)
        // An unreachable remote is one error line naming it, not a crash.
        #expect(scratch.mnem(pool + ["remote", "add", "gone", scratch.at("missing.git")]).status == 0)
        let failed = scratch.mnem(pool + ["pull", "gone"])
        #expect(failed.status == 1)
        #expect(failed.err.contains("gone"))
    }
}
