import Foundation
import MnemCLI
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

/// A temporary directory for one test, removed when the test ends.
final class Scratch {
    let path: String

    init(_ label: String = "sync") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-\(label)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func at(_ name: String) -> String { path + "/" + name }

    /// An environment with no ssh keys, tokens or credential helper to find, and a fixed author.
    var environment: [String: String] {
        [
            "HOME": path, "MNEM_NO_CREDENTIAL_HELPER": "1", "MNEM_AUTHOR_NAME": "tester",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
    }

    /// Runs `mnem` in-process; returns the exit code and the captured output.
    @discardableResult
    func mnem(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        let console = Console.captured(environment: environment, currentDirectory: path)
        let status = MnemCLI.run(arguments, console: console)
        return (status, console.stdout, console.stderr)
    }

    /// Runs real `git` and returns its standard output; throws on a non-zero exit.
    @discardableResult
    func git(_ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:]) throws -> String {
        let result = try run("/usr/bin/env", ["git"] + arguments, input: input, environment: extra)
        guard result.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(result.err)") }
        return result.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func run(_ executable: String, _ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let environment = environment.merging(
            ["GIT_AUTHOR_NAME": "hostile", "GIT_AUTHOR_EMAIL": "h@x", "GIT_COMMITTER_NAME": "hostile", "GIT_COMMITTER_EMAIL": "h@x"]
        ) { $1 }.merging(extra) { $1 }
        let result = try Shell.run(executable, arguments, stdin: input, environment: environment, currentDirectory: path)
        return (result.status, result.stdout, result.stderr)
    }

    /// A bare git repository with `main` as its default branch, standing in for a team remote.
    func bareRemote(_ name: String = "remote.git") throws -> String {
        try git(["init", "-q", "--bare", "-b", "main", at(name)])
        return at(name)
    }

    func fsck(_ repository: String) throws {
        try git(["-C", repository, "fsck", "--strict", "--no-dangling"])
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Insight memories with distinct content, `count` of them, labelled so sets never overlap by accident.
func insights(_ label: String, _ count: Int, agent: String = "test-agent", capturedAt: String? = nil) -> [Memory] {
    (0..<count).map { n in
        Memory(
            body: .insight(Insight(title: "\(label) insight \(n)", description: "What \(label) learned, number \(n).", content: "Check before \(n) edits.")),
            task: "\(label) task \(n)", domain: "swift", outcome: .success,
            source: MemorySource(agent: agent, model: "test-model", sessionId: "\(label)-\(n)", capturedAt: capturedAt))
    }
}

extension Pool {
    func memoryIDs() throws -> Set<MemoryID> { Set(try entries().map(\.id)) }
}

let noCredentials = RemoteCredentials()

/// A tree entry written byte for byte, so names and modes git itself would refuse can be made.
struct RawFile {
    var path: [String]
    var mode: String
    var sha: String
}

/// Objects built with git's plumbing (`hash-object --literally`, `commit-tree`, `update-ref`):
/// the hostile histories porcelain refuses to make.
extension Scratch {
    /// Writes nested tree objects for `files`; entries keep the order git would give them unless
    /// `sorted` is false.
    func writeTree(_ files: [RawFile], in repository: String, sorted: Bool = true) throws -> String {
        var leaves: [(name: String, mode: String, sha: String)] = []
        var groups: [String: [RawFile]] = [:]
        var groupOrder: [String] = []
        for file in files {
            if file.path.count == 1 {
                leaves.append((file.path[0], file.mode, file.sha))
            } else {
                if groups[file.path[0]] == nil { groupOrder.append(file.path[0]) }
                groups[file.path[0], default: []].append(RawFile(path: Array(file.path.dropFirst()), mode: file.mode, sha: file.sha))
            }
        }
        for name in groupOrder { leaves.append((name, "40000", try writeTree(groups[name] ?? [], in: repository, sorted: sorted))) }
        // git's order: by name, with directories compared as if they ended in '/'.
        if sorted {
            leaves.sort { ($0.mode.hasSuffix("40000") ? $0.name + "/" : $0.name).utf8.lexicographicallyPrecedes(($1.mode.hasSuffix("40000") ? $1.name + "/" : $1.name).utf8) }
        }
        var data = Data()
        for leaf in leaves {
            data.append(contentsOf: Array("\(leaf.mode) \(leaf.name)".utf8) + [0])
            var index = leaf.sha.startIndex
            while index < leaf.sha.endIndex {
                let next = leaf.sha.index(index, offsetBy: 2)
                data.append(UInt8(leaf.sha[index..<next], radix: 16) ?? 0)
                index = next
            }
        }
        return try git(["-C", repository, "hash-object", "-t", "tree", "--literally", "-w", "--stdin"], input: data)
    }

    func blob(_ bytes: Data, in repository: String) throws -> String {
        try git(["-C", repository, "hash-object", "-w", "--stdin"], input: bytes)
    }

    /// The files of `commit`'s tree, as raw entries to build on.
    func files(of commit: String, in repository: String) throws -> [RawFile] {
        try git(["-C", repository, "ls-tree", "-r", commit]).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            let fields = parts[0].split(separator: " ")
            return RawFile(path: String(parts[1]).split(separator: "/").map(String.init), mode: String(fields[0]), sha: String(fields[2]))
        }
    }

    /// Commits `files` on top of `parent` with `git commit-tree` and moves `branch` there.
    @discardableResult
    func commit(_ files: [RawFile], parent: String?, message: String = "hostile", in repository: String, branch: String = "refs/heads/main") throws -> String {
        let tree = try writeTree(files, in: repository)
        let commit = try git(["-C", repository, "commit-tree", tree] + (parent.map { ["-p", $0] } ?? []) + ["-m", message])
        try git(["-C", repository, "update-ref", branch, commit])
        return commit
    }

    /// How many objects a repository holds, loose and packed.
    func objectCount(_ repository: String) throws -> Int {
        var total = 0
        for line in try git(["-C", repository, "count-objects", "-v"]).split(separator: "\n") {
            let parts = line.split(separator: ":")
            if parts.count == 2, parts[0] == "count" || parts[0] == "in-pack" { total += Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0 }
        }
        return total
    }

    /// Files left under the pool's quarantine directory (none once a pull has ended).
    func quarantineLeftovers(_ gitDirectory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: gitDirectory + "/mnem-quarantine")) ?? []
    }
}

