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
        return .success(try JSONParser.parse(bytes))
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
func forEachJSONLine(
    _ path: String, result: inout ReadResult, _ body: (JSONValue, Int) throws -> Void
) throws -> String {
    var reader = try LineReader(path: path)
    var pendingError: (line: Int, reason: String)?
    while true {
        let parsed: (Result<JSONValue, JSONParseError>?, Int)? = try reader.next { bytes in
            guard let bytes else { return (nil, 0) }
            if isBlank(bytes) { return (.success(.null), 0) }
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

/// ISO 8601 text of a UNIX time in seconds (mini-swe-agent records times that way).
func isoDate(fromUnix seconds: Double) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date(timeIntervalSince1970: seconds))
}
