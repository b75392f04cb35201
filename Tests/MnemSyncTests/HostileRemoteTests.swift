import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// Remotes whose commits, made with git's own plumbing, hold what a pool must never accept.
@Suite("Sync: untrusted remote content")
struct HostileRemoteTests {
    enum Hostile: String, CaseIterable, Sendable {
        // What is hostile wherever it is, in any commit.
        case symlink, symlinkOutsideMemories, dotDot, hugeBlob, submodule
        case dotGit, dotGitUpper, dotGitTrailingDot, dotGitNTFSStream, gitShortName, dotGitHFS, gitmodules, gitmodulesShortName
        case badMode, zeroPaddedMode, duplicateEntries, unsortedEntries
        // What is not a valid memory where a memory belongs, in what the pull would merge.
        case invalidJSON, schemaInvalid, idMismatch, executable, notAMemoryPath

        var problem: InvalidEntry.Problem {
            switch self {
            case .symlink, .symlinkOutsideMemories, .executable, .submodule, .badMode, .zeroPaddedMode: .mode
            case .dotDot, .dotGit, .dotGitUpper, .dotGitTrailingDot, .dotGitNTFSStream, .gitShortName, .dotGitHFS, .gitmodules,
                .gitmodulesShortName, .duplicateEntries, .unsortedEntries, .notAMemoryPath:
                .path
            case .hugeBlob: .size
            case .invalidJSON: .json
            case .schemaInvalid: .schema
            case .idMismatch: .identity
            }
        }

        /// Refused in any commit of the new history, even one a later commit repairs.
        var anywhereInHistory: Bool {
            switch self {
            case .invalidJSON, .schemaInvalid, .idMismatch, .executable, .notAMemoryPath: false
            default: true
            }
        }
    }

    static let fsmonitor = Data("[core]\n\tfsmonitor = \"touch /tmp/mnem-pwned\"\n".utf8)

    /// The hostile files for one case, as paths below the tree's root.
    func files(for hostile: Hostile, remote: String, _ scratch: Scratch) throws -> [RawFile] {
        let memory = Memory(
            body: .workflow(Workflow(goal: "hostile \(hostile.rawValue)", steps: [WorkflowStep(category: "edit", action: "do it")])),
            task: "hostile \(hostile.rawValue)", domain: "swift")
        let valid = try scratch.blob(Data(memory.canonicalBytes()), in: remote)
        let config = try scratch.blob(Self.fsmonitor, in: remote)
        let memoryPath = memory.path.split(separator: "/").map(String.init)
        switch hostile {
        case .symlink:
            return [RawFile(path: memoryPath, mode: "120000", sha: try scratch.blob(Data("/etc/shadow".utf8), in: remote))]
        case .symlinkOutsideMemories:
            return [RawFile(path: ["docs", "passwd"], mode: "120000", sha: try scratch.blob(Data("/etc/passwd".utf8), in: remote))]
        case .dotDot:
            return [RawFile(path: ["..", "escaped.json"], mode: "100644", sha: valid)]
        case .hugeBlob:
            return [RawFile(path: memoryPath, mode: "100644", sha: try scratch.blob(Data(repeating: 0x20, count: 3 << 20), in: remote))]
        case .submodule:
            return [RawFile(path: ["vendor", "lib"], mode: "160000", sha: try scratch.git(["-C", remote, "rev-parse", "main"]))]
        case .dotGit: return [RawFile(path: [".git", "config"], mode: "100644", sha: config)]
        case .dotGitUpper: return [RawFile(path: [".GIT", "config"], mode: "100644", sha: config)]
        case .dotGitTrailingDot: return [RawFile(path: [".git. .", "config"], mode: "100644", sha: config)]
        case .dotGitNTFSStream: return [RawFile(path: [".git::$INDEX_ALLOCATION", "config"], mode: "100644", sha: config)]
        case .gitShortName: return [RawFile(path: ["GIT~1", "config"], mode: "100644", sha: config)]
        case .dotGitHFS: return [RawFile(path: [".g\u{200C}it", "config"], mode: "100644", sha: config)]
        case .gitmodules:
            return [RawFile(path: [".gitmodules"], mode: "100644", sha: try scratch.blob(Data("[submodule \"x\"]\n\tpath = x\n\turl = --upload-pack=touch\n".utf8), in: remote))]
        case .gitmodulesShortName: return [RawFile(path: ["GITMOD~1"], mode: "100644", sha: config)]
        case .badMode: return [RawFile(path: ["docs", "notes.txt"], mode: "100664", sha: config)]
        case .zeroPaddedMode: return [RawFile(path: ["docs", "notes.txt"], mode: "0100644", sha: config)]
        case .duplicateEntries:
            return [RawFile(path: ["docs", "a.txt"], mode: "100644", sha: config), RawFile(path: ["docs", "a.txt"], mode: "100644", sha: valid)]
        case .unsortedEntries:
            // Written as given: "b" before "a".
            return [RawFile(path: ["docs", "b.txt"], mode: "100644", sha: config), RawFile(path: ["docs", "a.txt"], mode: "100644", sha: valid)]
        case .invalidJSON:
            return [RawFile(path: memoryPath, mode: "100644", sha: try scratch.blob(Data("{\"kind\": \"workflow\", ".utf8), in: remote))]
        case .schemaInvalid:
            guard case .object(var members) = memory.jsonObject() else { throw TestFailure("not an object") }
            members["exploit"] = .string("unknown field")
            return [RawFile(path: memoryPath, mode: "100644", sha: try scratch.blob(Data(CanonicalJSON.document(.object(members))), in: remote))]
        case .idMismatch:
            var other = memoryPath
            other[3] = String(repeating: "ab", count: 20) + ".json"
            other[2] = "ab"
            return [RawFile(path: other, mode: "100644", sha: valid)]
        case .executable:
            return [RawFile(path: memoryPath, mode: "100755", sha: valid)]
        case .notAMemoryPath:
            return [RawFile(path: ["memories", "notes.txt"], mode: "100644", sha: config)]
        }
    }

