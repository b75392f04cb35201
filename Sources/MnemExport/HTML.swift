/// Escaping for the exported site: every string that came from a memory, a commit or a
/// feedback report passes through here before it reaches a page.
///
/// The site's threat model is a hostile memory (pulled from a teammate's remote, or written by
/// an agent that read a hostile web page): its text must show as text. Pages are built as
/// strings, so escaping is the one defence; the index's script builds its list with DOM text
/// nodes only and never parses markup.
enum HTML {
    /// `text` safe inside an element or a double- or single-quoted attribute value.
    ///
    /// `& < > " '` become character references; NUL and the C0 controls other than tab, line
    /// feed and carriage return (which HTML forbids) become U+FFFD.
    /// - Complexity: O(n); text with nothing to escape is returned without copying per byte.
    static func escape(_ text: String) -> String {
        var text = text
        let needsWork = text.withUTF8 { bytes in
            bytes.contains { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D) || $0 == 0x7F }
        }
        guard needsWork else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 32)
        for byte in text.utf8 {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            case 0x27: out.append(contentsOf: "&#39;".utf8)
            case 0x09, 0x0A, 0x0D: out.append(byte)
            case 0x00..<0x20, 0x7F: out.append(contentsOf: [0xEF, 0xBF, 0xBD])
            default: out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` as a JavaScript string literal (double-quoted) that is also inert inside HTML:
    /// `<`, `>`, `&`, U+2028 and U+2029 are written as `\uXXXX`, so no `</script>` and no
    /// line terminator can end the literal early, wherever the script is loaded.
    static func jsString(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }
}
