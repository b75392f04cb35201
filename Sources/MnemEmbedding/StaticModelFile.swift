#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A memory-mapped `.mnemb` static embedding model: vocabulary and float16 matrix.
///
/// The file is mapped read-only and checked once when opened (header, section bounds, the
/// vocabulary's offsets and hash table), so that lookups afterwards cannot read outside the
/// mapping whatever the file contains. Nothing is parsed or copied at start beyond that check.
/// The layout is described in `scripts/distill_model.py`.
///
/// `@unchecked Sendable`: every stored property is set in `init` and never changed; the mapped
/// memory is `PROT_READ`, so concurrent readers cannot race. The mapping lives until `deinit`.
public final class StaticModelFile: @unchecked Sendable {
    /// The path the model was opened from.
    public let path: String
    /// The number of tokens; token ids are `0 ..< vocabularySize` (the teacher's own ids).
    public let vocabularySize: Int
    /// The length of a row of the matrix.
    public let dimension: Int
    /// The id of `[UNK]`.
    public let unknownTokenID: UInt32
    /// Words longer than this many Unicode scalars become `[UNK]`.
    public let maxWordCharacters: Int
    /// Whether the tokenizer lowercases and strips accents (BERT uncased).
    public let lowercase: Bool
    /// The first 8 hex digits of the SHA-256 the distillation script recorded for the body.
    public let digest8: String
    /// The file size in bytes.
    public let byteCount: Int

    private let base: UnsafeRawPointer
    let stringOffsets: UnsafePointer<UInt32>
    let stringBytes: UnsafePointer<UInt8>
    let hashTable: UnsafePointer<UInt32>
    let hashMask: Int
    /// Row `i` starts at `matrix + i * dimension`; float16 bit patterns.
    let matrix: UnsafePointer<UInt16>

    static let magic: [UInt8] = Array("MNEMEMB".utf8) + [0]
    static let headerSize = 128
    static let emptySlot = UInt32.max

