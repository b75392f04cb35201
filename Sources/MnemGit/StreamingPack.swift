import CGit2
import Foundation

/// One object made ready for a pack: its id, its entry as the pack stores it (the object header
/// and the deflated content) and that entry's CRC-32, which the pack index records.
public struct PackedObject: Sendable {
    public let id: ObjectID
    let entry: [UInt8]
    let crc: UInt32
}

extension Repository {
    /// Blobs hashed and deflated for a pack, on every core.
    ///
    /// All the per-object work of writing a pack happens here, in parallel: the git id (SHA-1 of
    /// `blob <size>\0` and the content), deflating at level 1 (one zlib stream per worker, reset
    /// between objects) and the CRC-32. What is left for `StreamingPack` is appending bytes.
    /// - Returns: one packed object per blob, in order.
    public static func packedBlobs(_ blobs: [[UInt8]]) throws(GitError) -> [PackedObject] { try packedObjects(blobs, kind: .blob) }

    /// Objects of one kind (blobs or trees) hashed and deflated for a pack; see `packedBlobs`.
    static func packedObjects(_ blobs: [[UInt8]], kind: ObjectKind) throws(GitError) -> [PackedObject] {
        var results = [PackedObject?](repeating: nil, count: blobs.count)
        let workers = blobs.count < 64 ? 1 : min(blobs.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        let failed = FailureFlag()
        results.withUnsafeMutableBufferPointer { output in
            nonisolated(unsafe) let output = output
            blobs.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var stream = z_stream()
                    guard mnem_deflate_init(&stream, 1) == Z_OK else { return failed.set() }
                    defer { deflateEnd(&stream) }
                    var scratch = [UInt8](repeating: 0, count: 64 * 1024)
                    for i in (worker * input.count / workers)..<((worker + 1) * input.count / workers) {
                        guard let packed = pack(input[i], kind: kind, stream: &stream, scratch: &scratch) else { return failed.set() }
                        output[i] = packed
                    }
                }
            }
        }
        guard !failed.isSet else { throw GitError(code: -1, message: "zlib deflate failed", operation: "packedBlobs", subject: nil) }
        return results.map { $0.unsafelyUnwrapped }
    }

    /// One object's id, pack entry and CRC-32, deflated through `stream`.
    private static func pack(_ blob: [UInt8], kind: ObjectKind, stream: inout z_stream, scratch: inout [UInt8]) -> PackedObject? {
        var entry: [UInt8] = []
        entry.reserveCapacity(blob.count / 2 + 32)
        PackWriter.appendObjectHeader(type: kind == .tree ? 2 : 3, size: blob.count, to: &entry)
        guard blob.withUnsafeBytes({ PackWriter.deflate($0, stream: &stream, scratch: &scratch, into: &entry) }) else { return nil }
        let crc = entry.withUnsafeBytes { raw in UInt32(crc32(0, raw.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(raw.count))) }
        return PackedObject(id: objectID(kind == .tree ? "tree" : "blob", blob), entry: entry, crc: crc)
    }
}

/// A flag any worker may raise.
private final class FailureFlag: @unchecked Sendable {
    // @unchecked: `raised` is only read and written under `lock`.
    private let lock = NSLock()
    private var raised = false
    func set() { lock.withLock { raised = true } }
    var isSet: Bool { lock.withLock { raised } }
}

/// A pack written a batch at a time, whose object count is known only at the end.
///
/// Objects (already hashed and deflated by `Repository.packedBlobs`) are appended to a temporary
/// file in `objects/pack`; `finish` writes the count into the header, the trailing checksum, and
/// a version-2 index of its own, then moves both into place, index last, which is when readers
/// see the pack. Nothing is inflated or hashed again, which is what libgit2's indexer would do.
/// An object appended twice is stored once. A pack that is never finished leaves a `tmp_pack_*`
/// file, which storage maintenance removes.
public final class StreamingPack {
    private let repository: Repository
    private let directory: String
    private var temporaryPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var size = 12
    private var objects: [(id: ObjectID, crc: UInt32, offset: UInt32)] = []
    private var seen: Set<ObjectID> = []
    private var done = false

    /// The largest pack this writes; `append` refuses to go past it (offsets in the index are 31-bit).
    public static let maximumSize = 0x7FFF_0000

    /// Starts an empty pack in `repository`'s `objects/pack`.
    public init(repository: Repository) throws(GitError) {
        self.repository = repository
        directory = repository.gitDirectory + "objects/pack"
        var template = Array((directory + "/tmp_pack_mnem_XXXXXX").utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw GitError(code: -1, message: "cannot create a pack file: \(String(cString: strerror(errno)))", operation: "StreamingPack", subject: directory) }
        temporaryPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        buffer.reserveCapacity(1 << 20 + 64 * 1024)
        buffer += Array("PACK".utf8)
        PackWriter.appendBigEndian(2, to: &buffer)
        PackWriter.appendBigEndian(0, to: &buffer)
    }

