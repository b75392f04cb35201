import CGit2
import Foundation

extension Repository {
    /// Batches at least this large are written as one pack rather than as loose objects.
    public static let packThreshold = 64

    /// Writes blobs into the object database, as one pack file when there are many.
    ///
    /// Loose objects cost a file and a fresh zlib stream each; a batch of thousands is written
    /// instead as a single pack (objects deflated at level 1 through one reused stream, no
    /// deltas), which libgit2's indexer checks and indexes. Blobs already in the database are
    /// not written again.
    /// - Returns: the id of each blob, in order.
    public func writeBlobs(_ blobs: [[UInt8]]) throws(GitError) -> [ObjectID] {
        if blobs.count < Self.packThreshold { return try blobs.map { (b) throws(GitError) in try writeBlob(b) } }
        // A pack may not hold the same object twice, so equal contents are packed once.
        var firstIndex: [BlobKey: Int] = [:]
        var unique: [[UInt8]] = []
        var slot: [Int] = []
        slot.reserveCapacity(blobs.count)
        for blob in blobs {
            if let existing = firstIndex[BlobKey(bytes: blob)] {
                slot.append(existing)
            } else {
                firstIndex[BlobKey(bytes: blob)] = unique.count
                slot.append(unique.count)
                unique.append(blob)
            }
        }
        // The indexer hashes every object anyway; the ids are read back from the index it writes
        // rather than computed a second time here. Objects already in another pack or loose are
        // packed again, which git tolerates (`git gc` drops the copies).
        let ids = try writePack(unique)
        return slot.map { ids[$0] }
    }

    /// Blob contents as a dictionary key, hashed in bulk (`[UInt8]`'s own hashing feeds the
    /// hasher one byte at a time, which dominated writing a 17 MB batch).
    private struct BlobKey: Hashable {
        var bytes: [UInt8]
        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// The git id of a blob: SHA-1 of `blob <size>\0` followed by the content.
    static func blobID(_ content: [UInt8]) -> ObjectID {
        var hasher = SHA1()
        hasher.update(Array("blob \(content.count)\u{0}".utf8))
        hasher.update(content)
        let digest = hasher.finalize()
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            for (i, byte) in digest.enumerated() { raw[i] = byte }
        }
        return ObjectID(oid)
    }

    /// Writes `blobs` as one pack and has libgit2 index it into `objects/pack`.
    private func writePack(_ blobs: [[UInt8]]) throws(GitError) -> [ObjectID] {
        let writer = try PackWriter(repository: self, directory: gitDirectory + "objects/pack", count: blobs.count)
        var offsets: [UInt32] = []
        offsets.reserveCapacity(blobs.count)
        for blob in blobs { offsets.append(try writer.add(.blob, blob)) }
        let index = try writer.finish()
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        try check(git_odb_refresh(odb), "git_odb_refresh", gitDirectory)
        return try objectIDs(atOffsets: offsets, index: index)
    }

    /// Reads a version-2 pack index and returns the id of the object at each offset.
    private func objectIDs(atOffsets offsets: [UInt32], index path: String) throws(GitError) -> [ObjectID] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GitError(code: -1, message: "cannot read the pack index", operation: "readPackIndex", subject: path)
        }
        let result: [ObjectID]? = data.withUnsafeBytes { raw -> [ObjectID]? in
            guard raw.count >= 8 + 1024, raw.loadUnaligned(as: UInt32.self) == UInt32(0xff744f63).bigEndian,
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == 2
            else { return nil }
            let count = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8 + 255 * 4, as: UInt32.self)))
            let idsStart = 8 + 1024
            let offsetsStart = idsStart + count * 20 + count * 4
            guard raw.count >= offsetsStart + count * 4 else { return nil }
            var byOffset: [UInt32: Int] = [:]
            byOffset.reserveCapacity(count)
            for i in 0..<count {
                byOffset[UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offsetsStart + i * 4, as: UInt32.self))] = i
            }
            var ids: [ObjectID] = []
            ids.reserveCapacity(offsets.count)
            for offset in offsets {
                guard let i = byOffset[offset] else { return nil }
                var oid = git_oid()
                withUnsafeMutableBytes(of: &oid.id) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[(idsStart + i * 20)..<(idsStart + i * 20 + 20)]))
                }
                ids.append(ObjectID(oid))
            }
            return ids
        }
        guard let result else {
            throw GitError(code: -1, message: "unexpected pack index layout", operation: "readPackIndex", subject: path)
        }
        return result
    }
}
