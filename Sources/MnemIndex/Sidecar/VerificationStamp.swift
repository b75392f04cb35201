import Foundation

/// Remembers which version of a sidecar file had its checksums verified, so that is done once per write.
///
/// Verifying the 56 MB of a 100k-memory sidecar on every search would double its cost. Instead
/// the file's identity (device, inode, size, mtime, ctime) is recorded beside it once the
/// checksums of its metadata (ids, columns, strings) and vectors passed.
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
        guard let text = Self.readSmallFile(path) else { return false }
        let fields = text.split(separator: " ")
        guard fields.count == 7, let recordedAt = Int64(fields[6].trimmingCharacters(in: .whitespacesAndNewlines)) else { return false }
        return fields.prefix(6).joined(separator: " ") == Self.text(identity, checksum: checksum)
            && recordedAt - identity.changed >= Self.racyWindow
    }

    func record(_ identity: FileIdentity, checksum: UInt64) {
        let temporary = path + ".tmp-\(getpid())"
        let line = Self.text(identity, checksum: checksum) + " \(Self.now())\n"
        // Plain write and rename, no fsync: the stamp is a cache, and a lost one only costs a check.
        // (Foundation's atomic file writing syncs, which cost 25 ms after a 56 MB sidecar write.)
        let fd = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        // The old stamp is removed first: ext4 flushes a file renamed over an existing one
        // (auto_da_alloc), and right after a sidecar write that rename waited 34 ms. A reader in
        // between finds no stamp and verifies, which is all a missing stamp ever costs.
        guard written == bytes.count else {
            unlink(temporary)
            return
        }
        unlink(path)
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    static func text(_ id: FileIdentity, checksum: UInt64) -> String {
        "\(id.device) \(id.inode) \(id.size) \(id.modified) \(id.changed) \(String(checksum, radix: 16))"
    }

    /// The contents of a file of at most 255 bytes, read with one system call (this is on every search's path).
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 256) }
        guard count > 0, count < 256 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// The wall clock in nanoseconds, the clock ctimes are taken from.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}
