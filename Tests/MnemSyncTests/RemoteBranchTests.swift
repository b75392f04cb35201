import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// The small things of sharing a pool: pulling from a URL, the branch an empty remote's HEAD
/// names, and saying when there was nothing to push.
@Suite("Sync: remotes, their branches and what push says")
struct RemoteBranchTests {
    @Test func pullFromAURLWithoutAddingIt() throws {
        let scratch = try Scratch("pull-url")
        let remote = try scratch.bareRemote()
        let a = try Pool.create(at: scratch.at("a"))
        try a.repository.addRemote(name: "origin", url: remote)
        _ = try a.add(insights("shared", 3), info: CommitInfo(summary: "shared"))
        _ = try a.push(remote: "origin", credentials: noCredentials)
        #expect(scratch.mnem(["init", "b"]).status == 0)

        let daemon = try GitDaemon(basePath: scratch.path)
        defer { daemon.stop() }
        for url in [remote, "file://" + remote, "git://127.0.0.1:\(daemon.port)/remote.git", "./remote.git"] {
            let pulled = scratch.mnem(["--pool", scratch.at("b"), "pull", url, "--json"])
            #expect(pulled.status == 0, "\(url): \(pulled.err)")
        }
        let b = try Pool.open(at: scratch.at("b"))
        #expect(try b.memoryIDs().count == 3)
        #expect(try b.repository.remotes().isEmpty)
        #expect(try b.repository.referenceNames(prefix: "refs/remotes/").isEmpty)

        let unknown = scratch.mnem(["--pool", scratch.at("b"), "pull", "upstream"])
        #expect(unknown.status == 1)
        #expect(unknown.err.contains("mnem remote add upstream URL"), "\(unknown.err)")
    }

    /// A bare remote made with `git init --bare` where git's default branch is still `master`.
    @Test func theFirstPushGoesToTheBranchTheRemoteHeadNames() throws {
        let scratch = try Scratch("head-master")
        let remote = scratch.at("team.git")
        try scratch.git(["init", "-q", "--bare", "-b", "master", remote])
        let a = try Pool.create(at: scratch.at("a"))
        try a.repository.addRemote(name: "origin", url: remote)
        let memories = insights("first", 2)
        _ = try a.add(memories, info: CommitInfo(summary: "first"))
        let pushed = scratch.mnem(["--pool", scratch.at("a"), "push", "--json"])
        #expect(pushed.status == 0, "\(pushed.err)")
        #expect(try JSONParser.parse(pushed.out)["branch"]?.stringValue == "refs/heads/master")
        #expect(try scratch.git(["-C", remote, "for-each-ref", "--format=%(refname)"]) == "refs/heads/master")
        #expect(try a.repository.configValue("branch.main.merge") == "refs/heads/master")

        // A clone checks the memories out.
        try scratch.git(["clone", "-q", remote, scratch.at("clone")])
        for memory in memories { #expect(FileManager.default.fileExists(atPath: scratch.at("clone/" + memory.path))) }

        // A teammate starting from it tracks master too, and pushes there.
        #expect(scratch.mnem(["init", "b", "--from", remote]).status == 0)
        let b = try Pool.open(at: scratch.at("b"))
        #expect(try b.memoryIDs() == Set(memories.map(\.id)))
        _ = try b.add(insights("second", 1), info: CommitInfo(summary: "second"))
        #expect(scratch.mnem(["--pool", scratch.at("b"), "push"]).status == 0)
        #expect(try scratch.git(["-C", remote, "for-each-ref", "--format=%(refname)"]) == "refs/heads/master")
        let pulled = try a.pull(remote: "origin", credentials: noCredentials)
        #expect(pulled.remoteBranch == "refs/heads/master")
        #expect(try a.memoryIDs().count == 3)
    }

    /// Over git:// an empty remote does not say which branch its HEAD names (protocol v0, which
    /// libgit2 speaks): the push keeps the pool's branch name and says how to set HEAD.
    @Test func anEmptyRemoteOverTheNetworkGetsANoteAboutItsHead() throws {
        let scratch = try Scratch("head-network")
        let served = scratch.at("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try scratch.git(["init", "-q", "--bare", "-b", "master", served + "/team.git"])
        let daemon = try GitDaemon(basePath: served)
        defer { daemon.stop() }
        let a = try Pool.create(at: scratch.at("a"))
        try a.repository.addRemote(name: "origin", url: "git://127.0.0.1:\(daemon.port)/team.git")
        _ = try a.add(insights("net", 1), info: CommitInfo(summary: "net"))
        let pushed = try a.push(remote: "origin", credentials: noCredentials)
        #expect(pushed.remoteBranch == "refs/heads/main")
        #expect(pushed.notes.contains { $0.contains("git symbolic-ref HEAD refs/heads/main") }, "\(pushed.notes)")
        #expect(try scratch.git(["-C", served + "/team.git", "for-each-ref", "--format=%(refname)"]) == "refs/heads/main")
    }

    @Test func syncSaysWhenThereWasNothingToPush() throws {
        let scratch = try Scratch("nothing-to-push")
        let remote = try scratch.bareRemote()
        #expect(scratch.mnem(["init", "a"]).status == 0)
        #expect(scratch.mnem(["--pool", scratch.at("a"), "remote", "add", "origin", remote]).status == 0)
        _ = try Pool.open(at: scratch.at("a")).add(insights("one", 1), info: CommitInfo(summary: "one"))
        let first = scratch.mnem(["--pool", scratch.at("a"), "sync"])
        #expect(first.status == 0)
        #expect(first.out.contains("Pushed "), "\(first.out)")
        let again = scratch.mnem(["--pool", scratch.at("a"), "sync"])
        #expect(again.status == 0)
        #expect(again.out.contains("Nothing to push") && !again.out.contains("Pushed "), "\(again.out)")
        let json = scratch.mnem(["--pool", scratch.at("a"), "sync", "--json"])
        #expect(try JSONParser.parse(json.out)["push"]?["upToDate"]?.boolValue == true)
    }
}
