import Foundation
import MnemEmbedding

/// An embedder name that cannot be made into an embedder.
public struct EmbedderError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Makes embedders from the names commands take (`--embedder`, `$MNEM_EMBEDDER`).
public enum EmbedderRegistry {
    /// The embedder commands use when none is named: the static MiniLM-distilled model.
    public static let defaultName = "static"

    /// The names `makeEmbedder` accepts, for help and error messages.
    public static let names = ["static", "hash", "hash:N", "http", "transformer", "transformer:DIR"]

    /// The embedder `name` names.
    ///
    /// - `static`: the model found by `ModelLocator` (`$MNEM_MODEL`, beside the binary, the checkout's `model/`);
    /// - `hash`, `hash:N`: feature hashing into 256 (or N) dimensions, no model;
    /// - `http`: an OpenAI-compatible `/v1/embeddings` endpoint from `MNEM_EMBED_BASE_URL`,
    ///   `MNEM_EMBED_MODEL`, `MNEM_EMBED_DIMENSION` and `MNEM_EMBED_API_KEY`.
    /// - `transformer`, `transformer:DIR`: the full all-MiniLM-L6-v2 (or a BERT encoder of its
    ///   kind) run natively from a directory with `config.json` and `model.safetensors`, DIR or
    ///   `$MNEM_TRANSFORMER_DIR`; it tokenizes with the static model's vocabulary. Its dense layers
    ///   run in 8 bits, with the quantized weights cached under ``cacheDirectory(_:)``.
    /// - Throws: `EmbedderError` for an unknown name or incomplete settings; `EmbeddingError` for a bad model file.
    public static func makeEmbedder(name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any VectorEmbedder {
        switch name {
        case "static":
            return try StaticEmbedder(locator: ModelLocator(environment: environment))
        case "hash":
            return try HashEmbedder(dimension: 256)
        case "http":
            guard let base = environment["MNEM_EMBED_BASE_URL"], let url = URL(string: base), url.scheme != nil else {
                throw EmbedderError("embedder 'http' needs MNEM_EMBED_BASE_URL (e.g. http://127.0.0.1:11434)")
            }
            guard let model = environment["MNEM_EMBED_MODEL"], !model.isEmpty else {
                throw EmbedderError("embedder 'http' needs MNEM_EMBED_MODEL")
            }
            guard let dimension = environment["MNEM_EMBED_DIMENSION"].flatMap({ Int($0) }), (1...65_536).contains(dimension) else {
                throw EmbedderError("embedder 'http' needs MNEM_EMBED_DIMENSION (the length of the model's vectors)")
            }
            return try HTTPEmbedder(baseURL: url, model: model, dimension: dimension, apiKey: environment["MNEM_EMBED_API_KEY"])
        case "transformer":
            guard let directory = environment["MNEM_TRANSFORMER_DIR"], !directory.isEmpty else {
                throw EmbedderError(
                    "embedder 'transformer' needs a model directory: transformer:DIR or MNEM_TRANSFORMER_DIR (config.json and model.safetensors of sentence-transformers/all-MiniLM-L6-v2)")
            }
            return try transformer(directory, environment)
        default:
            if name.hasPrefix("transformer:") {
                return try transformer(String(name.dropFirst("transformer:".count)), environment)
            }
            if name.hasPrefix("hash:") {
                guard let dimension = Int(name.dropFirst(5)), (8...4096).contains(dimension) else {
                    throw EmbedderError("embedder '\(name)': the dimension must be a whole number from 8 to 4096")
                }
                return try HashEmbedder(dimension: dimension)
            }
            throw EmbedderError("unknown embedder '\(name)' (known: \(names.joined(separator: ", ")))")
        }
    }

    static func transformer(_ directory: String, _ environment: [String: String]) throws -> any VectorEmbedder {
        let vocabulary = try StaticModelFile(path: ModelLocator(environment: environment).locate())
        return try TransformerEmbedder(directory: directory, vocabulary: vocabulary, precision: .int8, cacheDirectory: cacheDirectory(environment))
    }

    /// Where derived model files are kept between processes: `$XDG_CACHE_HOME/mnem`, else
    /// `~/.cache/mnem`; nil without either (the int8 weights are then quantized per process).
    public static func cacheDirectory(_ environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/mnem" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/mnem" }
        return nil
    }
}
