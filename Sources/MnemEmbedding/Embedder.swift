/// Turns texts into vectors for mnem's index and search.
///
/// An embedder's ``id`` is recorded beside every vector it makes, so vectors made by different
/// embedders (or different versions of one model) are never compared with each other.
/// Returned vectors are L2-normalized; a text with no usable token (empty text, or only
/// unknown tokens for the static model) gives the zero vector.
public protocol Embedder: Sendable {
    /// A stable name for the embedder and its model, e.g. `static:minilm-l6-tl-256@0737aa49`.
    var id: String { get }
    /// The length of every vector ``embed(_:)`` returns.
    var dimension: Int { get }
    /// Embeds each text.
    ///
    /// - Parameter texts: The texts, in any language.
    /// - Returns: One vector of ``dimension`` floats per text, in the same order.
    /// - Throws: ``EmbeddingError`` when the embedder cannot produce the vectors (network, server).
    func embed(_ texts: [String]) throws -> [[Float]]
}

/// Everything that can go wrong while loading a model or embedding texts.
public enum EmbeddingError: Error, Equatable, CustomStringConvertible {
    /// The model file is unreadable, truncated or not a model file.
    case invalidModelFile(path: String, problem: String)
    /// No model file was found at any of the searched places.
    case modelNotFound(searched: [String])
    /// A caller passed an unusable argument (a dimension of 0, a buffer of the wrong size).
    case invalidArgument(String)
    /// The HTTP server answered with a status outside 200–299.
    case httpStatus(url: String, status: Int, body: String)
    /// The HTTP request did not complete (connection refused, timeout, …).
    case transport(url: String, problem: String)
    /// The HTTP server's answer is not the expected JSON.
    case malformedResponse(url: String, problem: String)
    /// The HTTP server returned vectors of another length than the embedder's dimension.
    case dimensionMismatch(expected: Int, actual: Int)

    public var description: String {
        switch self {
        case let .invalidModelFile(path, problem):
            return "invalid model file \(path): \(problem)"
        case let .modelNotFound(searched):
            return "no embedding model found; searched: \(searched.joined(separator: ", "))"
        case let .invalidArgument(problem):
            return "invalid argument: \(problem)"
        case let .httpStatus(url, status, body):
            return "embedding server \(url) answered HTTP \(status): \(body.prefix(300))"
        case let .transport(url, problem):
            return "embedding request to \(url) failed: \(problem)"
        case let .malformedResponse(url, problem):
            return "embedding server \(url) sent a malformed answer: \(problem)"
        case let .dimensionMismatch(expected, actual):
            return "embedding has \(actual) dimensions, expected \(expected)"
        }
    }
}

/// L2-normalizes `vector` in place; the zero vector stays zero.
@inlinable
func normalize(_ vector: UnsafeMutableBufferPointer<Float>) {
    var sum: Float = 0
    for x in vector { sum += x * x }
    guard sum > 0 else { return }
    let scale = 1 / sum.squareRoot()
    for i in vector.indices { vector[i] *= scale }
}
