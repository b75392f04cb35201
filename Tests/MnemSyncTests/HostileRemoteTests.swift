import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// Remotes whose commits, made with git's own plumbing, hold what a pool must never accept.
@Suite("Sync: untrusted remote content")
struct HostileRemoteTests {
    enum Hostile: String, CaseIterable, Sendable {
        case symlink, outsideMemories, dotDot, hugeBlob, invalidJSON, schemaInvalid, idMismatch, executable, submodule

        var problem: InvalidEntry.Problem {
            switch self {
            case .symlink, .executable, .submodule: .mode
            case .outsideMemories, .dotDot: .path
            case .hugeBlob: .size
            case .invalidJSON: .json
            case .schemaInvalid: .schema
            case .idMismatch: .identity
            }
        }
    }

    /// A tree entry written byte for byte, so names git itself would refuse (`..`) can be made.
    struct RawFile {
        var path: [String]
        var mode: String
        var sha: String
    }

    /// Writes nested tree objects for `files` with `git hash-object -t tree --literally`.
    func writeTree(_ files: [RawFile], in repository: String, _ scratch: Scratch) throws -> String {
        var leaves: [(name: String, mode: String, sha: String)] = []
        var groups: [String: [RawFile]] = [:]
        for file in files {
            if file.path.count == 1 {
                leaves.append((file.path[0], file.mode, file.sha))
            } else {
                groups[file.path[0], default: []].append(RawFile(path: Array(file.path.dropFirst()), mode: file.mode, sha: file.sha))
            }
        }
        for (name, children) in groups { leaves.append((name, "40000", try writeTree(children, in: repository, scratch))) }
        // git's order: by name, with directories compared as if they ended in '/'.
        leaves.sort { ($0.mode == "40000" ? $0.name + "/" : $0.name).utf8.lexicographicallyPrecedes(($1.mode == "40000" ? $1.name + "/" : $1.name).utf8) }
        var data = Data()
        for leaf in leaves {
            data.append(contentsOf: Array("\(leaf.mode) \(leaf.name)".utf8) + [0])
            var bytes: [UInt8] = []
            var index = leaf.sha.startIndex
            while index < leaf.sha.endIndex {
                let next = leaf.sha.index(index, offsetBy: 2)
                bytes.append(UInt8(leaf.sha[index..<next], radix: 16) ?? 0)
                index = next
            }
            data.append(contentsOf: bytes)
        }
        return try scratch.git(["-C", repository, "hash-object", "-t", "tree", "--literally", "-w", "--stdin"], input: data)
    }

    func blob(_ bytes: Data, in repository: String, _ scratch: Scratch) throws -> String {
        try scratch.git(["-C", repository, "hash-object", "-w", "--stdin"], input: bytes)
    }

