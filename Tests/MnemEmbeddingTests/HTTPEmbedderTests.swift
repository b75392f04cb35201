import Foundation
import MnemTestSupport
import Testing
@testable import MnemEmbedding

/// The real HTTPEmbedder against a real TCP server on 127.0.0.1.
@Suite("HTTP embedder", .serialized)
struct HTTPEmbedderTests {
    /// The stand-in's answer for one input: [utf8 length, 1, 0, 2].
    static func fakeVector(_ text: String) -> [Float] { [Float(text.utf8.count), 1, 0, 2] }

    /// An OpenAI-style answer, with `data` in reverse order to check that `index` is honoured.
    static func embeddingsAnswer(_ request: LocalHTTPServer.Request, dimension: Int = 4) -> LocalHTTPServer.Response {
        guard let json = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
              let input = json["input"] as? [String] else {
            return .init(status: 400, json: #"{"error":"bad request"}"#)
        }
        let items = input.enumerated().reversed().map { index, text in
            let vector = (fakeVector(text) + Array(repeating: 0, count: max(0, dimension - 4))).prefix(dimension)
            return #"{"object":"embedding","index":\#(index),"embedding":[\#(vector.map { "\($0)" }.joined(separator: ","))]}"#
        }
        return .init(json: #"{"object":"list","model":"m","data":[\#(items.joined(separator: ","))]}"#)
    }

    static func withServer<T>(_ handler: @escaping @Sendable (LocalHTTPServer.Request) -> LocalHTTPServer.Response,
                              _ body: (LocalHTTPServer) throws -> T) throws -> T {
        let server = try LocalHTTPServer(handler: handler)
        defer { server.stop() }
        return try body(server)
    }

    @Test("batches, sends the key and model, keeps order, normalizes")
    func success() throws {
        try Self.withServer({ Self.embeddingsAnswer($0) }) { server in
            let embedder = try HTTPEmbedder(baseURL: server.baseURL, model: "text-embed-small", dimension: 4, apiKey: "sk-test", batchSize: 2, timeout: 10)
            let texts = ["a", "bb", "ccc", "dddd", "ééééé"]
            let vectors = try embedder.embed(texts)
            #expect(vectors.count == 5)
            for (text, vector) in zip(texts, vectors) {
                var expected = Self.fakeVector(text)
                let norm = expected.reduce(0) { $0 + $1 * $1 }.squareRoot()
                expected = expected.map { $0 / norm }
                #expect(zip(vector, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(text)")
            }
            let requests = server.requests
            #expect(requests.count == 3)
            for request in requests {
                #expect(request.method == "POST")
                #expect(request.path == "/v1/embeddings")
                #expect(request.headers["authorization"] == "Bearer sk-test")
                let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
                #expect(json["model"] as? String == "text-embed-small")
            }
            let inputs = requests.compactMap { (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["input"] as? [String] }
            #expect(inputs == [["a", "bb"], ["ccc", "dddd"], ["ééééé"]])
            #expect(try embedder.embed([]).isEmpty)
        }
    }

    @Test("a status outside 2xx is thrown with the status", arguments: [500, 429, 401])
    func errorStatus(_ status: Int) throws {
        try Self.withServer({ _ in .init(status: status, json: #"{"error":{"message":"nope"}}"#) }) { server in
            let embedder = try HTTPEmbedder(baseURL: server.baseURL, model: "m", dimension: 4, timeout: 10)
            do {
                _ = try embedder.embed(["x"])
                Issue.record("expected an error")
            } catch let EmbeddingError.httpStatus(url, actual, body) {
                #expect(actual == status)
                #expect(url.hasSuffix("/v1/embeddings"))
                #expect(body.contains("nope"))
            }
        }
    }

    enum BadAnswer: String, CaseIterable, CustomTestStringConvertible {
        case notJSON, wrongShape, tooFew, badIndex
        var testDescription: String { rawValue }
        var json: String {
            switch self {
            case .notJSON: return "<html>gateway</html>"
            case .wrongShape: return #"{"data":[{"vector":[1,2,3,4]}]}"#
            case .tooFew: return #"{"data":[]}"#
            case .badIndex: return #"{"data":[{"index":7,"embedding":[1,0,0,0]}]}"#
            }
        }
    }

    @Test("a malformed answer is thrown as such", arguments: BadAnswer.allCases)
    func malformed(_ answer: BadAnswer) throws {
        try Self.withServer({ _ in .init(json: answer.json) }) { server in
            let embedder = try HTTPEmbedder(baseURL: server.baseURL, model: "m", dimension: 4, timeout: 10)
            #expect {
                try embedder.embed(["x"])
            } throws: { error in
                if case .malformedResponse = error as? EmbeddingError { return true }
                return false
            }
        }
    }

    @Test("vectors of the wrong dimension are refused")
    func wrongDimension() throws {
        try Self.withServer({ Self.embeddingsAnswer($0, dimension: 3) }) { server in
            let embedder = try HTTPEmbedder(baseURL: server.baseURL, model: "m", dimension: 4, timeout: 10)
            #expect(throws: EmbeddingError.dimensionMismatch(expected: 4, actual: 3)) { try embedder.embed(["x"]) }
        }
    }

    @Test("a slow server times out")
    func timeout() throws {
        try Self.withServer({ Self.embeddingsAnswer($0).delayed(3) }) { server in
            let embedder = try HTTPEmbedder(baseURL: server.baseURL, model: "m", dimension: 4, timeout: 0.5)
            #expect {
                try embedder.embed(["x"])
            } throws: { error in
                if case .transport = error as? EmbeddingError { return true }
                return false
            }
        }
    }

    @Test("a refused connection is a transport error")
    func refused() throws {
        let server = try LocalHTTPServer { _ in .init(json: "{}") }
        let url = server.baseURL
        server.stop()
        let embedder = try HTTPEmbedder(baseURL: url, model: "m", dimension: 4, timeout: 5)
        #expect {
            try embedder.embed(["x"])
        } throws: { error in
            if case .transport = error as? EmbeddingError { return true }
            return false
        }
    }

    @Test("bad settings are refused")
    func badSettings() throws {
        let url = try #require(URL(string: "http://127.0.0.1:9"))
        #expect(throws: EmbeddingError.self) { try HTTPEmbedder(baseURL: url, model: "m", dimension: 0) }
        #expect(throws: EmbeddingError.self) { try HTTPEmbedder(baseURL: url, model: "m", dimension: 4, batchSize: 0) }
    }
}

extension LocalHTTPServer.Response {
    func delayed(_ seconds: TimeInterval) -> Self {
        var copy = self
        copy.delay = seconds
        return copy
    }
}