    /// Maps and validates the model file at `path`.
    ///
    /// - Parameter path: A `.mnemb` file written by `scripts/distill_model.py`.
    /// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` naming the file and what is
    ///   wrong with it (missing, truncated, not a model, unsupported version, inconsistent sections).
    /// - Complexity: O(vocabulary size + hash slots) for the checks; the matrix is not read.
    public init(path: String) throws {
        func fail(_ problem: String) -> EmbeddingError { .invalidModelFile(path: path, problem: problem) }

        let (base, size) = try mapReadOnly(path: path, atLeast: Self.headerSize, what: "the \(Self.headerSize)-byte header")
        let mapped = UnsafeMutableRawPointer(mutating: base)
        do {
            let layout = try Self.validate(base: base, size: size, fail: fail)
            self.path = path
            self.base = base
            self.byteCount = size
            self.vocabularySize = layout.vocabularySize
            self.dimension = layout.dimension
            self.unknownTokenID = layout.unknownTokenID
            self.maxWordCharacters = layout.maxWordCharacters
            self.lowercase = layout.lowercase
            self.digest8 = layout.digest8
            self.stringOffsets = (base + layout.stringOffsetsOffset).assumingMemoryBound(to: UInt32.self)
            self.stringBytes = (base + layout.stringBytesOffset).assumingMemoryBound(to: UInt8.self)
            self.hashTable = (base + layout.hashTableOffset).assumingMemoryBound(to: UInt32.self)
            self.hashMask = layout.hashSlots - 1
            self.matrix = (base + layout.matrixOffset).assumingMemoryBound(to: UInt16.self)
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
    }

    private struct Layout {
        var vocabularySize = 0, dimension = 0, hashSlots = 0, maxWordCharacters = 0
        var unknownTokenID: UInt32 = 0
        var lowercase = true
        var digest8 = ""
        var stringOffsetsOffset = 0, stringBytesOffset = 0, hashTableOffset = 0, matrixOffset = 0
    }

    private static func validate(base: UnsafeRawPointer, size: Int, fail: (String) -> EmbeddingError) throws -> Layout {
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) throws -> Int {
            let value = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            guard value <= UInt64(Int.max) else { throw fail("header field at byte \(at) is out of range") }
            return Int(value)
        }
        guard (0..<8).allSatisfy({ base.load(fromByteOffset: $0, as: UInt8.self) == magic[$0] }) else {
            throw fail("not a mnem embedding model (bad magic)")
        }
        guard u32(8) == 1 else { throw fail("unsupported format version \(u32(8)) (this build reads version 1)") }
        guard u32(12) == 1 else { throw fail("unsupported element type \(u32(12)) (expected 1, float16)") }

        var layout = Layout()
        layout.vocabularySize = u32(16)
        layout.dimension = u32(20)
        layout.unknownTokenID = UInt32(truncatingIfNeeded: u32(24))
        layout.hashSlots = u32(28)
        layout.lowercase = u32(32) & 1 == 1
        layout.maxWordCharacters = u32(36)
        layout.stringOffsetsOffset = try u64(40)
        layout.stringBytesOffset = try u64(48)
        layout.hashTableOffset = try u64(56)
        layout.matrixOffset = try u64(64)
        let stringBytesLength = try u64(72)
        let totalSize = try u64(80)
        layout.digest8 = (88..<92).map { byte in
            let value = base.load(fromByteOffset: byte, as: UInt8.self)
            return String(value >> 4, radix: 16) + String(value & 0xF, radix: 16)
        }.joined()

        let vocab = layout.vocabularySize, dim = layout.dimension, slots = layout.hashSlots
        guard vocab > 0, vocab < 1 << 24 else { throw fail("vocabulary size \(vocab) is out of range") }
        guard dim > 0, dim <= 8192, dim % 8 == 0 else { throw fail("dimension \(dim) is not a positive multiple of 8 up to 8192") }
        guard Int(layout.unknownTokenID) < vocab else { throw fail("[UNK] id \(layout.unknownTokenID) is outside the vocabulary") }
        guard slots > vocab, slots < 1 << 26, slots & (slots - 1) == 0 else { throw fail("hash table size \(slots) is not a power of two above the vocabulary size") }
        guard layout.maxWordCharacters > 0 else { throw fail("maximum word length is 0") }
        guard totalSize == size else {
            throw fail(size < totalSize ? "truncated: \(size) bytes, the header says \(totalSize)" : "\(size) bytes, the header says \(totalSize)")
        }

        // Sections in order, each inside the file and 4-byte aligned for the typed pointers.
        let sections: [(name: String, offset: Int, length: Int)] = [
            ("string offsets", layout.stringOffsetsOffset, (vocab + 1) * 4),
            ("string bytes", layout.stringBytesOffset, stringBytesLength),
            ("hash table", layout.hashTableOffset, slots * 4),
            ("matrix", layout.matrixOffset, vocab * dim * 2),
        ]
        var end = headerSize
        for section in sections {
            guard section.offset >= end, section.offset % 4 == 0 else { throw fail("\(section.name) section at \(section.offset) overlaps or is misaligned") }
            let (sectionEnd, overflow) = section.offset.addingReportingOverflow(section.length)
            guard !overflow, sectionEnd <= size else { throw fail("truncated: \(section.name) section ends past the end of the file") }
            end = sectionEnd
        }

        // The loops below read the offsets and the hash table whole (376 KB for MiniLM's
        // vocabulary): map those pages in one call rather than a fault per 64 KB.
        populate(base + layout.stringOffsetsOffset, upTo: base + layout.hashTableOffset + slots * 4)
        let offsets = (base + layout.stringOffsetsOffset).assumingMemoryBound(to: UInt32.self)
        guard offsets[0] == 0, Int(offsets[vocab]) == stringBytesLength else { throw fail("vocabulary offsets do not span the string bytes") }
        // Branch-free passes (a count, a maximum) that vectorize: these run on every start. The
        // failing index is looked for only on failure.
        var drops = 0
        for i in 0..<vocab { drops &+= offsets[i] > offsets[i + 1] ? 1 : 0 }
        if drops > 0, let i = (0..<vocab).first(where: { offsets[$0] > offsets[$0 + 1] }) {
            throw fail("vocabulary offsets decrease at token \(i)")
        }
        let table = (base + layout.hashTableOffset).assumingMemoryBound(to: UInt32.self)
        // With the empty marker (all ones) wrapping to 0, an entry is a token of the vocabulary
        // exactly when entry + 1 is at most the vocabulary size.
        var empty = 0
        var largest: UInt32 = 0
        let limit = UInt32(vocab)
        for slot in 0..<slots {
            let next = table[slot] &+ 1
            empty &+= next == 0 ? 1 : 0
            largest = max(largest, next)
        }
        if largest > limit, let slot = (0..<slots).first(where: { table[$0] != emptySlot && table[$0] >= limit }) {
            throw fail("hash table slot \(slot) names token \(table[slot]), outside the vocabulary")
        }
        guard empty > 0 else { throw fail("hash table has no empty slot") }
        return layout
    }

