import Foundation
import MnemCore

/// The one place hooks report what went wrong: a line appended to a log file, never the agent's streams.
///
/// A hook must not disturb the agent, so its failures are written to `<pool git dir>/mnem/hooks.log`
/// when a pool is at hand, else to `$XDG_STATE_HOME/mnem/hooks.log` (default `~/.local/state/mnem/hooks.log`).
/// Each line is `<ISO 8601 time> <agent> <event>: <reason>`, with newlines in the reason flattened.
public struct HookLog: Sendable {
    public let path: String
    /// The size past which the log is rotated once.
    static let maxBytes = 1 << 20

    public init(path: String) { self.path = path }

    /// The log inside `pool`'s git directory.
    public static func forPool(gitDirectory: String) -> HookLog {
        let directory = gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/"
        return HookLog(path: directory + "mnem/hooks.log")
    }

    /// The log used when there is no pool: under `$XDG_STATE_HOME`, else `~/.local/state`.
    public static func fallback(environment: [String: String]) -> HookLog {
        let state: String
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") {
            state = xdg
        } else {
            state = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        }
        return HookLog(path: state + "/mnem/hooks.log")
    }

    /// Appends one line; a log that cannot be written is silently given up (the hook must still exit 0).
    public func append(_ label: String, _ reason: String) {
        let flat = reason.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        let line = "\(Self.timestamp()) \(label): \(flat)\n"
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Bounded: past `maxBytes` the log becomes `hooks.log.1` (replacing the older one) and starts afresh.
        var info = stat()
        if stat(path, &info) == 0, Int(info.st_size) > Self.maxBytes { rename(path, path + ".1") }
        // O_APPEND keeps lines from concurrent hooks whole (one write(2) per line).
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// The lines written so far (for tests and `mnem hook` diagnostics).
    public func lines() -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
