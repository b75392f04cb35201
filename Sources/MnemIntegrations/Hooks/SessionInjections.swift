import Foundation
import MnemCore

/// The memories already injected into one agent session, so a hook never shows the same memory
/// twice in it.
///
/// One small file per session, `<git dir>/mnem/sessions/<hash of the session id>.ids`: one
/// memory id per line, appended after each injection. It is removed when the agent reports the
/// session's end, and any file untouched for `lifetime` is removed by the next hook that
/// records (sessions that never reported their end). Everything here fails open: a file that
/// cannot be read counts as empty, one that cannot be written only means a memory may be shown
/// again; neither stops the hook from injecting.
public struct SessionInjections: Sendable {
    /// The session's file; nil without a session id (nothing is remembered).
    public let path: String?
    /// Files older than this are a session that ended without saying so.
    public static let lifetime: TimeInterval = 2 * 24 * 3600
    /// A session that injected more ids than this has its file cut to the newest (bounded reads).
    static let maximumIDs = 4096

    public init(gitDirectory: String, sessionID: String?) {
        guard let sessionID, !sessionID.isEmpty else {
            path = nil
            return
        }
        // Hashed: a session id comes from the agent and may hold any character.
        path = Self.directory(gitDirectory: gitDirectory) + "/" + SHA256.hex(Array(sessionID.utf8)).prefix(32) + ".ids"
    }

    static func directory(gitDirectory: String) -> String {
        (gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/") + "mnem/sessions"
    }

    /// The ids recorded for this session; empty when there are none or the file cannot be read.
    public func injected() -> Set<MemoryID> {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return [] }
        var ids = Set<MemoryID>()
        for line in data.split(separator: 0x0A).suffix(Self.maximumIDs) {
            if let id = MemoryID(String(decoding: line, as: UTF8.self)) { ids.insert(id) }
        }
        return ids
    }

    /// Appends `ids` to the session's file and removes stale files of other sessions.
    ///
    /// - Throws: `IntegrationError` when the file cannot be written (the caller logs it and goes on).
    public func record(_ ids: [MemoryID]) throws {
        guard let path, !ids.isEmpty else { return }
        let directory = (path as NSString).deletingLastPathComponent
        Self.prune(directory: directory, keeping: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw IntegrationError("cannot create \(directory): \(error.localizedDescription)")
        }
        let bytes = Array(ids.map { $0.rawValue + "\n" }.joined().utf8)
        // O_APPEND: two hooks of one session writing at once each add whole lines.
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IntegrationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw IntegrationError("cannot append to \(path): \(String(cString: strerror(errno)))") }
    }

    /// Removes the session's file (the agent reported the session's end).
    public func forget() {
        guard let path else { return }
        unlink(path)
    }

    /// How often a hook looks for stale files: each look lists and stats every session file, which
    /// cost 3 ms of every hook with 180 of them; once an hour costs one stat of `.pruned`.
    static let pruneInterval: TimeInterval = 3600

    /// Removes session files not modified within `lifetime`, except `keeping`, when the last look
    /// (the modification time of `.pruned` in `directory`) is more than `pruneInterval` before `now`.
    static func prune(directory: String, keeping: String, now: Date = Date()) {
        let marker = directory + "/.pruned"
        if let looked = modificationTime(marker), now.timeIntervalSince1970 - looked < pruneInterval, looked <= now.timeIntervalSince1970 {
            return
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasSuffix(".ids") {
            let file = directory + "/" + name
            guard file != keeping, let modified = modificationTime(file), now.timeIntervalSince1970 - modified > lifetime else { continue }
            unlink(file)
        }
        let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        var times = [timespec](repeating: timespec(tv_sec: Int(now.timeIntervalSince1970), tv_nsec: 0), count: 2)
        futimens(fd, &times)
        close(fd)
    }

    /// The modification time of `path` in seconds since 1970, or nil when it cannot be read.
    static func modificationTime(_ path: String) -> TimeInterval? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
    }
}