    /// The UTF-8 bytes of token `id` (continuation tokens keep their `##`).
    public func tokenBytes(_ id: Int) -> UnsafeBufferPointer<UInt8>? {
        guard id >= 0, id < vocabularySize else { return nil }
        let start = Int(stringOffsets[id]), end = Int(stringOffsets[id + 1])
        return UnsafeBufferPointer(start: stringBytes + start, count: end - start)
    }

    /// The token's text, for debugging and tests.
    public func token(_ id: Int) -> String? {
        tokenBytes(id).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Looks up the token whose bytes are `("##" if continuation) + word[start ..< end]`.
    ///
    /// - Parameters:
    ///   - hash: FNV-1a 32 of exactly those bytes.
    /// - Returns: The token id, or `nil` when the vocabulary has no such token.
    @inline(__always)
    func lookup(hash: UInt32, word: UnsafeBufferPointer<UInt8>, start: Int, end: Int, continuation: Bool) -> UInt32? {
        let prefix = continuation ? 2 : 0
        let length = end - start + prefix
        var slot = Int(hash) & hashMask
        var probes = 0
        while probes <= hashMask {
            let id = hashTable[slot]
            if id == Self.emptySlot { return nil }
            let tokenStart = Int(stringOffsets[Int(id)])
            if Int(stringOffsets[Int(id) + 1]) - tokenStart == length {
                let token = stringBytes + tokenStart
                var same = !continuation || (token[0] == 0x23 && token[1] == 0x23)
                var i = 0
                while same && i < end - start {
                    same = token[prefix + i] == word[start + i]
                    i += 1
                }
                if same { return id }
            }
            slot = (slot + 1) & hashMask
            probes += 1
        }
        return nil
    }
}

/// FNV-1a 32-bit, the hash of the model file's vocabulary table.
enum FNV1a32 {
    static let offsetBasis: UInt32 = 0x811C_9DC5
    static let prime: UInt32 = 0x0100_0193
    /// The state after hashing "##", the prefix of continuation tokens.
    static let continuationBasis: UInt32 = step(step(offsetBasis, 0x23), 0x23)

    @inline(__always)
    static func step(_ hash: UInt32, _ byte: UInt8) -> UInt32 {
        (hash ^ UInt32(byte)) &* prime
    }
}

/// `madvise(MADV_POPULATE_READ)` over the pages of [start, end): a hint, ignored where unsupported (Linux < 5.14).
func populate(_ start: UnsafeRawPointer, upTo end: UnsafeRawPointer) {
    #if os(Linux)
    let page = 4096
    let from = Int(bitPattern: start) & ~(page - 1)
    let to = (Int(bitPattern: end) + page - 1) & ~(page - 1)
    guard to > from, let address = UnsafeMutableRawPointer(bitPattern: from) else { return }
    let populateRead: Int32 = 22
    _ = madvise(address, to - from, populateRead)
    #endif
}

/// Maps the regular file at `path` read-only; the caller unmaps it (`munmap`) when done.
///
/// - Parameters:
///   - atLeast: the fewest bytes the file may have, else it is reported truncated;
///   - what: what those bytes are, for that message.
/// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` naming the file and the problem.
func mapReadOnly(path: String, atLeast minimum: Int, what: String) throws -> (base: UnsafeRawPointer, size: Int) {
    func fail(_ problem: String) -> EmbeddingError { .invalidModelFile(path: path, problem: problem) }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw fail("cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw fail("cannot stat: \(String(cString: strerror(errno)))") }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw fail("not a regular file") }
    let size = Int(info.st_size)
    guard size >= minimum else { throw fail("truncated: \(size) bytes, shorter than \(what)") }
    guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
        throw fail("cannot map: \(String(cString: strerror(errno)))")
    }
    return (UnsafeRawPointer(mapped), size)
}
