import Foundation

/// Remembers which version of a sidecar file had its vectors verified, so that is done once per write.
///
/// Verifying 51 MB of vectors on every search would double its cost. Instead the file's identity
/// (device, inode, size, mtime, ctime) is recorded beside it once the vectors checksum passed.
/// Any write to the file — a flipped byte, a truncation, a copy over it — changes its ctime,
/// which no user call can set back, so the next open sees a different identity and verifies again.
/// The stamp is a cache: when it is missing, unreadable or unwritable, the vectors are simply verified.
struct VerificationStamp {
    let path: String

    init(path sidecarPath: String) { path = sidecarPath + ".verified" }

    func matches(_ identity: FileIdentity, checksum: UInt64) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        return String(decoding: data, as: UTF8.self) == Self.text(identity, checksum: checksum)
    }

    func record(_ identity: FileIdentity, checksum: UInt64) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(Self.text(identity, checksum: checksum).utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    func remove() { unlink(path) }

    static func text(_ id: FileIdentity, checksum: UInt64) -> String {
        "\(id.device) \(id.inode) \(id.size) \(id.modified) \(id.changed) \(String(checksum, radix: 16))\n"
    }
}