    /// The hostile files for one case, as paths below the tree's root.
    func files(for hostile: Hostile, remote: String, _ scratch: Scratch) throws -> [RawFile] {
        let memory = Memory(
            body: .workflow(Workflow(goal: "hostile \(hostile.rawValue)", steps: [WorkflowStep(category: "edit", action: "do it")])),
            task: "hostile \(hostile.rawValue)", domain: "swift")
        let valid = try blob(Data(memory.canonicalBytes()), in: remote, scratch)
        let memoryPath = memory.path.split(separator: "/").map(String.init)
        switch hostile {
        case .symlink:
            return [RawFile(path: memoryPath, mode: "120000", sha: try blob(Data("/etc/passwd".utf8), in: remote, scratch))]
        case .outsideMemories:
            return [RawFile(path: ["hooks", "post-merge"], mode: "100644", sha: valid)]
        case .dotDot:
            return [RawFile(path: ["..", "escaped.json"], mode: "100644", sha: valid)]
        case .hugeBlob:
            return [RawFile(path: memoryPath, mode: "100644", sha: try blob(Data(repeating: 0x20, count: 50 << 20), in: remote, scratch))]
        case .invalidJSON:
            return [RawFile(path: memoryPath, mode: "100644", sha: try blob(Data("{\"kind\": \"workflow\", ".utf8), in: remote, scratch))]
        case .schemaInvalid:
            guard case .object(var members) = memory.jsonObject() else { throw TestFailure("not an object") }
            members["exploit"] = .string("unknown field")
            return [RawFile(path: memoryPath, mode: "100644", sha: try blob(Data(CanonicalJSON.document(.object(members))), in: remote, scratch))]
        case .idMismatch:
            var other = memoryPath
            other[3] = String(repeating: "ab", count: 20) + ".json"
            other[2] = "ab"
            return [RawFile(path: other, mode: "100644", sha: valid)]
        case .executable:
            return [RawFile(path: memoryPath, mode: "100755", sha: valid)]
        case .submodule:
            return [RawFile(path: memoryPath, mode: "160000", sha: try scratch.git(["-C", remote, "rev-parse", "main"]))]
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

    /// Commits `extra` on top of the remote's main, keeping what is there.
    func commitHostile(_ extra: [RawFile], remote: String, _ scratch: Scratch) throws {
        let memoriesTree = try scratch.git(["-C", remote, "rev-parse", "main:memories/insight"])
        let tree = try writeTree([RawFile(path: ["memories", "insight"], mode: "40000", sha: memoriesTree)] + extra, in: remote, scratch)
        let commit = try scratch.git(["-C", remote, "commit-tree", tree, "-p", "main", "-m", "hostile"])
        try scratch.git(["-C", remote, "update-ref", "refs/heads/main", commit])
    }

    struct Snapshot: Equatable {
        var branch: ObjectID?
        var tree: ObjectID?
        var tracking: ObjectID?
        var references: [String]
        var list: String
        var workTree: [String: Data]
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
            references: try pool.repository.referenceNames(), list: scratch.mnem(["--pool", root, "list"]).out, workTree: files)
    }

    @Test(arguments: Hostile.allCases)
    func eachHostileEntryIsRejectedAndNothingChanges(hostile: Hostile) throws {
        let scratch = try Scratch("hostile-\(hostile.rawValue)")
        let (pool, remote) = try setUp(scratch)
        try commitHostile(try files(for: hostile, remote: remote, scratch), remote: remote, scratch)
        let before = try snapshot(pool, scratch)
        #expect(before.workTree.count == 3)

        let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.count == 1)
        #expect(error.invalid.first?.problem == hostile.problem, "\(error)")
        #expect(try snapshot(pool, scratch) == before)

        // The command line reports the entry and its reason on one line each, exit 1, nothing changed.
        let cli = scratch.mnem(["--pool", scratch.at("local"), "pull", "--json"])
        #expect(cli.status == 1)
        let report = try JSONParser.parse(cli.out)
        #expect(report["invalid"]?.intValue == 1)
        #expect(report["entries"]?.arrayValue?.first?["problem"]?.stringValue == hostile.problem.rawValue)
        #expect(cli.err.contains(error.invalid[0].path))
        #expect(try snapshot(pool, scratch) == before)
        // A fresh pool started from the hostile remote is refused and not left half-made.
        #expect(scratch.mnem(["init", "fresh", "--from", remote]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.at("fresh")))
        // A push cannot smuggle the remote's commits in through its pull-and-retry either.
        _ = try pool.add(insights("after", 1), info: CommitInfo(summary: "one more"))
        #expect(throws: PullRejectedError.self) { try pool.push(remote: "origin", credentials: noCredentials) }
    }

    @Test func oneCommitWithEveryHostileEntryNamesEachOne() throws {
        let scratch = try Scratch("hostile-all")
        let (pool, remote) = try setUp(scratch)
        var all: [RawFile] = []
        var seen = Set<String>()
        for hostile in Hostile.allCases {
            // Each case's memory differs, so no two cases share a path.
            for file in try files(for: hostile, remote: remote, scratch) where seen.insert(file.path.joined(separator: "/")).inserted {
                all.append(file)
            }
        }
        try commitHostile(all, remote: remote, scratch)
        let before = try snapshot(pool, scratch)
        let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.count == Hostile.allCases.count, "\(error)")
        #expect(Set(error.invalid.map(\.problem)) == Set(Hostile.allCases.map(\.problem)))
        #expect(try snapshot(pool, scratch) == before)
    }

    @Test func limitsCapCommitsAndEntries() throws {
        let scratch = try Scratch("limits")
        let (pool, remote) = try setUp(scratch)
        let other = try Pool.create(at: scratch.at("other"))
        try other.repository.addRemote(name: "origin", url: remote)
        _ = try other.pull(remote: "origin", credentials: noCredentials)
        for n in 0..<3 { _ = try other.add(insights("batch\(n)", 4), info: CommitInfo(summary: "batch \(n)")) }
        _ = try other.push(remote: "origin", credentials: noCredentials)
        // A local remote is refused before copying; over a network the walk after fetching refuses.
        #expect(throws: PoolError.self) {
            try pool.pull(remote: "origin", credentials: noCredentials, limits: SyncLimits(maxCommits: 2))
        }
        #expect(try pool.repository.referenceNames(prefix: "refs/mnem/").isEmpty)
        let entries = try #require(throws: PullRejectedError.self) {
            try pool.pull(remote: "origin", credentials: noCredentials, limits: SyncLimits(maxEntries: 5))
        }
        #expect(entries.invalid.map(\.problem) == [.tree])
        let fine = try pool.pull(remote: "origin", credentials: noCredentials)
        #expect(fine.added.count == 12)
    }
}
