/// A memory's id: 40 lower-case hex digits derived from its content.
public struct MemoryID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let length = 40
    public let rawValue: String

    /// Accepts exactly 40 lower-case hex digits.
    public init?(_ text: String) {
        guard text.utf8.count == Self.length, Self.isHex(text) else { return nil }
        rawValue = text
    }

    init(unchecked text: String) { rawValue = text }

    /// The id whose 20 bytes are `bytes` (the form binary files keep ids in); nil for another count.
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Self.length / 2 else { return nil }
        let digits: StaticString = "0123456789abcdef"
        rawValue = String(unsafeUninitializedCapacity: Self.length) { out in
            digits.withUTF8Buffer { digits in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = digits[Int(byte >> 4)]
                    out[2 * i + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return Self.length
        }
    }

    public var description: String { rawValue }
    /// The first 12 digits, as `mnem list` shows them.
    public var short: String { String(rawValue.prefix(12)) }

    public static func < (a: MemoryID, b: MemoryID) -> Bool { a.rawValue < b.rawValue }

    /// Whether `text` could be a prefix of an id (hex digits, 4 to 40 of them).
    public static func isPrefix(_ text: String) -> Bool {
        (4...length).contains(text.utf8.count) && isHex(text)
    }

    static func isHex(_ text: String) -> Bool {
        // Over the contiguous bytes: iterating the UTF-8 view costs several times more per byte,
        // and a search validates two ids per hit.
        var text = text
        return text.withUTF8 { bytes in bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } }
    }
}

/// Where memories live in the pool's tree: `memories/<kind>/<first 2 hex>/<id>.json`.
public enum MemoryPath {
    public static let root = "memories"

    public static func path(kind: MemoryKind, id: MemoryID) -> String {
        "\(root)/\(kind.rawValue)/\(id.rawValue.prefix(2))/\(id.rawValue).json"
    }

    /// The kind and id a well-formed memory path names, or nil.
    public static func parse(_ path: String) -> (kind: MemoryKind, id: MemoryID)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Substring(root), let kind = MemoryKind(rawValue: String(parts[1])),
            parts[3].hasSuffix(".json"), let id = MemoryID(String(parts[3].dropLast(5))),
            id.rawValue.hasPrefix(parts[2]), parts[2].count == 2
        else { return nil }
        return (kind, id)
    }
}
