import CGit2
import Foundation

extension Repository {
    /// Batches at least this large are written as one pack rather than as loose objects.
    public static let packThreshold = 64

    /// Writes blobs into the object database, as one pack file when there are many.
    ///
    /// Loose objects cost a file and a fresh zlib stream each; a batch of thousands is written
    /// instead as a single pack (objects hashed and deflated at level 1 on every core, no
    /// deltas) with an index written here (`StreamingPack`). Equal contents are packed once. Blobs
    /// already elsewhere in the database are packed again, which git tolerates (`git gc` drops
    /// the copies).
    /// - Returns: the id of each blob, in order.
    public func writeBlobs(_ blobs: [[UInt8]]) throws(GitError) -> [ObjectID] {
        if blobs.count < Self.packThreshold { return try blobs.map { (b) throws(GitError) in try writeBlob(b) } }
        let packed = try Self.packedBlobs(blobs)
        let pack = try StreamingPack(repository: self)
        try pack.append(packed)
        try pack.finish()
        return packed.map(\.id)
    }

    /// The git id of a blob: SHA-1 of `blob <size>\0` followed by the content.
    static func blobID(_ content: [UInt8]) -> ObjectID { objectID("blob", content) }

    /// The git id of an object: SHA-1 of `<kind> <size>\0` followed by the content.
    static func objectID(_ kind: String, _ content: [UInt8]) -> ObjectID {
        var hasher = SHA1()
        hasher.update(Array("\(kind) \(content.count)\u{0}".utf8))
        hasher.update(content)
        let digest = hasher.finalize()
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            for (i, byte) in digest.enumerated() { raw[i] = byte }
        }
        return ObjectID(oid)
    }
}
