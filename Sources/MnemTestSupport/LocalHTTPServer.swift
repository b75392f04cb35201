import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 and a free port, answering each request with a handler's
/// canned response; one connection at a time, `Connection: close`. The stand-in for paid HTTP
/// APIs (embeddings, chat completions) that the real clients are tested against. For tests only.
///
/// `@unchecked Sendable`: `requests` is guarded by `lock`; the other properties are set in init.
public final class LocalHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public let method: String
        public let path: String
        public let headers: [String: String]  // Lowercased names.
        public let body: Data

        /// The request as text: request line, header lines, a blank line, the body.
        public var text: String {
            "\(method) \(path)\r\n" + headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
                + String(decoding: body, as: UTF8.self)
        }
    }

    public struct Response: Sendable {
        /// 0 stands for a server that never answers: it holds the connection for `delay`, then drops it.
        public var status: Int
        /// Sent besides Content-Type, Content-Length and Connection.
        public var headers: [String: String]
        public var body: Data
        /// Seconds to wait before answering.
        public var delay: TimeInterval
        public init(status: Int = 200, headers: [String: String] = [:], json: String, delay: TimeInterval = 0) {
            self.status = status
            self.headers = headers
            self.body = Data(json.utf8)
            self.delay = delay
        }
    }

    public enum ServerError: Error { case socket(String) }

    public let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var recorded: [Request] = []
    private let finished = DispatchSemaphore(value: 0)
    /// Bounds the accept loop whatever happens.
    private let maxConnections = 64

    public var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    public init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ServerError.socket("socket") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw ServerError.socket("bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in
            serve()
            finished.signal()
        }
        thread.start()
    }

    public var baseURL: URL {
        URL(string: "http://127.0.0.1:\(port)")!  // A literal built from an integer: always valid.
    }

    /// Stops accepting and waits for the serving thread to end.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        _ = finished.wait(timeout: .now() + 10)
        close(listener)
    }

    private func serve() {
        for _ in 0..<maxConnections {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func readMore() -> Bool {
            let n = read(client, &chunk, chunk.count)
            guard n > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            headerEnd = buffer.range(of: separator)
            if headerEnd == nil, !readMore() { return }
        }
        guard let headerEnd else { return }
        let head = String(decoding: buffer[..<headerEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" {
            write(client, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count - headerEnd.upperBound < length {
            if !readMore() { return }
        }
        let body = buffer[headerEnd.upperBound..<(headerEnd.upperBound + length)]
        let request = Request(
            method: requestLine.first.map(String.init) ?? "",
            path: requestLine.count > 1 ? String(requestLine[1]) : "",
            headers: headers,
            body: Data(body)
        )
        lock.lock()
        recorded.append(request)
        lock.unlock()
        let response = handler(request)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        if response.status == 0 { return }
        let reason = response.status == 200 ? "OK" : "Status"
        var header = "HTTP/1.1 \(response.status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n"
        for (name, value) in response.headers { header += "\(name): \(value)\r\n" }
        write(client, Data((header + "\r\n").utf8) + response.body)
    }

    private func write(_ client: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))  // Non-empty buffer: base exists.
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
