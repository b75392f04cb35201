import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// Every new commit a pull brings is checked, not only the tip, over a path and over git://.
@Suite("Sync: the whole new history is checked")
struct HistoryCheckTests {
    enum Transport: String, CaseIterable, Sendable { case path, gitDaemon }

    /// A served bare remote with three honest memories and a pool that pulled them.
    struct Setup {
        let scratch: Scratch
        let remote: String
        let url: String
        let pool: Pool
        let daemon: GitDaemon?
    }

    func setUp(_ label: String, _ transport: Transport) throws -> Setup {
        let scratch = try Scratch(label)
        let served = scratch.at("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        let remote = served + "/pool.git"
        try scratch.git(["init", "-q", "--bare", "-b", "main", remote])
        let seed = try Pool.create(at: scratch.at("seed"))
        try seed.repository.addRemote(name: "origin", url: remote)
        _ = try seed.add(insights("honest", 3), info: CommitInfo(summary: "honest"))
        _ = try seed.push(remote: "origin", credentials: noCredentials)
        var daemon: GitDaemon?
        var url = remote
        if transport == .gitDaemon {
            daemon = try GitDaemon(basePath: served)
            url = "git://127.0.0.1:\(daemon?.port ?? 0)/pool.git"
        }
        #expect(scratch.mnem(["init", "local", "--from", url]).status == 0)
        return Setup(scratch: scratch, remote: remote, url: url, pool: try Pool.open(at: scratch.at("local")), daemon: daemon)
    }

    /// The history: a `.git` folder with an fsmonitor config, a symbolic link memory to
    /// /etc/shadow and a file of keys, all removed again by the next commit.
    @Test(arguments: Transport.allCases)
    func hostileEntriesRemovedByALaterCommitAreStillRefused(transport: Transport) throws {
        let s = try setUp("history-\(transport.rawValue)", transport)
        defer { s.daemon?.stop() }
        let honest = try s.scratch.files(of: "main", in: s.remote)
        let link = Memory(body: .insight(Insight(title: "link", description: "A link.", content: "Points away.")), task: "link", domain: "swift")
        let hostile =
            honest + [
                RawFile(path: [".git", "config"], mode: "100644", sha: try s.scratch.blob(HostileRemoteTests.fsmonitor, in: s.remote)),
                RawFile(path: link.path.split(separator: "/").map(String.init), mode: "120000", sha: try s.scratch.blob(Data("/etc/shadow".utf8), in: s.remote)),
                RawFile(path: ["leak.env"], mode: "100644", sha: try s.scratch.blob(Data("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n".utf8), in: s.remote)),
            ]
        let bad = try s.scratch.commit(hostile, parent: try s.scratch.git(["-C", s.remote, "rev-parse", "main"]), in: s.remote)
        let clean = try s.scratch.commit(honest + [try memoryFile(insights("later", 1)[0], in: s.remote, s.scratch)], parent: bad, message: "tidy up", in: s.remote)
        let objectsBefore = try s.scratch.objectCount(s.scratch.at("local"))
        let tipBefore = try s.pool.tip()

        let error = try #require(throws: PullRejectedError.self) { try s.pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.remoteTip.hex == clean)
        #expect(Set(error.invalid.map(\.path)) == [".git", link.path], "\(error)")
        #expect(error.invalid.allSatisfy { $0.commit?.hex == bad })
        #expect(try s.pool.tip() == tipBefore)
        // Nothing the fetch brought stayed behind: no object, no quarantine, no reference.
        #expect(try s.scratch.objectCount(s.scratch.at("local")) == objectsBefore)
        #expect(s.scratch.quarantineLeftovers(s.scratch.at("local")).isEmpty)
        #expect(try s.pool.repository.referenceNames(prefix: "refs/mnem/").isEmpty)
        try s.scratch.fsck(s.scratch.at("local"))
        #expect(throws: (any Error).self) { try s.scratch.git(["-C", s.scratch.at("local"), "cat-file", "-e", bad]) }
    }

    /// A blob over the limit that a later commit removes never enters the pool's history.
    @Test(arguments: Transport.allCases)
    func anOversizeBlobRemovedLaterNeverEntersThePool(transport: Transport) throws {
        let s = try setUp("removed-blob-\(transport.rawValue)", transport)
        defer { s.daemon?.stop() }
        let honest = try s.scratch.files(of: "main", in: s.remote)
        let big = try s.scratch.blob(Data(repeating: 0x41, count: 3 << 20), in: s.remote)
        let bad = try s.scratch.commit(honest + [RawFile(path: ["assets", "big.bin"], mode: "100644", sha: big)], parent: "main", in: s.remote)
        try s.scratch.commit(honest, parent: bad, message: "remove it", in: s.remote)

        let error = try #require(throws: PullRejectedError.self) { try s.pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.first?.problem == .size, "\(error)")
        #expect(throws: (any Error).self) { try s.scratch.git(["-C", s.scratch.at("local"), "cat-file", "-e", big]) }
        try s.scratch.fsck(s.scratch.at("local"))
        #expect(s.scratch.quarantineLeftovers(s.scratch.at("local")).isEmpty)
    }

    /// Commits `git fsck --strict` refuses, and an oversized message, anywhere in the new history.
    @Test(arguments: ["message", "timezone", "email", "twoAuthors"])
    func malformedCommitsAreRefused(kind: String) throws {
        let s = try setUp("commit-\(kind)", .path)
        let parent = try s.scratch.git(["-C", s.remote, "rev-parse", "main"])
        let tree = try s.scratch.git(["-C", s.remote, "rev-parse", "main^{tree}"])
        var header = "tree \(tree)\nparent \(parent)\n"
        var message = "hostile\n"
        switch kind {
        case "message":
            header += "author A <a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n"
            message = String(repeating: "x", count: 100_000) + "\n"
        case "timezone": header += "author A <a@x> 1700000000 +00\ncommitter A <a@x> 1700000000 +0000\n"
        case "email": header += "author A a@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n"
        default: header += "author A <a@x> 1700000000 +0000\nauthor B <b@x> 1700000000 +0000\ncommitter A <a@x> 1700000000 +0000\n"
        }
        let bad = try s.scratch.git(["-C", s.remote, "hash-object", "-t", "commit", "--literally", "-w", "--stdin"], input: Data((header + "\n" + message).utf8))
        // A good commit on top: the bad one is history, not the tip.
        let top = try s.scratch.commit(try s.scratch.files(of: "main", in: s.remote), parent: bad, message: "fine", in: s.remote)
        let error = try #require(throws: PullRejectedError.self) { try s.pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.first?.commit?.hex == bad, "\(error)")
        #expect(error.invalid.first?.problem == (kind == "message" ? .size : .history))
        #expect(error.remoteTip.hex == top)
        try s.scratch.fsck(s.scratch.at("local"))
    }

    /// A hand edit a later commit repaired is history, not something to merge: the pull takes it.
    @Test func aRepairedHandEditInHistoryIsAccepted() throws {
        let s = try setUp("repaired", .path)
        let honest = try s.scratch.files(of: "main", in: s.remote)
        var edited = honest
        edited[0].sha = try s.scratch.blob(Data("{\"edited\": \"by hand\"}\n".utf8), in: s.remote)
        let broken = try s.scratch.commit(edited, parent: "main", message: "hand edit", in: s.remote)
        try s.scratch.commit(honest + [try memoryFile(insights("fixed", 1)[0], in: s.remote, s.scratch)], parent: broken, message: "repair", in: s.remote)
        let pulled = try s.pool.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.mode == .fastForward)
        #expect(pulled.added.count == 1)
        #expect(pulled.checkedCommits == 2)
        try s.scratch.fsck(s.scratch.at("local"))
    }

