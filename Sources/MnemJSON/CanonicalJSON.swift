/// Writes JSON in mnem's canonical form.
///
/// The form: object keys sorted by their UTF-8 bytes, two-space indentation, `": "` between key
/// and value, empty containers as `{}` and `[]`, strings escaped minimally (quote, backslash,
/// control characters; everything else as raw UTF-8), integers as integers, other numbers in
/// Swift's shortest round-tripping form, and a trailing newline at the end of a document.
/// Equal values always give equal bytes, which is what makes content-derived ids stable.
public enum CanonicalJSON {
    /// The canonical document for `value`, with its trailing newline.
    public static func document(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, indent: 0, pretty: true, into: &out)
        out.append(0x0A)
        return out
    }

    /// The canonical form on one line, with no whitespace (for hashing and JSON lines).
    public static func compact(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(value, indent: 0, pretty: false, into: &out)
        return out
    }

    public static func compactString(_ value: JSONValue) -> String {
        String(decoding: compact(value), as: UTF8.self)
    }

    public static func documentString(_ value: JSONValue) -> String {
        String(decoding: document(value), as: UTF8.self)
    }

    static func write(_ value: JSONValue, indent: Int, pretty: Bool, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out.append(contentsOf: [0x5B, 0x5D]); return }
            out.append(0x5B)
            for (n, element) in elements.enumerated() {
                if n > 0 { out.append(0x2C) }
                if pretty { newline(indent + 1, into: &out) }
                write(element, indent: indent + 1, pretty: pretty, into: &out)
            }
            if pretty { newline(indent, into: &out) }
            out.append(0x5D)
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: [0x7B, 0x7D]); return }
            out.append(0x7B)
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (n, key) in keys.enumerated() {
                if n > 0 { out.append(0x2C) }
                if pretty { newline(indent + 1, into: &out) }
                writeString(key, into: &out)
                out.append(0x3A)
                if pretty { out.append(0x20) }
                // Force-unwrap free: the key came from the dictionary itself.
                if let member = members[key] {
                    write(member, indent: indent + 1, pretty: pretty, into: &out)
                }
            }
            if pretty { newline(indent, into: &out) }
            out.append(0x7D)
        }
    }

    private static func newline(_ indent: Int, into out: inout [UInt8]) {
        out.append(0x0A)
        for _ in 0..<(indent * 2) { out.append(0x20) }
    }

    private static func writeDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: Array("null".utf8)); return }
        if d.rounded() == d, abs(d) < 1e15 {
            out.append(contentsOf: String(Int64(d)).utf8)
            if d == 0, d.sign == .minus { return }
            return
        }
        out.append(contentsOf: "\(d)".utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var text = s
        text.withUTF8 { bytes in
            // Copy runs of bytes that need no escape in one go; escape the rest one by one.
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                    i += 1
                    continue
                }
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                switch byte {
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                case 0x08: out.append(0x5C); out.append(0x62)
                case 0x0C: out.append(0x5C); out.append(0x66)
                default:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0xF)])
                }
                i += 1
                runStart = i
            }
            if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(0x22)
    }
}
