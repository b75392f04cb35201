import Foundation
import MnemGit

/// git's `post-commit` (and optionally `pre-commit`) hooks running `mnem hook git EVENT`.
///
/// A hook the user already has is never overwritten: it is renamed to `<hook>.mnem-chained` and
/// mnem's script runs it first, passing on its arguments and exit status (which matters for
/// `pre-commit`). mnem's own part always succeeds and is silent, so it can never block a commit.
/// Uninstalling removes mnem's script and puts the chained hook back under its own name.
public enum GitHooks {
    /// The line that marks a script as mnem's.
    public static let marker = "# mnem-hook: installed by 'mnem hooks install git'"
    public static let chainedSuffix = ".mnem-chained"

    /// The hooks directory of the repository containing `directory`: `core.hooksPath` when set,
    /// else `hooks` in the common git directory (shared by all worktrees).
    ///
    /// - Throws: `IntegrationError` when `directory` is in no git repository.
    public static func hooksDirectory(repositoryRoot root: String) throws -> String {
        let dotGit = root + "/.git"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit, isDirectory: &isDirectory) else {
            throw IntegrationError("\(root) is not a git repository (no .git)")
        }
        var gitDirectory = dotGit
        if !isDirectory.boolValue {
            // A worktree or submodule: `.git` is a file naming the real git directory.
            guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gitdir:") })
            else { throw IntegrationError("\(dotGit) is neither a directory nor a 'gitdir:' file") }
            let path = line.dropFirst("gitdir:".count).trimmingCharacters(in: .whitespaces)
            gitDirectory = path.hasPrefix("/") ? path : URL(fileURLWithPath: root).appendingPathComponent(path).standardizedFileURL.path
            if let common = try? String(contentsOfFile: gitDirectory + "/commondir", encoding: .utf8) {
                let trimmed = common.trimmingCharacters(in: .whitespacesAndNewlines)
                gitDirectory = trimmed.hasPrefix("/") ? trimmed : URL(fileURLWithPath: gitDirectory).appendingPathComponent(trimmed).standardizedFileURL.path
            }
        }
        if let repository = try? Repository.open(at: root), let configured = try? repository.configValue("core.hooksPath"), !configured.isEmpty {
            let expanded = configured.hasPrefix("~/") ? (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + configured.dropFirst() : configured
            return expanded.hasPrefix("/") ? expanded : root + "/" + expanded
        }
        return gitDirectory + "/hooks"
    }

    /// The script mnem installs for `event`. prepare-commit-msg passes on git's arguments (the
    /// message file) and runs in the foreground: git reads the message after the hook returns.
    public static func script(event: String, mnem: String) -> String {
        let arguments = event == "prepare-commit-msg" ? " \"$@\"" : ""
        return """
        #!/bin/sh
        \(marker)
        # 'mnem hooks uninstall git' removes this script and restores any hook it chains.
        hook_dir=$(dirname "$0")
        status=0
        if [ -x "$hook_dir/\(event)\(chainedSuffix)" ]; then
            "$hook_dir/\(event)\(chainedSuffix)" "$@" || status=$?
        fi
        if [ "$status" -eq 0 ]; then
            \(ShellWords.quote(mnem)) hook git \(event)\(arguments) </dev/null >/dev/null 2>&1 || true
        fi
        exit $status

        """
    }

    /// Installs mnem's script for each of `events` in `hooksDirectory`.
    ///
    /// - Returns: one line per change made, for the user.
    public static func install(events: [String], hooksDirectory: String, mnem: String) throws -> [String] {
        var changes: [String] = []
        let fm = FileManager.default
        for event in events {
            let path = hooksDirectory + "/" + event
            let chained = path + chainedSuffix
            if let existing = try AtomicFile.read(path), !isMnemScript(existing) {
                guard !fm.fileExists(atPath: chained) else {
                    throw IntegrationError("\(path) exists and so does \(chained); not overwriting either (move one away and install again)")
                }
                guard rename(path, chained) == 0 else {
                    throw IntegrationError("cannot move \(path) to \(chained): \(String(cString: strerror(errno)))")
                }
                changes.append("kept your \(event) hook as \(chained); mnem's runs it first")
            }
            let bytes = Array(script(event: event, mnem: mnem).utf8)
            if try AtomicFile.read(path) == bytes { continue }
            try writeExecutable(bytes, to: path)
            changes.append("wrote \(path)")
        }
        return changes
    }

    /// Removes mnem's scripts for `events` and restores the hooks they chained.
    public static func uninstall(events: [String], hooksDirectory: String) throws -> [String] {
        var changes: [String] = []
        for event in events {
            let path = hooksDirectory + "/" + event
            let chained = path + chainedSuffix
            guard let existing = try AtomicFile.read(path), isMnemScript(existing) else { continue }
            try AtomicFile.remove(path)
            changes.append("removed \(path)")
            if FileManager.default.fileExists(atPath: chained) {
                guard rename(chained, path) == 0 else {
                    throw IntegrationError("cannot move \(chained) back to \(path): \(String(cString: strerror(errno)))")
                }
                changes.append("restored your \(event) hook")
            }
        }
        return changes
    }

    static func isMnemScript(_ bytes: [UInt8]) -> Bool {
        String(decoding: bytes.prefix(4096), as: UTF8.self).contains(marker)
    }

    static func writeExecutable(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).mnem-\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: 0o755]) else {
            throw IntegrationError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw IntegrationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
