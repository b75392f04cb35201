/// An embedder name the registry does not know.
public struct EmbedderError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Makes embedders by the names the command line accepts.
public enum EmbedderRegistry {
    /// The embedder commands use when none is named.
    public static let defaultName = "hash"

    /// The names `makeEmbedder` accepts, for help and error messages.
    public static let names = ["hash", "hash:N"]

    /// The embedder `name` names: `hash` (feature hashing, 256 dimensions) or `hash:N`.
    ///
    /// - Throws: `EmbedderError` for an unknown name or a bad dimension.
    public static func makeEmbedder(name: String) throws -> any VectorEmbedder {
        if name == "hash" { return HashingEmbedder(dimension: 256) }
        if name.hasPrefix("hash:") {
            guard let dimension = Int(name.dropFirst(5)), (8...4096).contains(dimension) else {
                throw EmbedderError("embedder '\(name)': the dimension must be a whole number from 8 to 4096")
            }
            return HashingEmbedder(dimension: dimension)
        }
        throw EmbedderError("unknown embedder '\(name)' (known: \(names.joined(separator: ", ")))")
    }
}
