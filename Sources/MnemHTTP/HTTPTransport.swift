import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A blocking HTTP POST, shared by the clients mnem has (the LLM compactor, the HTTP embedder).
/// One implementation of the URLSession hand-off and its timeouts, so both behave alike.

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

/// `HTTPTransport` over URLSession (FoundationNetworking on Linux), blocking the caller.
public struct URLSessionTransport: HTTPTransport {
    public init() {}

    public func post(_ url: URL, headers: [String: String], body: Data, timeout: Double) throws -> HTTPResponse {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                let nsError = error as NSError
                if nsError.domain == NSURLErrorDomain, nsError.code == NSURLErrorTimedOut {
                    box.set(.failure(TransportError.timedOut(url: url.absoluteString, seconds: timeout)))
                } else {
                    box.set(.failure(TransportError.failed(url: url.absoluteString, reason: error.localizedDescription)))
                }
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields {
                    if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
                }
                box.set(.success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data())))
            } else {
                box.set(.failure(TransportError.failed(url: url.absoluteString, reason: "the response was not HTTP")))
            }
            done.signal()
        }
        task.resume()
        // The session's own timeout should fire first; this bound only guards against a lost callback.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw TransportError.timedOut(url: url.absoluteString, seconds: timeout)
        }
        guard let result = box.get() else { throw TransportError.failed(url: url.absoluteString, reason: "no result") }
        return try result.get()
    }
}

/// The completion handler's result, handed across threads.
private final class ResultBox: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Result<HTTPResponse, any Error>?
    func set(_ result: Result<HTTPResponse, any Error>) { lock.withLock { value = result } }
    func get() -> Result<HTTPResponse, any Error>? { lock.withLock { value } }
}
