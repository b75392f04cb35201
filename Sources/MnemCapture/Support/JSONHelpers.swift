import Foundation
import MnemCore

extension JSONValue {
    /// Compact canonical JSON text of the value (a tool's arguments as a step's input).
    var compactText: String { CanonicalJSON.compactString(self) }

    /// The text of a message `content`: a string, or the `text` of a list of blocks
    /// (`{"type":"text","text":…}`), images shown as `[image]`.
    var contentText: String {
        switch self {
        case .string(let s): return s
        case .array(let blocks):
            var parts: [String] = []
            for block in blocks {
                if let s = block.stringValue {
                    parts.append(s)
                } else if let text = block["text"]?.stringValue {
                    parts.append(text)
                } else if block["type"]?.stringValue == "image" || block["type"]?.stringValue == "input_image" {
                    parts.append("[image]")
                } else if let inner = block["content"] {
                    parts.append(inner.contentText)
                }
            }
            return parts.joined(separator: "\n")
        case .null: return ""
        case .object:
            if let text = self["text"]?.stringValue { return text }
            return compactText
        default: return compactText
        }
    }

    /// A string member, or nil when absent, null or empty.
    func string(_ key: String) -> String? {
        guard let s = self[key]?.stringValue, !s.isEmpty else { return nil }
        return s
    }
}

/// Parses one JSONL line, or explains why it is not JSON.
func parseLine(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
    do throws(JSONParseError) {
        return .success(try JSONParser.parse(bytes, duplicateKeys: .lastWins))
    } catch {
        return .failure(error)
    }
}

/// Whether a line holds only spaces and tabs.
func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
}

/// Reads a JSONL file line by line, calling `body` with each parsed line and its number;
/// lines that are not JSON are skipped and recorded in `result` (the last one as truncated).
/// - Returns: the digest of the file.
///
/// - Parameter skip: a cheap test on a line's bytes; lines it accepts are not parsed (a reader
///   uses it for record types it ignores and that make up much of its files).
func forEachJSONLine(
    _ path: String, result: inout ReadResult, skip: ((UnsafeBufferPointer<UInt8>) -> Bool)? = nil,
    _ body: (JSONValue, Int) throws -> Void
) throws -> String {
    var reader = try LineReader(path: path)
    var pendingError: (line: Int, reason: String)?
    while true {
        let parsed: (Result<JSONValue, JSONParseError>?, Int)? = try reader.next { bytes in
            guard let bytes else { return (nil, 0) }
            if isBlank(bytes) { return (.success(.null), 0) }
            if let skip, skip(bytes) { return (.success(.null), 0) }
            return (parseLine(bytes), 0)
        }
        guard let parsed else { break }
        let lineNumber = reader.lineNumber
        if let pending = pendingError {
            result.skipLine(file: path, line: pending.line, reason: pending.reason)
            pendingError = nil
        }
        switch parsed.0 {
        case .none:
            result.skipLine(file: path, line: lineNumber, reason: "line longer than \(LineReader.maxLineLength) bytes")
        case .success(.null):
            continue
        case .success(let value):
            try body(value, lineNumber)
        case .failure(let error):
            pendingError = (lineNumber, "not JSON (\(error.reason), column \(error.column))")
        }
    }
    if let pending = pendingError {
        result.skipLine(file: path, line: pending.line, reason: "truncated last line: \(pending.reason)")
    }
    return reader.digest()
}

/// ISO 8601 text (UTC, milliseconds) of a UNIX time in seconds, as mini-swe-agent records times.
/// Computed directly: a DateFormatter per message went through ICU and showed in profiles.
func isoDate(fromUnix seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e12 else { return "" }
    let millisTotal = Int64((seconds * 1000).rounded())
    var days = millisTotal / 86_400_000
    var millis = millisTotal % 86_400_000
    if millis < 0 {
        millis += 86_400_000
        days -= 1
    }
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func pad(_ n: Int64, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    let h = millis / 3_600_000
    let m = millis / 60_000 % 60
    let sec = millis / 1_000 % 60
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(sec, 2)).\(pad(millis % 1_000, 3))Z"
}

/// The text between the first `open` and the following `close`, or nil.
func textBetween(_ text: String, _ open: String, _ close: String) -> String? {
    var t = text
    return t.withUTF8 { b -> String? in
        var o = open
        var c = close
        guard let a = o.withUTF8({ ByteSearch.find($0, in: b) }) else { return nil }
        let from = a + open.utf8.count
        let rest = UnsafeBufferPointer(rebasing: b[from...])
        guard let e = c.withUTF8({ ByteSearch.find($0, in: rest) }) else { return nil }
        return String(decoding: b[from..<(from + e)], as: UTF8.self)
    }
}
