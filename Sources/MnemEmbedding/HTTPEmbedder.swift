import Foundation
import MnemHTTP

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
    private let transport: any HTTPTransport = CurlTransport()

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
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        let body: Data
        do {
            body = try JSONEncoder().encode(RequestBody(model: model, input: texts))
        } catch {
            throw EmbeddingError.invalidArgument("cannot encode the request: \(error)")
        }

        let response: HTTPResponse
        do {
            response = try transport.post(endpoint, headers: headers, body: body, timeout: timeout)
        } catch let error as TransportError {
            switch error {
            case .timedOut: throw EmbeddingError.transport(url: url, problem: "no answer within \(timeout) s")
            case .failed(_, let reason): throw EmbeddingError.transport(url: url, problem: reason)
            }
        }
        let data = response.body
        let status = response.status
        guard (200..<300).contains(status) else {
            throw EmbeddingError.httpStatus(url: url, status: status, body: String(decoding: data.prefix(1000), as: UTF8.self))
        }
        let decoded: ResponseBody
        do {
            decoded = try JSONDecoder().decode(ResponseBody.self, from: data)
        } catch {
            throw EmbeddingError.malformedResponse(url: url, problem: "not an embeddings response: \(error)")
        }
        guard decoded.data.count == texts.count else {
            throw EmbeddingError.malformedResponse(url: url, problem: "\(decoded.data.count) embeddings for \(texts.count) inputs")
        }
        var ordered = [[Float]?](repeating: nil, count: texts.count)
        for (position, item) in decoded.data.enumerated() {
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
}