    deinit {
        if !done {
            close(fd)
            unlink(temporaryPath)
        }
    }

    /// How many distinct objects the pack holds so far.
    public var count: Int { objects.count }
    /// The pack's size so far, in bytes.
    public var byteCount: Int { size }

    /// Appends objects not already in this pack.
    public func append(_ packed: [PackedObject]) throws(GitError) {
        for object in packed where !seen.contains(object.id) {
            guard size + object.entry.count < Self.maximumSize else {
                throw GitError(code: -1, message: "pack too large (over 2 GiB)", operation: "StreamingPack.append", subject: directory)
            }
            seen.insert(object.id)
            objects.append((object.id, object.crc, UInt32(size)))
            buffer += object.entry
            size += object.entry.count
            if buffer.count >= 1 << 20 { try flush() }
        }
    }

    /// Ends the pack, writes its index and makes both visible to the repository.
    /// - Returns: the pack's `.idx` path, or nil when nothing was appended (and nothing is left behind).
    @discardableResult
    public func finish() throws(GitError) -> String? {
        guard !done else { return nil }
        done = true
        defer { close(fd) }
        guard !objects.isEmpty else {
            unlink(temporaryPath)
            return nil
        }
        let name: String
        do throws(GitError) {
            try flush()
            var count = UInt32(objects.count).bigEndian
            guard pwrite(fd, &count, 4, 8) == 4 else { throw failure("cannot write the pack header") }
            let checksum = try packChecksum()
            try writeAll(checksum)
            guard fsync(fd) == 0, fchmod(fd, 0o444) == 0 else { throw failure("cannot sync the pack") }
            name = directory + "/pack-" + checksum.withUnsafeBytes { ObjectID(bytes: $0.baseAddress.unsafelyUnwrapped).hex }
            let index = try writeIndex(checksum: checksum)
            guard rename(temporaryPath, name + ".pack") == 0 else {
                unlink(index)
                throw failure("cannot move the pack into place")
            }
            temporaryPath = name + ".pack"
            guard rename(index, name + ".idx") == 0 else {
                unlink(index)
                throw failure("cannot move the pack index into place")
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
        repository.refreshObjects()
        return name + ".idx"
    }

    private func failure(_ message: String) -> GitError {
        GitError(code: -1, message: message + ": " + String(cString: strerror(errno)), operation: "StreamingPack.finish", subject: temporaryPath)
    }

    private func flush() throws(GitError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws(GitError) {
        guard bytes.withUnsafeBytes({ PackWriter.writeFully(fd, $0) }) else {
            throw GitError(code: -1, message: "cannot write the pack: \(String(cString: strerror(errno)))", operation: "StreamingPack", subject: temporaryPath)
        }
    }

    /// SHA-1 of the whole pack as written (the header changed after its first bytes were hashed,
    /// so it is read back).
    private func packChecksum() throws(GitError) -> [UInt8] {
        var hasher = SHA1()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position = 0
        while position < size {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, min($0.count, size - position), off_t(position)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("cannot read the pack back") }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            position += n
        }
        return hasher.finalize()
    }

    /// Writes the version-2 index (fan-out, sorted ids, CRC-32s, offsets, both checksums) to a
    /// temporary file beside the pack.
    /// - Returns: the temporary file's path.
    private func writeIndex(checksum: [UInt8]) throws(GitError) -> String {
        let sorted = objects.sorted { $0.id.byteOrderKey < $1.id.byteOrderKey }
        var index: [UInt8] = [0xFF, 0x74, 0x4F, 0x63]
        index.reserveCapacity(8 + 1024 + sorted.count * 28 + 40)
        PackWriter.appendBigEndian(2, to: &index)
        var fanout = [UInt32](repeating: 0, count: 256)
        for object in sorted { fanout[Int(object.id.firstByte)] += 1 }
        var running: UInt32 = 0
        for i in 0..<256 {
            running += fanout[i]
            PackWriter.appendBigEndian(running, to: &index)
        }
        for object in sorted {
            var oid = object.id.raw
            withUnsafeBytes(of: &oid.id) { index += $0 }
        }
        for object in sorted { PackWriter.appendBigEndian(object.crc, to: &index) }
        for object in sorted { PackWriter.appendBigEndian(object.offset, to: &index) }
        index += checksum
        var hasher = SHA1()
        hasher.update(index)
        index += hasher.finalize()

        var template = Array((directory + "/tmp_pack_mnem_idx_XXXXXX").utf8CString)
        let indexFD = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard indexFD >= 0 else { throw failure("cannot create the pack index") }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(indexFD) }
        guard index.withUnsafeBytes({ PackWriter.writeFully(indexFD, $0) }), fsync(indexFD) == 0, fchmod(indexFD, 0o444) == 0 else {
            unlink(path)
            throw failure("cannot write the pack index")
        }
        return path
    }
}
