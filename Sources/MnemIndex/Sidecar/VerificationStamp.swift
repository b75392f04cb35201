import Foundation

/// Remembers which version of a sidecar file had its vectors verified, so that is done once per write.
///
/// Verifying 51 MB of vectors on every search would double its cost. Instead the file's identity
/// (device, inode, size, mtime, ctime) is recorded beside it once the vectors checksum passed.
/// Any write to the file — a flipped byte, a truncation, a copy over it — changes its ctime,
/// which no user call can set back, so the next open sees a different identity and verifies again.
///
/// As in git's "racy clean" rule, a stamp recorded less than `racyWindow` after the file's ctime
/// is not trusted: the kernel's coarse clock could give a write in the same tick the same ctime.
/// So a freshly written sidecar is verified once more on its next open, then trusted.
/// The stamp is a cache: when it is missing, unreadable or unwritable, the vectors are simply verified.
struct VerificationStamp {
    let path: String
    static let racyWindow: Int64 = 100_000_000

    init(path sidecarPath: String) { path = sidecarPath + ".verified" }

    func matches(_ identity: FileIdentity, checksum: UInt64) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count == 7, let recordedAt = Int64(fields[6].trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        return fields.prefix(6).joined(separator: " ") == Self.text(identity, checksum: checksum)
            && recordedAt - identity.changed >= Self.racyWindow
    }

    func record(_ identity: FileIdentity, checksum: UInt64) {
        let temporary = path + ".tmp-\(getpid())"
        let line = Self.text(identity, checksum: checksum) + " \(Self.now())\n"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(line.utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    static func text(_ id: FileIdentity, checksum: UInt64) -> String {
        "\(id.device) \(id.inode) \(id.size) \(id.modified) \(id.changed) \(String(checksum, radix: 16))"
    }

    /// The wall clock in nanoseconds, the clock ctimes are taken from.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}
