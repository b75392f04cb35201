import CMnemCurl
import Foundation

/// A blocking HTTP POST, shared by the clients mnem has (the LLM compactor, the HTTP embedder).
/// One implementation of the request and its timeouts, so both behave alike.

/// An HTTP response, reduced to what the clients read.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why an HTTP request produced no response.
public enum TransportError: Error, Sendable, CustomStringConvertible {
    case timedOut(url: String, seconds: Double)
    case failed(url: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let url, let seconds): "no answer from \(url) within \(Int(seconds)) s"
        case .failed(let url, let reason): "cannot reach \(url): \(reason)"
        }
    }
}

/// Sends one POST and returns the response; the seam tests replace.
public protocol HTTPTransport: Sendable {
    func post(_ url: URL, headers: [String: String], body: Data, timeout: Double) throws -> HTTPResponse
}

/// `HTTPTransport` over libcurl, loaded on first use (see `mnem_curl.h` for why not URLSession).
public struct CurlTransport: HTTPTransport {
    public init() {}

    public func post(_ url: URL, headers: [String: String], body: Data, timeout: Double) throws -> HTTPResponse {
        let address = url.absoluteString
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw TransportError.failed(url: address, reason: "only http and https URLs are supported")
        }
        // Header lines with a CR or LF would smuggle extra headers into the request.
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        if let bad = lines.first(where: { $0.contains("\r") || $0.contains("\n") }) {
            throw TransportError.failed(url: address, reason: "a header contains a line break: \(bad.prefix(40))")
        }
        let milliseconds = max(1, Int(min(timeout, 86_400) * 1000))
        var result = mnem_http_result()
        defer { mnem_http_result_free(&result) }
        let failed = withCStrings(lines) { lineArray in
            body.withUnsafeBytes { bytes in
                mnem_http_post(address, lineArray, lines.count, bytes.baseAddress, bytes.count, milliseconds, &result)
            }
        }
        if failed != 0 {
            if result.timed_out != 0 { throw TransportError.timedOut(url: address, seconds: timeout) }
            let reason = withUnsafeBytes(of: result.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw TransportError.failed(url: address, reason: reason)
        }
        let responseBody = result.body.map { Data(bytes: $0, count: result.body_length) } ?? Data()
        let rawHeaders = result.headers.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: result.headers_length), as: UTF8.self) } ?? ""
        return HTTPResponse(status: result.status, headers: Self.parseHeaders(rawHeaders), body: responseBody)
    }

    /// Header lines as a dictionary, names lower-cased; the status line and malformed lines are skipped.
    static func parseHeaders(_ raw: String) -> [String: String] {
        var headers: [String: String] = [:]
        for line in raw.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { headers[name] = value }
        }
        return headers
    }
}

/// Calls `body` with the strings as an array of C strings that live for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    let pointers = duplicates.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