    /// A pool with a work tree, three memories, pushed to a bare remote.
    func setUp(_ scratch: Scratch) throws -> (pool: Pool, remote: String) {
        let remote = try scratch.bareRemote()
        let pool = try Pool.create(at: scratch.at("local"), workTree: true)
        try pool.repository.addRemote(name: "origin", url: remote)
        _ = try pool.add(insights("honest", 3), info: CommitInfo(summary: "honest"))
        _ = try pool.push(remote: "origin", credentials: noCredentials)
        return (pool, remote)
    }

    /// Commits `extra` on top of the remote's main, keeping what is there; the unsorted case is
    /// written in the order given.
    @discardableResult
    func commitHostile(_ extra: [RawFile], remote: String, _ scratch: Scratch, sorted: Bool = true) throws -> String {
        let memoriesTree = try scratch.git(["-C", remote, "rev-parse", "main:memories/insight"])
        let files = [RawFile(path: ["memories", "insight"], mode: "40000", sha: memoriesTree)] + extra
        let tree = try scratch.writeTree(files, in: remote, sorted: sorted)
        let commit = try scratch.git(["-C", remote, "commit-tree", tree, "-p", "main", "-m", "hostile"])
        try scratch.git(["-C", remote, "update-ref", "refs/heads/main", commit])
        return commit
    }

    struct Snapshot: Equatable {
        var branch: ObjectID?
        var tree: ObjectID?
        var tracking: ObjectID?
        var references: [String]
        var list: String
        var workTree: [String: Data]
        var objects: Int
    }

