import CGit2
import Foundation

/// Writes objects as one pack, streamed through libgit2's indexer into a pack directory.
///
/// Each object is deflated at level 1 through one reused zlib stream (no delta search: the cost
/// is the bytes), and handed to the indexer in chunks of about 1 MiB, so memory stays at one
/// object plus one chunk however many objects the pack holds. The indexer hashes, checks and
/// indexes what it receives and moves the pack and its index into place on `finish`.
final class PackWriter {
    private let directory: String
    private var indexer: OpaquePointer?
    private var stream = z_stream()
    private var chunk: [UInt8] = []
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    private var trailer = SHA1()
    private var progress = git_indexer_progress()
    private let expected: Int
    private var written = 0
    private var offset = 0

    /// - Parameters:
    ///   - repository: its object database resolves nothing here (the pack holds no deltas) but
    ///     the indexer wants one.
    ///   - directory: the `pack` directory the pack and its index land in.
    ///   - count: how many objects will be added.
    /// Wraps `git_indexer_new`.
    init(repository: Repository, directory: String, count: Int) throws(GitError) {
        self.directory = directory
        expected = count
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository.handle), "git_repository_odb", repository.gitDirectory)
        defer { git_odb_free(odb) }
        try check(git_indexer_new(&indexer, directory, 0, odb, nil), "git_indexer_new", directory)
        guard mnem_deflate_init(&stream, 1) == Z_OK else {
            git_indexer_free(indexer)
            indexer = nil
            throw GitError(code: -1, message: "zlib deflateInit failed", operation: "deflateInit", subject: directory)
        }
        chunk.reserveCapacity(1 << 20 + 64 * 1024)
        chunk += Array("PACK".utf8)
        Self.appendBigEndian(2, to: &chunk)
        Self.appendBigEndian(UInt32(truncatingIfNeeded: count), to: &chunk)
        offset = chunk.count
    }

    deinit {
        deflateEnd(&stream)
        if indexer != nil { git_indexer_free(indexer) }
    }

    /// Appends one object.
    /// - Returns: its offset in the pack (how the indexer's `.idx` names it).
    @discardableResult
    func add(_ kind: ObjectKind, _ bytes: UnsafeRawBufferPointer) throws(GitError) -> UInt32 {
        guard offset < 0x8000_0000 else {
            throw GitError(code: -1, message: "pack too large (over 2 GiB)", operation: "PackWriter.add", subject: directory)
        }
        guard written < expected else {
            throw GitError(code: -1, message: "more objects than announced", operation: "PackWriter.add", subject: directory)
        }
        let start = UInt32(offset)
        let type: UInt8 =
            switch kind {
            case .commit: 1
            case .tree: 2
            case .blob: 3
            case .tag: 4
            case .other: 0
            }
        let before = chunk.count
        Self.appendObjectHeader(type: type, size: bytes.count, to: &chunk)
        guard Self.deflate(bytes, stream: &stream, scratch: &scratch, into: &chunk) else {
            throw GitError(code: -1, message: "zlib deflate failed", operation: "deflate", subject: directory)
        }
        offset += chunk.count - before
        written += 1
        if chunk.count >= 1 << 20 { try flush() }
        return start
    }

    func add(_ kind: ObjectKind, _ bytes: [UInt8]) throws(GitError) -> UInt32 {
        let result: Result<UInt32, GitError> = bytes.withUnsafeBytes { raw in
            do throws(GitError) { return .success(try add(kind, raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Hands the buffered bytes to the indexer.
    private func flush() throws(GitError) {
        guard !chunk.isEmpty else { return }
        trailer.update(chunk)
        let code = chunk.withUnsafeBytes { raw in git_indexer_append(indexer, raw.baseAddress, raw.count, &progress) }
        try check(code, "git_indexer_append", directory)
        chunk.removeAll(keepingCapacity: true)
    }

    /// Ends the pack and has the indexer write it and its index.
    /// - Returns: the path of the pack's `.idx` file.
    /// Wraps `git_indexer_append`, `git_indexer_commit` and `git_indexer_name`.
    func finish() throws(GitError) -> String {
        guard written == expected else {
            throw GitError(code: -1, message: "\(written) objects written, \(expected) announced", operation: "PackWriter.finish", subject: directory)
        }
        try flush()
        let digest = trailer.finalize()
        let code = digest.withUnsafeBytes { raw in git_indexer_append(indexer, raw.baseAddress, raw.count, &progress) }
        try check(code, "git_indexer_append", directory)
        try check(git_indexer_commit(indexer, &progress), "git_indexer_commit", directory)
        guard let name = git_indexer_name(indexer).map({ String(cString: $0) }) else {
            throw GitError(code: -1, message: "the indexer named no pack", operation: "git_indexer_name", subject: directory)
        }
        return "\(directory)/pack-\(name).idx"
    }

    /// Deflates `bytes` whole through `stream` (reset first) and appends the result to `out`.
    /// - Returns: false when zlib fails.
    static func deflate(_ bytes: UnsafeRawBufferPointer, stream: inout z_stream, scratch: inout [UInt8], into out: inout [UInt8]) -> Bool {
        guard deflateReset(&stream) == Z_OK else { return false }
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(bytes.count)
        var status: Int32 = Z_OK
        repeat {
            let produced: Int = scratch.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = uInt(buffer.count)
                status = CGit2.deflate(&stream, Z_FINISH)
                return buffer.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else { return false }
            out.append(contentsOf: scratch[0..<produced])
        } while status != Z_STREAM_END
        return true
    }

    /// Writes all of `bytes` to `fd`, retrying short writes and interruptions.
    /// - Returns: false on an error (`errno` says which).
    static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var written = 0
        while written < bytes.count {
            let n = write(fd, bytes.baseAddress.unsafelyUnwrapped + written, bytes.count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            written += n
        }
        return true
    }

    static func appendBigEndian(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    /// A pack object header: type in bits 4-6 of the first byte, size in 4 + 7·n bits.
    static func appendObjectHeader(type: UInt8, size: Int, to out: inout [UInt8]) {
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

/// The object ids a version-2 pack index lists.
enum PackIndex {
    /// How many objects the `.idx` file at `path` lists, from its fan-out table (0 if unreadable).
    static func count(at path: String) -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var last = UInt32(0)
        guard pread(fd, &last, 4, 8 + 255 * 4) == 4 else { return 0 }
        return Int(UInt32(bigEndian: last))
    }

    /// Every id in the `.idx` file at `path`, in index order.
    static func ids(at path: String) throws(GitError) -> [ObjectID] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GitError(code: -1, message: "cannot read the pack index", operation: "readPackIndex", subject: path)
        }
        let ids: [ObjectID]? = data.withUnsafeBytes { raw -> [ObjectID]? in
            guard raw.count >= 8 + 1024, let base = raw.baseAddress, raw.loadUnaligned(as: UInt32.self) == UInt32(0xff744f63).bigEndian,
                UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)) == 2
            else { return nil }
            let count = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8 + 255 * 4, as: UInt32.self)))
            let idsStart = 8 + 1024
            guard raw.count >= idsStart + count * 20 else { return nil }
            return (0..<count).map { ObjectID(bytes: base + idsStart + $0 * 20) }
        }
        guard let ids else { throw GitError(code: -1, message: "unexpected pack index layout", operation: "readPackIndex", subject: path) }
        return ids
    }
}
