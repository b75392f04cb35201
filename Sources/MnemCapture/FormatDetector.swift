import Foundation
import MnemCore

/// What a file turned out to be.
public enum Detection: Sendable, Equatable {
    case format(TranscriptFormat)
    case empty
    case binary
    /// The file could not be opened or read; the reason says why.
    case unreadable(String)
    /// Not a transcript capture reads; the reason says what was seen.
    case unknown(String)
}

/// Decides a file's transcript format from its content, not its name.
///
/// The first 64 KB decide text against binary and Markdown (Aider) against JSON. A JSON Lines
/// file is classified by its first parseable record (up to 5 lines tried, so one corrupt first
/// line does not hide the format); a single JSON document by its top-level shape, parsed whole.
public enum FormatDetector {
    static let headSize = 64 * 1024

    public static func detect(path: String) -> Detection { detectAndLoad(path: path).0 }

    /// The detection, and for a single JSON document the document already parsed (with the
    /// digest of its bytes), so capture does not read and parse it twice.
    static func detectAndLoad(path: String) -> (Detection, (JSONValue, String)?) {
        let detection = sniff(path: path)
        guard case .unknown("single JSON document") = detection else { return (detection, nil) }
        guard let (document, digest) = try? loadDocument(path) else { return (.unknown("not valid JSON or JSON Lines"), nil) }
        guard let format = classify(document) else { return (.unknown("JSON of an unknown shape"), nil) }
        return (.format(format), (document, digest))
    }

    static func sniff(path: String) -> Detection {
        let head: [UInt8]
        switch readHead(path) {
        case .success(let bytes): head = bytes
        case .failure(let error): return .unreadable(error.reason)
        }
        if head.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .empty }
        if isBinary(head) { return .binary }
        var start = 0
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < head.count, [0x20, 0x0A, 0x0D, 0x09].contains(head[start]) { start += 1 }
        let text = String(decoding: head, as: UTF8.self)
        if text.hasPrefix(AiderChatHistory.header) || ByteSearch.contains(text, "\n" + AiderChatHistory.header) {
            return .format(.aider)
        }
        guard start < head.count, head[start] == UInt8(ascii: "{") || head[start] == UInt8(ascii: "[") else {
            return .unknown("neither JSON nor an Aider chat history")
        }
        // JSON Lines: classify by the first record that parses.
        if let format = classifyFirstRecords(path) { return .format(format) }
        // One JSON document: parsed whole by the caller.
        return .unknown("single JSON document")
    }

    /// A NUL byte, or bytes that are not UTF-8, in the head of a file mean binary.
    static func isBinary(_ head: [UInt8]) -> Bool {
        if head.contains(0) { return true }
        // A multi-byte character may be cut at the end of the head: end before its lead byte.
        var end = head.count
        if head.count == headSize {
            var i = head.count - 1
            while i > 0, head.count - i <= 4, head[i] & 0xC0 == 0x80 { i -= 1 }
            end = head[i] >= 0xC0 ? i : head.count
        }
        return String(validating: head[0..<end], as: UTF8.self) == nil
    }

    static func readHead(_ path: String) -> Result<[UInt8], TranscriptError> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(TranscriptError(file: path, line: 0, reason: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: headSize)
        var filled = 0
        while filled < headSize {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(fd, base + filled, headSize - filled)
            }
            if n < 0 { return .failure(TranscriptError(file: path, line: 0, reason: String(cString: strerror(errno)))) }
            if n == 0 { break }
            filled += n
        }
        return .success(Array(buffer[0..<filled]))
    }

    static func classifyFirstRecords(_ path: String) -> TranscriptFormat? {
        guard var reader = try? LineReader(path: path, hashing: false) else { return nil }
        var tried = 0
        while tried < 5 {
            let next: TranscriptFormat??
            do {
                next = try reader.next { bytes -> TranscriptFormat? in
                    guard let bytes, !isBlank(bytes) else { return nil }
                    guard case .success(let value) = parseLine(bytes) else { return nil }
                    return classify(value)
                }
            } catch {
                return nil
            }
            guard let lineResult = next else { return nil }  // end of file
            if let format = lineResult { return format }
            tried += 1
        }
        return nil
    }

    static let claudeTypes: Set<String> = [
        "user", "assistant", "summary", "system", "progress", "file-history-snapshot", "queue-operation",
    ]
    static let geminiStreamTypes: Set<String> = ["init", "message", "tool_use", "tool_result", "result", "error"]

    /// The format a JSON record or document has the shape of.
    static func classify(_ value: JSONValue) -> TranscriptFormat? {
        if let events = value.arrayValue {
            let sample = events.prefix(5)
            if !sample.isEmpty, sample.allSatisfy({ $0["action"] != nil || $0["observation"] != nil }),
                sample.contains(where: { $0["source"] != nil || $0["id"] != nil })
            {
                return .openHandsEvents
            }
            return nil
        }
        guard let object = value.objectValue else { return nil }
        if object["schema_version"]?.stringValue?.hasPrefix("ATIF") == true { return .atif }
        if object["trajectory_format"]?.stringValue?.hasPrefix("mini-swe-agent") == true { return .miniSweAgent }
        if object["messages"] != nil, object["info"]?["mini_version"] != nil { return .miniSweAgent }
        if object["trajectory"]?.arrayValue != nil, object["info"] != nil || object["history"] != nil { return .sweAgent }
        if object["messages"]?.arrayValue != nil, object["sessionId"] != nil, object["projectHash"] != nil || object["startTime"] != nil {
            return .geminiChat
        }
        if object["payload"] != nil, object["timestamp"] != nil, object["type"]?.stringValue != nil { return .codex }
        if object["issue"] != nil, object["history"] != nil || object["instruction"] != nil { return .openHandsResolver }
        if let type = object["type"]?.stringValue {
            if claudeTypes.contains(type),
                object["uuid"] != nil || object["sessionId"] != nil || object["leafUuid"] != nil || object["messageId"] != nil
            {
                return .claudeCode
            }
            if geminiStreamTypes.contains(type),
                object["session_id"] != nil || object["tool_id"] != nil || object["role"] != nil || object["stats"] != nil
            {
                return .geminiStream
            }
        }
        return nil
    }

    /// The reader for a format.
    static func reader(for format: TranscriptFormat) -> any TranscriptReader.Type {
        switch format {
        case .claudeCode: ClaudeCodeTranscript.self
        case .codex: CodexTranscript.self
        case .geminiChat: GeminiChatTranscript.self
        case .geminiStream: GeminiStreamTranscript.self
        case .aider: AiderChatHistory.self
        case .sweAgent: SWEAgentTrajectory.self
        case .miniSweAgent: MiniSWEAgentTrajectory.self
        case .openHandsEvents: OpenHandsEventStream.self
        case .openHandsResolver: OpenHandsResolverOutput.self
        case .atif: ATIFTrajectory.self
        }
    }
}
