import CGit2

/// A git object id (SHA-1, 20 bytes), held by value.
public struct ObjectID: Sendable, Hashable, Comparable, CustomStringConvertible {
    // Three words rather than an array: ids are compared and hashed on hot paths.
    private var a: UInt64
    private var b: UInt64
    private var c: UInt32

    init(_ oid: git_oid) {
        var copy = oid
        (a, b, c) = withUnsafeBytes(of: &copy.id) { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
    }

    init(_ pointer: UnsafePointer<git_oid>) { self.init(pointer.pointee) }

    /// Reads the 20 raw bytes of an id at `pointer`, in git's order (no parsing of hex text).
    public init(bytes pointer: UnsafeRawPointer) {
        a = pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
        b = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        c = pointer.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
    }

    /// Parses 40 hex digits.
    public init?(hex: String) {
        guard hex.utf8.count == 40 else { return nil }
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self.init(oid)
    }

    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            raw.storeBytes(of: a, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: c, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    public var hex: String {
        var oid = raw
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_fmt(&buffer, &oid)
        buffer[40] = 0
        return String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { hex }

    /// The id's bytes as numbers that compare as the bytes do (the order of a pack index).
    var byteOrderKey: ByteOrderKey { ByteOrderKey(high: a.bigEndian, middle: b.bigEndian, low: c.bigEndian) }

    struct ByteOrderKey: Comparable {
        var high: UInt64
        var middle: UInt64
        var low: UInt32
        static func < (l: Self, r: Self) -> Bool { (l.high, l.middle, l.low) < (r.high, r.middle, r.low) }
    }

    /// The id's first byte (a pack index's fan-out bucket).
    var firstByte: UInt8 { UInt8(truncatingIfNeeded: a) }

    public var isZero: Bool { a == 0 && b == 0 && c == 0 }

    public static func < (l: ObjectID, r: ObjectID) -> Bool { l.hex < r.hex }
}

/// A file mode of a tree entry, with the values git uses.
public enum FileMode: UInt32, Sendable {
    case tree = 0o040000
    case blob = 0o100644
    case executable = 0o100755
    case symlink = 0o120000
    case submodule = 0o160000
    case unknown = 0

    init(_ raw: git_filemode_t) { self = FileMode(rawValue: raw.rawValue) ?? .unknown }
    var raw: git_filemode_t { git_filemode_t(rawValue) }
}
