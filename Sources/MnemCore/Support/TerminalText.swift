/// Text from memories, remotes and file names made safe to print on a terminal.
///
/// A memory's task, a remote's name or a path in a hostile tree can hold escape sequences that
/// a terminal obeys: clear the screen, retitle the window, rewrite what was printed above, hide
/// text. Every C0 control but newline and tab, DEL, every C1 control (U+0080–U+009F, which
/// some terminals take as 8-bit CSI) and the bidirectional overrides and isolates (which
/// reorder what is shown) are printed as visible escapes instead: `\x1b`, `\x7f`, `\u009b`,
/// `\u202e`.
public enum TerminalText {
    /// `text` with every control character written as a visible escape.
    /// - Complexity: O(n); text without one is returned as it is, after one pass over its bytes.
    public static func escaped(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            rewrite(bytes) { scalar, length in
                let hex = String(scalar, radix: 16)
                return length == 1 ? "\\x" + (hex.count < 2 ? "0" : "") + hex : unicodeEscape(hex)
            }.map { String(decoding: $0, as: UTF8.self) }
        } ?? text
    }

    /// JSON text with the controls JSON leaves raw (DEL, C1, bidirectional) written as `\u` escapes:
    /// the same JSON value, safe on a terminal. C0 controls are already escaped in any valid JSON.
    public static func escapedJSON(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBufferPointer { buffer in
            rewrite(buffer) { scalar, _ in unicodeEscape(String(scalar, radix: 16)) }
        } ?? bytes
    }

    static func unicodeEscape(_ hex: String) -> String { "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex }

    /// `bytes` with each sequence that must be escaped replaced by `replacement(scalar, length)`,
    /// or nil when there is none.
    static func rewrite(_ bytes: UnsafeBufferPointer<UInt8>, _ replacement: (UInt32, Int) -> String) -> [UInt8]? {
        guard let first = firstUnsafe(bytes) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        out.append(contentsOf: bytes[0..<first])
        var i = first
        while i < bytes.count {
            let n = unsafeLength(bytes, at: i)
            if n == 0 {
                out.append(bytes[i])
                i += 1
            } else {
                out.append(contentsOf: replacement(decode(bytes, at: i, length: n), n).utf8)
                i += n
            }
        }
        return out
    }

    /// The offset of the first byte sequence that must be escaped, or nil.
    static func firstUnsafe(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            // Printable ASCII and UTF-8 lead bytes other than C2 and E2 are never the start of one.
            if b >= 0x20 && b < 0x7F || b == 0x0A || b == 0x09 || b >= 0x80 && b != 0xC2 && b != 0xE2 {
                i += 1
                continue
            }
            if unsafeLength(bytes, at: i) > 0 { return i }
            i += 1
        }
        return nil
    }

    /// The length of the sequence at `i` that must be escaped, or 0.
    @inline(__always)
    static func unsafeLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let b = bytes[i]
        if b < 0x20 { return b == 0x0A || b == 0x09 ? 0 : 1 }
        if b == 0x7F { return 1 }
        if b == 0xC2, i + 1 < bytes.count, bytes[i + 1] >= 0x80, bytes[i + 1] <= 0x9F { return 2 }
        if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] >= 0xAA, bytes[i + 2] <= 0xAE { return 3 }  // U+202A–U+202E
        if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x81, bytes[i + 2] >= 0xA6, bytes[i + 2] <= 0xA9 { return 3 }  // U+2066–U+2069
        return 0
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, length: Int) -> UInt32 {
        switch length {
        case 1: return UInt32(bytes[i])
        case 2: return UInt32(bytes[i] & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
        default: return UInt32(bytes[i] & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
        }
    }
}
