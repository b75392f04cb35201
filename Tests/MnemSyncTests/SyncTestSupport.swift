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
