/// The element type of the stored vectors.
public enum VectorElementType: UInt32, Sendable, CaseIterable {
    case float16 = 1
    case float32 = 2

    public var byteWidth: Int { self == .float16 ? 2 : 4 }
    public var name: String { self == .float16 ? "float16" : "float32" }
}

/// The byte layout of a sidecar file (all integers little-endian).
///
/// ```
/// 0    header, 256 bytes
///        0  magic "MNEMVEC\0"            8  u32 version          12 u32 element type
///       16  u32 dimension               20  u32 stride (bytes per vector, a multiple of 64)
///       24  u64 count                   32  u64 string table bytes
///       40  u64 ids offset              48  u64 columns offset  56 u64 strings offset
///       64  u64 vectors offset          72  u64 file length
///       80  commit, 40 hex (ASCII)     120  u32 embedder id length  124 u32 string count
///      128  embedder id, ≤ 96 bytes, zero-padded
///      224  u64 metadata checksum (ids … removed rows)   232 u64 vectors checksum
///      240  u64 base (version 2): 0 for a base segment; for a delta, the header checksum of the
///           base it follows (version 1: reserved, 0)
///      248  u64 header checksum (bytes 0..<248)
/// 256  ids: count × 20 bytes (the memory id's 40 hex digits as binary), sorted ascending
///      blobs: count × 20 bytes, the git blob of each memory's file, so a hit is read without tree lookups
///      kinds: count × u8 (MemoryKind.abstraction); outcomes: count × u8 (0 success, 1 failure, 2 unknown)
///      domains: count × u32, 4-aligned; models: count × u32 (0xFFFFFFFF: none) — indexes into the strings
///      strings, 8-aligned: the sorted distinct domains and models, each u32 length + UTF-8 bytes
///      removed rows (version 2), 8-aligned: u64 n, then n × u32, ascending: the rows of the base
///           that a delta removes (a base has none)
///      vectors, 64-aligned: count × stride bytes, each vector zero-padded to the stride
/// ```
///
/// Every offset follows from count, stride, the string table's size and the removed rows' count;
/// the reader recomputes them and compares, so a count inconsistent with the file's size is
/// caught before any access. Version 1 files (no removed rows, no base) are read as bases.
///
/// An index is a base segment and at most one delta (see `IndexSnapshot`): an update writes the
/// rows added since the base, and the base rows it removes, to the delta alone, so its cost
/// follows the change rather than the pool.
struct SidecarLayout: Equatable {
    static let magic: [UInt8] = Array("MNEMVEC\0".utf8)
    /// The version written; `supportedVersions` are read.
    static let version: UInt32 = 2
    static let supportedVersions: ClosedRange<UInt32> = 1...2
    static let headerSize = 256
    static let idSize = 20
    static let maxEmbedderIDBytes = 96
    static let noString: UInt32 = 0xFFFF_FFFF

    enum Field {
        static let version = 8, elementType = 12, dimension = 16, stride = 20, count = 24, stringBytes = 32
        static let idsOffset = 40, columnsOffset = 48, stringsOffset = 56, vectorsOffset = 64, fileLength = 72
        static let commit = 80, embedderIDLength = 120, stringCount = 124, embedderID = 128
        static let metadataChecksum = 224, vectorsChecksum = 232, base = 240, headerChecksum = 248
    }

    var count: Int
    var stride: Int
    var stringBytes: Int
    /// Rows of the base a delta removes (0 for a base, and for every version 1 file).
    var removedCount = 0
    var version = SidecarLayout.version

    var idsOffset: Int { Self.headerSize }
    var blobsOffset: Int { idsOffset + count * Self.idSize }
    var kindsOffset: Int { blobsOffset + count * Self.idSize }
    var outcomesOffset: Int { kindsOffset + count }
    var domainsOffset: Int { align(outcomesOffset + count, 4) }
    var modelsOffset: Int { domainsOffset + count * 4 }
    var stringsOffset: Int { align(modelsOffset + count * 4, 8) }
    /// Where the removed rows' count is (version 2).
    var removedOffset: Int { align(stringsOffset + stringBytes, 8) }
    var vectorsOffset: Int {
        version >= 2 ? align(removedOffset + 8 + removedCount * 4, 64) : align(stringsOffset + stringBytes, 64)
    }
    var fileLength: Int { vectorsOffset + count * stride }

    /// Bytes per stored vector: the elements rounded up to whole 64-byte lines, so every vector
    /// starts on a cache line and the scan needs no tail loop.
    static func stride(dimension: Int, elementType: VectorElementType) -> Int {
        align(dimension * elementType.byteWidth, 64)
    }
}

func align(_ value: Int, _ alignment: Int) -> Int {
    (value + alignment - 1) / alignment * alignment
}

/// A memory id as 20 bytes, in three words whose numeric order is the hex order.
public struct PackedID: Sendable, Hashable, Comparable {
    var high: UInt64
    var middle: UInt64
    var low: UInt32

    /// Packs a 40-hex-digit id; nil for anything else.
    public init?(hex: String) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(20)
        var pending: UInt8 = 0
        var half = false
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            default: return nil
            }
            if half { bytes.append(pending << 4 | v) } else { pending = v }
            half.toggle()
        }
        guard bytes.count == 20, !half else { return nil }
        self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) {
        var h: UInt64 = 0, m: UInt64 = 0, l: UInt32 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { m = m << 8 | UInt64(bytes[i]) }
        for i in 16..<20 { l = l << 8 | UInt32(bytes[i]) }
        (high, middle, low) = (h, m, l)
    }

    /// Reads 20 bytes at `pointer`.
    init(_ pointer: UnsafeRawPointer) {
        high = UInt64(bigEndian: pointer.loadUnaligned(as: UInt64.self))
        middle = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        low = UInt32(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: high.bigEndian, as: UInt64.self)
        pointer.storeBytes(of: middle.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    /// The 40 lower-case hex digits, written straight into the string (a search makes two per hit).
    public var hex: String {
        String(unsafeUninitializedCapacity: 40) { out in
            func digit(_ nibble: UInt64) -> UInt8 { nibble < 10 ? 0x30 &+ UInt8(nibble) : 0x57 &+ UInt8(nibble) }
            for i in 0..<16 {
                out[i] = digit((high >> UInt64(60 - 4 * i)) & 0xF)
                out[16 + i] = digit((middle >> UInt64(60 - 4 * i)) & 0xF)
            }
            for i in 0..<8 { out[32 + i] = digit(UInt64(low >> UInt32(28 - 4 * i)) & 0xF) }
            return 40
        }
    }

    public static func < (a: PackedID, b: PackedID) -> Bool {
        (a.high, a.middle, a.low) < (b.high, b.middle, b.low)
    }
}
