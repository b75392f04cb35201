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
    ///
    /// Wraps `git_indexer_new`, `git_indexer_append`, `git_indexer_commit` and `git_odb_refresh`.
    private func writePack(_ blobs: [[UInt8]]) throws(GitError) -> [ObjectID] {
        var pack: [UInt8] = []
        pack.reserveCapacity(blobs.reduce(64) { $0 + $1.count / 2 + 32 })
        pack += Array("PACK".utf8)
        appendBigEndian(UInt32(2), to: &pack)
        appendBigEndian(UInt32(blobs.count), to: &pack)

        var stream = z_stream()
        guard mnem_deflate_init(&stream, 1) == Z_OK else {
            throw GitError(code: -1, message: "zlib deflateInit failed", operation: "deflateInit", subject: gitDirectory)
        }
        defer { deflateEnd(&stream) }
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        var offsets: [UInt32] = []
        offsets.reserveCapacity(blobs.count)
        for blob in blobs {
            guard pack.count < 0x8000_0000 else {
                throw GitError(code: -1, message: "batch too large for one pack (over 2 GiB)", operation: "writePack", subject: gitDirectory)
            }
            offsets.append(UInt32(pack.count))
            appendObjectHeader(type: 3, size: blob.count, to: &pack)
            guard deflateReset(&stream) == Z_OK else {
                throw GitError(code: -1, message: "zlib deflateReset failed", operation: "deflateReset", subject: gitDirectory)
            }
            let bound = Int(deflateBound(&stream, uLong(blob.count)))
            if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
            let written: Int = blob.withUnsafeBufferPointer { input in
                scratch.withUnsafeMutableBufferPointer { output in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                    stream.avail_in = uInt(input.count)
                    stream.next_out = output.baseAddress
                    stream.avail_out = uInt(output.count)
                    let status = deflate(&stream, Z_FINISH)
                    return status == Z_STREAM_END ? output.count - Int(stream.avail_out) : -1
                }
            }
            guard written >= 0 else {
                throw GitError(code: -1, message: "zlib deflate did not finish", operation: "deflate", subject: gitDirectory)
            }
            pack.append(contentsOf: scratch[0..<written])
        }
        var trailer = SHA1()
        trailer.update(pack)
        pack += trailer.finalize()

        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        var indexer: OpaquePointer?
        let packDirectory = gitDirectory + "objects/pack"
        try check(git_indexer_new(&indexer, packDirectory, 0, odb, nil), "git_indexer_new", packDirectory)
        defer { git_indexer_free(indexer) }
        var progress = git_indexer_progress()
        let appended = pack.withUnsafeBytes { raw in git_indexer_append(indexer, raw.baseAddress, raw.count, &progress) }
        try check(appended, "git_indexer_append", packDirectory)
        try check(git_indexer_commit(indexer, &progress), "git_indexer_commit", packDirectory)
        try check(git_odb_refresh(odb), "git_odb_refresh", gitDirectory)
        guard let name = git_indexer_name(indexer).map({ String(cString: $0) }) else {
            throw GitError(code: -1, message: "the indexer named no pack", operation: "git_indexer_name", subject: packDirectory)
        }
        return try objectIDs(atOffsets: offsets, index: "\(packDirectory)/pack-\(name).idx")
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

    private func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    /// A pack object header: type in bits 4-6 of the first byte, size in 4 + 7·n bits.
    private func appendObjectHeader(type: UInt8, size: Int, to out: inout [UInt8]) {
        var remaining = size >> 4
        var byte = (type << 4) | UInt8(size & 0x0F)
        while remaining > 0 {
            out.append(byte | 0x80)
            byte = UInt8(remaining & 0x7F)
            remaining >>= 7
        }
        out.append(byte)
    }
}
