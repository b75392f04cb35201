import Foundation
import MnemTestSupport
import MnemHTTP
import Testing

/// The libcurl transport against a real local HTTP server.
@Suite("libcurl transport")
struct CurlTransportTests {
    @Test("sends the body and headers, returns status, headers and body")
    func roundTrip() throws {
        let server = try LocalHTTPServer { request in
            .init(status: 201, json: "{\"echo\": \(request.body.count), \"key\": \"\(request.headers["x-key"] ?? "")\"}")
        }
        defer { server.stop() }
        let url = try #require(URL(string: server.baseURL.absoluteString + "/v1/echo"))
        let body = Data(repeating: 0x61, count: 200_000)
        let response = try CurlTransport().post(url, headers: ["X-Key": "abc", "Content-Type": "text/plain"], body: body, timeout: 10)
        #expect(response.status == 201)
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"echo\": 200000, \"key\": \"abc\"}")
        #expect(response.headers["content-type"] == "application/json")
        let request = try #require(server.requests.first)
        #expect(request.method == "POST" && request.path == "/v1/echo" && request.body == body)
        // libcurl's default "Expect: 100-continue" round trip is turned off.
        #expect(request.headers["expect"] == nil)
    }

    @Test("a server slower than the timeout is a timeout, not a hang")
    func timeout() throws {
        let server = try LocalHTTPServer { _ in .init(json: "{}", delay: 2) }
        defer { server.stop() }
        #expect {
            try CurlTransport().post(server.baseURL, headers: [:], body: Data(), timeout: 0.3)
        } throws: { error in
            if case .timedOut = error as? TransportError { return true }
            return false
        }
    }

    @Test("header injection and other schemes are refused before anything is sent")
    func refusals() throws {
        let server = try LocalHTTPServer { _ in .init(json: "{}") }
        defer { server.stop() }
        #expect(throws: TransportError.self) {
            try CurlTransport().post(server.baseURL, headers: ["X-A": "1\r\nX-Injected: 2"], body: Data(), timeout: 5)
        }
        for address in ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"] {
            let url = try #require(URL(string: address))
            #expect(throws: TransportError.self) { try CurlTransport().post(url, headers: [:], body: Data(), timeout: 5) }
        }
        #expect(server.requests.isEmpty)
    }
}
