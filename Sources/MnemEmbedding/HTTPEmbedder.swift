import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Embeds through any OpenAI-compatible server: `POST {baseURL}/v1/embeddings` with
/// `{"model": …, "input": […]}`, reading `data[i].embedding` (ordered by `data[i].index`).
///
/// Texts are sent in batches of ``batchSize``; each request has a timeout. A status outside
/// 200–299, a body that is not the expected JSON, a wrong number of vectors or vectors of another
/// length than ``dimension`` are thrown as ``EmbeddingError``s that name the URL. Vectors are
/// L2-normalized here, whatever the server does. `embed` blocks the calling thread.
public struct HTTPEmbedder: Embedder {
    public let baseURL: URL
    public let model: String
    public let dimension: Int
    public let batchSize: Int
    public let timeout: TimeInterval
    private let apiKey: String?

    public var id: String { "http:\(model)@\(baseURL.host ?? baseURL.absoluteString)" }

    /// The endpoint, `{baseURL}/v1/embeddings`.
    public var endpoint: URL { baseURL.appendingPathComponent("v1").appendingPathComponent("embeddings") }

    /// - Parameters:
    ///   - baseURL: The server, e.g. `https://api.openai.com` or `http://127.0.0.1:8080`.
    ///   - model: The model name sent with each request.
    ///   - dimension: The length the server's vectors must have.
    ///   - apiKey: Sent as `Authorization: Bearer <apiKey>` when given.
    ///   - batchSize: Texts per request.
    ///   - timeout: Seconds before a request is abandoned.
    /// - Throws: ``EmbeddingError/invalidArgument(_:)`` for a non-positive dimension, batch size or timeout.
    public init(baseURL: URL, model: String, dimension: Int, apiKey: String? = nil, batchSize: Int = 64, timeout: TimeInterval = 30) throws {
        guard dimension > 0 else { throw EmbeddingError.invalidArgument("dimension \(dimension) must be positive") }
        guard batchSize > 0 else { throw EmbeddingError.invalidArgument("batch size \(batchSize) must be positive") }
        guard timeout > 0 else { throw EmbeddingError.invalidArgument("timeout \(timeout) must be positive") }
        self.baseURL = baseURL
        self.model = model
        self.dimension = dimension
        self.apiKey = apiKey
        self.batchSize = batchSize
        self.timeout = timeout
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            vectors += try embedBatch(batch)
            start += batch.count
        }
        return vectors
    }

    private struct RequestBody: Encodable {
        let model: String
        let input: [String]
    }

    private struct ResponseBody: Decodable {
        struct Item: Decodable {
            let index: Int?
            let embedding: [Float]
        }
        let data: [Item]
    }

    private func embedBatch(_ texts: [String]) throws -> [[Float]] {
        let url = endpoint.absoluteString
        var request = URLRequest(url: endpoint, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        do {
            request.httpBody = try JSONEncoder().encode(RequestBody(model: model, input: texts))
        } catch {
            throw EmbeddingError.invalidArgument("cannot encode the request: \(error)")
        }

        let (data, status) = try send(request, url: url)
        guard (200..<300).contains(status) else {
            throw EmbeddingError.httpStatus(url: url, status: status, body: String(decoding: data.prefix(1000), as: UTF8.self))
        }
        let response: ResponseBody
        do {
            response = try JSONDecoder().decode(ResponseBody.self, from: data)
        } catch {
            throw EmbeddingError.malformedResponse(url: url, problem: "not an embeddings response: \(error)")
        }
        guard response.data.count == texts.count else {
            throw EmbeddingError.malformedResponse(url: url, problem: "\(response.data.count) embeddings for \(texts.count) inputs")
        }
        var ordered = [[Float]?](repeating: nil, count: texts.count)
        for (position, item) in response.data.enumerated() {
            let index = item.index ?? position
            guard ordered.indices.contains(index), ordered[index] == nil else {
                throw EmbeddingError.malformedResponse(url: url, problem: "embedding index \(index) is out of range or repeated")
            }
            guard item.embedding.count == dimension else {
                throw EmbeddingError.dimensionMismatch(expected: dimension, actual: item.embedding.count)
            }
            var vector = item.embedding
            vector.withUnsafeMutableBufferPointer { normalize($0) }
            ordered[index] = vector
        }
        return ordered.compactMap { $0 }
    }

    /// Result of a request, handed from URLSession's queue to the waiting caller.
    /// `@unchecked Sendable`: written once before `signal()`, read after `wait()`, and the lock
    /// orders the two even without relying on the semaphore.
    private final class Outcome: @unchecked Sendable {
        let lock = NSLock()
        var data: Data?
        var status = 0
        var error: Error?
    }

    private func send(_ request: URLRequest, url: String) throws -> (Data, Int) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.lock.lock()
            outcome.data = data
            outcome.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            outcome.error = error
            outcome.lock.unlock()
            done.signal()
        }
        task.resume()
        // The session's own timeout fires first; this guards against a callback that never comes.
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw EmbeddingError.transport(url: url, problem: "no answer within \(timeout) s")
        }
        outcome.lock.lock()
        defer { outcome.lock.unlock() }
        if let error = outcome.error {
            throw EmbeddingError.transport(url: url, problem: error.localizedDescription)
        }
        guard outcome.status != 0 else {
            throw EmbeddingError.transport(url: url, problem: "no HTTP response")
        }
        return (outcome.data ?? Data(), outcome.status)
    }
}