    func snapshot(_ pool: Pool, _ scratch: Scratch) throws -> Snapshot {
        var files: [String: Data] = [:]
        let root = scratch.at("local")
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            if relative == ".git" || relative.hasPrefix(".git/") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = FileManager.default.contents(atPath: root + "/" + relative)
            }
        }
        return Snapshot(
            branch: try pool.tip(), tree: try pool.tipTree(), tracking: try pool.repository.resolveReference("refs/remotes/origin/main"),
            references: try pool.repository.referenceNames(), list: scratch.mnem(["--pool", root, "list"]).out, workTree: files,
            objects: try scratch.objectCount(root))
    }

    @Test(arguments: Hostile.allCases)
    func eachHostileEntryIsRejectedAndNothingChanges(hostile: Hostile) throws {
        let scratch = try Scratch("hostile-\(hostile.rawValue)")
        let (pool, remote) = try setUp(scratch)
        let hostileCommit = try commitHostile(
            try files(for: hostile, remote: remote, scratch), remote: remote, scratch, sorted: hostile != .unsortedEntries)
        if hostile.anywhereInHistory {
            // Repaired by the next commit: still refused, for what the history would carry.
            try scratch.commit(try scratch.files(of: "\(hostileCommit)^", in: remote), parent: hostileCommit, message: "clean up", in: remote)
        }
        let before = try snapshot(pool, scratch)
        #expect(before.workTree.count == 3)

        let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.count >= 1)
        #expect(error.invalid.first?.problem == hostile.problem, "\(error)")
        #expect(error.invalid.first?.commit?.hex == hostileCommit, "\(error)")
        #expect(try snapshot(pool, scratch) == before)
        // Nothing the pull brought stayed: the pool's objects are the same, and git's strictest check passes.
        try scratch.fsck(scratch.at("local"))
        #expect(scratch.quarantineLeftovers(scratch.at("local/.git")).isEmpty)

        // The command line reports the entry, its reason and commit, exit 1, nothing changed.
        let cli = scratch.mnem(["--pool", scratch.at("local"), "pull", "--json"])
        #expect(cli.status == 1)
        let report = try JSONParser.parse(cli.out)
        #expect(report["entries"]?.arrayValue?.first?["problem"]?.stringValue == hostile.problem.rawValue)
        #expect(cli.err.contains(hostileCommit.prefix(12)))
        #expect(try snapshot(pool, scratch) == before)
        // The other doors run the same pull; a few kinds stand for all (the suite stays quick).
        guard [.symlink, .dotGit, .hugeBlob, .invalidJSON, .unsortedEntries].contains(hostile) else { return }
        // A fresh pool started from the hostile remote is refused and not left half-made.
        #expect(scratch.mnem(["init", "fresh", "--from", remote]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.at("fresh")))
        // A push cannot smuggle the remote's commits in through its pull-and-retry either.
        _ = try pool.add(insights("after", 1), info: CommitInfo(summary: "one more"))
        #expect(throws: PullRejectedError.self) { try pool.push(remote: "origin", credentials: noCredentials) }
        try scratch.fsck(scratch.at("local"))
    }

    @Test func oneCommitWithEveryHostileEntryNamesEachOne() throws {
        let scratch = try Scratch("hostile-all")
        let (pool, remote) = try setUp(scratch)
        for anywhere in [true, false] {
            let cases = Hostile.allCases.filter { $0.anywhereInHistory == anywhere && $0 != .unsortedEntries && $0 != .duplicateEntries }
            var all: [RawFile] = []
            var seen = Set<String>()
            for hostile in cases {
                // Each case's memory differs, so no two cases share a path (the docs/ ones are told apart).
                for var file in try files(for: hostile, remote: remote, scratch) {
                    if file.path.first == "docs" { file.path[0] = "docs-\(hostile.rawValue)" }
                    if seen.insert(file.path.joined(separator: "/")).inserted { all.append(file) }
                }
            }
            try scratch.git(["-C", remote, "update-ref", "refs/heads/main", try pool.tip()?.hex ?? ""])
            try commitHostile(all, remote: remote, scratch)
            let before = try snapshot(pool, scratch)
            let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
            #expect(error.invalid.count == cases.count, "\(error)")
            #expect(Set(error.invalid.map(\.problem)) == Set(cases.map(\.problem)))
            #expect(try snapshot(pool, scratch) == before)
            try scratch.fsck(scratch.at("local"))
        }
    }

    @Test func limitsCapCommitsAndEntries() throws {
        let scratch = try Scratch("limits")
        let (pool, remote) = try setUp(scratch)
        let other = try Pool.create(at: scratch.at("other"))
        try other.repository.addRemote(name: "origin", url: remote)
        _ = try other.pull(remote: "origin", credentials: noCredentials)
        for n in 0..<3 { _ = try other.add(insights("batch\(n)", 4), info: CommitInfo(summary: "batch \(n)")) }
        _ = try other.push(remote: "origin", credentials: noCredentials)
        // Refused before anything is copied, for the number of commits or of changed entries.
        let commits = try #require(throws: PullRejectedError.self) {
            try pool.pull(remote: "origin", credentials: noCredentials, limits: SyncLimits(maxCommits: 2))
        }
        #expect(commits.invalid.map(\.problem) == [.history])
        let entries = try #require(throws: PullRejectedError.self) {
            try pool.pull(remote: "origin", credentials: noCredentials, limits: SyncLimits(maxEntries: 5))
        }
        #expect(entries.invalid.map(\.problem) == [.tree])
        #expect(scratch.quarantineLeftovers(scratch.at("local/.git")).isEmpty)
        let fine = try pool.pull(remote: "origin", credentials: noCredentials)
        #expect(fine.added.count == 12)
        #expect(fine.checkedCommits == 3)
    }
}