    /// A remote may hold other files: they are kept (a later push does not delete them) and never parsed.
    @Test(arguments: Transport.allCases)
    func otherFilesAtTheRemoteAreKeptAndIgnored(transport: Transport) throws {
        let s = try setUp("other-files-\(transport.rawValue)", transport)
        defer { s.daemon?.stop() }
        let others: [RawFile] = [
            RawFile(path: ["README.md"], mode: "100644", sha: try s.scratch.blob(Data("# Our team's memories\n".utf8), in: s.remote)),
            RawFile(path: ["LICENSE"], mode: "100644", sha: try s.scratch.blob(Data("CC0\n".utf8), in: s.remote)),
            RawFile(path: [".gitattributes"], mode: "100644", sha: try s.scratch.blob(Data("*.json text eol=lf\n".utf8), in: s.remote)),
            RawFile(path: [".github", "workflows", "ci.yml"], mode: "100644", sha: try s.scratch.blob(Data("on: push\njobs: {}\n".utf8), in: s.remote)),
            RawFile(path: ["scripts", "check.sh"], mode: "100755", sha: try s.scratch.blob(Data("#!/bin/sh\nexit 0\n".utf8), in: s.remote)),
        ]
        try s.scratch.commit(try s.scratch.files(of: "main", in: s.remote) + others, parent: "main", message: "docs", in: s.remote)
        _ = try s.pool.add(insights("mine", 2), info: CommitInfo(summary: "mine"))
        let pulled = try s.pool.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.mode == .merged)
        #expect(try s.pool.memoryIDs().count == 5)
        let tree = try #require(try s.pool.tipTree())
        for file in others { #expect(try s.pool.repository.treeEntry(atPath: file.path.joined(separator: "/"), in: tree) != nil) }
        for command in [["list"], ["stats"], ["push"], ["sync"]] {
            let run = s.scratch.mnem(["--pool", s.scratch.at("local")] + command)
            #expect(run.status == 0, "\(command): \(run.err)")
        }
        #expect(try s.scratch.git(["-C", s.remote, "cat-file", "-p", "main:README.md"]) == "# Our team's memories")
        try s.scratch.fsck(s.remote)
    }
}
