import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small chat-completions server on 127.0.0.1 (a free port), for testing the LLM compactor
/// against real HTTP: it answers scripted replies first, then well-formed memories by kind.
final class ChatStandIn: @unchecked Sendable {
    // @unchecked: `script` and `received` are only touched under `lock`; `listener` and `port`
    // are immutable after init.
    struct Reply: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String
    }

    private let lock = NSLock()
    private var script: [Reply]
    private var received: [String] = []
    /// When set, every request after the script gets this reply.
    private let fallback: Reply?
    private let listener: Int32
    let port: UInt16

    init(script: [Reply] = [], fallback: Reply? = nil) throws {
        self.script = script
        self.fallback = fallback
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StandInError("socket failed") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw StandInError("bind/listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The bodies of the requests received so far.
    var requests: [String] { lock.withLock { received } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            let n = read(connection, &buffer, buffer.count)
            if n <= 0 { break }
            data += buffer[0..<n]
            if headerEnd == nil, let end = Self.find([13, 10, 13, 10], in: data) {
                headerEnd = end + 4
                let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headerEnd, data.count >= headerEnd + contentLength { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        let reply: Reply = lock.withLock {
            received.append(text)
            if !script.isEmpty { return script.removeFirst() }
            return fallback ?? Self.memoryReply(for: text)
        }
        // Status 0 stands for a server that never answers: hold the connection, then drop it.
        if reply.status == 0 {
            Thread.sleep(forTimeInterval: 3)
            return
        }
        let body = Array(reply.body.utf8)
        var head = "HTTP/1.1 \(reply.status) \(reply.status == 200 ? "OK" : "Status")\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBufferPointer { write(connection, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            offset += n
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// A chat-completions response whose message content is `content`.
    static func chat(_ content: String) -> Reply {
        let escaped = content.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return Reply(
            status: 200,
            body: #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""# + escaped
                + #""},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":50,"total_tokens":150}}"#)
    }

    static let workflowJSON = #"{"goal":"Fix a reported bug in a library","steps":[{"category":"search","action":"grep -rn <identifier> <dir>"},{"category":"edit","action":"replace text in <file.py>"},{"category":"test","action":"pytest <test>"}]}"#
    static let summaryJSON = #"{"taskSummary":"Fix a crash on empty input.","environment":"Python, pytest","actions":"searched, edited, tested","results":"tests passed","why":"the fix was validated by the tests"}"#
    static let insightJSON = #"{"title":"Validate every fix with the tests","description":"Run the test suite after the final edit.","content":"A change is done only when the tests pass on its final version."}"#

    /// A valid memory for whichever kind the prompt asks for.
    static func memoryReply(for request: String) -> Reply {
        if request.contains("workflow") { return chat(workflowJSON) }
        if request.contains("Summarize it") { return chat(summaryJSON) }
        return chat("```json\n" + insightJSON + "\n```")
    }
}

struct StandInError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
