import Foundation

/// Which `mnem` an agent's hook or MCP configuration runs.
///
/// A configuration outlives the shell that wrote it and is often committed (`--scope project`),
/// so it must name a `mnem` every teammate has: `mnem` itself when the one on PATH will do, the
/// installed prefix's path when mnem is installed off PATH, and never a build directory
/// (`…/.build/…/release/mnem` exists on one machine only).
public enum MnemExecutable {
    /// The program to write into configurations.
    ///
    /// - Parameters:
    ///   - requested: `--mnem PATH`: a bare name must be found on PATH and is written as given;
    ///     a path must be an executable file and is written absolute.
    ///   - current: the running executable.
    ///   - environment: `PATH` (and `HOME` for `~`).
    ///   - currentDirectory: for a relative `requested` path.
    /// - Throws: `IntegrationError` when `requested` does not resolve, or when no `--mnem` was
    ///   given, this mnem is a build and none is on PATH.
    public static func resolve(
        requested: String?, current: String, environment: [String: String], currentDirectory: String
    ) throws -> String {
        if let requested {
            if !requested.contains("/") {
                guard find(requested, environment: environment) != nil else {
                    throw IntegrationError("--mnem \(requested): no such program on PATH (give a path, or install mnem with 'make install')")
                }
                return requested
            }
            var path = requested
            if path.hasPrefix("~/") { path = (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst() }
            if !path.hasPrefix("/") { path = URL(fileURLWithPath: currentDirectory).appendingPathComponent(path).standardizedFileURL.path }
            guard isExecutableFile(path) else { throw IntegrationError("--mnem \(requested): \(path) is not an executable file") }
            return path
        }
        let onPath = find("mnem", environment: environment)
        if let onPath, sameFile(onPath, current) { return "mnem" }
        if !isBuild(current) { return current }
        guard onPath != nil else {
            throw IntegrationError(
                "this mnem is a build (\(current)), which other machines do not have; install it ('make install') or name the one to run with --mnem PATH")
        }
        // A build installing its configuration: the mnem on PATH is the one every run will find.
        return "mnem"
    }

    /// Whether `path` is inside a SwiftPM build directory.
    public static func isBuild(_ path: String) -> Bool {
        path.split(separator: "/").contains(".build")
    }

    /// Where a command's program resolves: a path as is (if executable), a bare name on PATH; nil when nowhere.
    public static func locate(_ program: String, environment: [String: String], currentDirectory: String) -> String? {
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : URL(fileURLWithPath: currentDirectory).appendingPathComponent(program).path
            return isExecutableFile(path) ? path : nil
        }
        return find(program, environment: environment)
    }

    static func find(_ name: String, environment: [String: String]) -> String? {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).resolvingSymlinksInPath().path == URL(fileURLWithPath: b).resolvingSymlinksInPath().path
    }
}
