import Foundation

/// A directory under the system's temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init; nothing else is stored.
    public let path: String

    public init(_ label: String = "test") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-\(label)-\(UUID().uuidString.prefix(12))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }
}

/// The result of a child process.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs real programs (git, the built mnem, python3) for tests.
public enum Shell {
    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
        currentDirectory: String? = nil
    ) throws -> ProcessOutput {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        var env = environment ?? ProcessInfo.processInfo.environment
        // Tests must not depend on the developer's git identity or configuration.
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        if env["MNEM_AUTHOR_NAME"] == nil { env["MNEM_AUTHOR_NAME"] = "mnem tests" }
        if env["MNEM_AUTHOR_EMAIL"] == nil { env["MNEM_AUTHOR_EMAIL"] = "tests@mnem.invalid" }
        env["GIT_AUTHOR_NAME"] = env["GIT_AUTHOR_NAME"] ?? "mnem tests"
        env["GIT_AUTHOR_EMAIL"] = env["GIT_AUTHOR_EMAIL"] ?? "tests@mnem.invalid"
        env["GIT_COMMITTER_NAME"] = env["GIT_COMMITTER_NAME"] ?? "mnem tests"
        env["GIT_COMMITTER_EMAIL"] = env["GIT_COMMITTER_EMAIL"] ?? "tests@mnem.invalid"
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let input = Pipe()
        let output = Pipe()
        let error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = error.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return ProcessOutput(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `git` with arguments; throws with git's message when it fails.
    @discardableResult
    public static func git(_ arguments: [String], in directory: String? = nil, stdin: Data? = nil) throws -> String {
        let result = try run("git", (directory.map { ["-C", $0] } ?? []) + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestFailure("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the package and its neighbours are.
public enum Locations {
    /// The package root, found from this source file's location.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `../shared/corpus` beside the package, if present.
    public static var corpus: String? {
        let path = URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The `mnem` binary built beside the test bundle.
    public static var mnemBinary: String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["MNEM_BIN"] { candidates.append(env) }
        let main = Bundle.main.bundleURL
        candidates.append(main.appendingPathComponent("mnem").path)
        candidates.append(main.deletingLastPathComponent().appendingPathComponent("mnem").path)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("mnem").path)
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