/// A valid memory file's blob and path, written into `repository`.
func memoryFile(_ memory: Memory, in repository: String, _ scratch: Scratch, mode: String = "100644") throws -> RawFile {
    RawFile(path: memory.path.split(separator: "/").map(String.init), mode: mode, sha: try scratch.blob(Data(memory.canonicalBytes()), in: repository))
}

/// A child process's exit status, peak resident memory and standard error.
struct MeasuredRun {
    var status: Int32
    /// The child's own `ru_maxrss`, in bytes.
    var maxResidentBytes: Int
    var stderr: String
}

extension Scratch {
    /// Runs the built `mnem` as a child process and reads its peak resident memory.
    ///
    /// Linux carries the high-water mark of the memory a process was started from into the
    /// child (`exec` records the old address space's peak), so a child spawned straight from
    /// this test process, which may itself be large, would report at least this process's
    /// peak. A small python3 process in between starts `mnem` and reads its
    /// `RUSAGE_CHILDREN` peak, which is then `mnem`'s own (or python's few MB, if larger).
    func measuredMnem(_ arguments: [String], environment extra: [String: String] = [:]) throws -> MeasuredRun {
        guard let binary = Locations.mnemBinary else { throw TestFailure("the mnem binary is not built beside the tests") }
        let script = """
            import resource, subprocess, sys
            run = subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.exit(run.returncode)
            """
        let result = try run("/usr/bin/env", ["python3", "-c", script, binary] + arguments, environment: extra)
        guard let kilobytes = Int(result.out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("python3 did not report the peak (python3 is a test dependency): \(result.err)")
        }
        return MeasuredRun(status: result.status, maxResidentBytes: kilobytes * 1024, stderr: result.err)
    }
}

/// Runs `count` bodies on threads of their own, all at once (`concurrentPerform` would run them
/// on as many threads as there are cores), and waits for them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for worker in 0..<count {
        group.enter()
        let thread = Thread {
            body(worker)
            group.leave()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
    group.wait()
}
