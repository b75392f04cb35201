import CMnemKernels
import Foundation
import MnemJSON

/// The full sentence-transformers all-MiniLM-L6-v2 (or any BERT encoder of its shape), run
/// natively: an optional embedder for teams that want the reference model's rankings and can
/// afford its cost. The static model stays the default (see the README for the trade).
///
/// What sentence-transformers does, step for step: BERT uncased WordPiece (the static model's
/// vocabulary, the same 30,522 tokens), `[CLS] … [SEP]` truncated at 256 tokens, the post-LN
/// encoder (embeddings, then per layer self-attention and a GELU feed-forward, each with a
/// residual and LayerNorm), mean pooling over the tokens, L2 normalization. Weights are read in
/// place from the model directory's `model.safetensors` (float32) with its `config.json`.
///
/// The dense layers hold 90% of the arithmetic and 43 MB of the weights. By default they run in
/// 8-bit integers (``Precision/int8``, `mnem_linear_q8`): weights quantized per row once and
/// cached (``QuantizedWeights``), inputs per row as they go. That is what makes the model fast
/// enough for a hook, at a cosine of about 0.99 to the float model's vectors. ``Precision/float32``
/// runs them exactly (`mnem_linear`, AVX2 and FMA), the reference the tests hold both to.
/// Attention, GELU and LayerNorm are C too (`mnem_encoder.h`), over buffers each worker owns; a
/// long text embedded alone splits each layer between two threads (`mnem_pair.h`).
public final class TransformerEmbedder: Embedder, @unchecked Sendable {
    /// How the dense layers compute.
    public enum Precision: Sendable {
        /// Exactly, in float32: sentence-transformers' vectors to a cosine of 0.9999.
        case float32
        /// Dynamic 8-bit quantization: a quarter of the bytes and several times the speed.
        case int8
    }

    public let id: String
    public let precision: Precision

    /// The 8-bit kernel this CPU runs (`mnem_linear_q8_level`).
    public static var int8Kernel: String { ["portable C", "AVX2", "AVX-512 VNNI"][Int(max(0, min(2, level)))] }
    public var dimension: Int { hidden }
    /// The most tokens a text keeps, `[CLS]` and `[SEP]` included (sentence-transformers' max_seq_length).
    public static let maxTokens = 256

    let tokenizer: WordPieceTokenizer
    let weights: SafeTensorsFile
    let hidden: Int, heads: Int, intermediate: Int, epsilon: Float
    let wordEmbeddings: UnsafePointer<Float>, positionEmbeddings: UnsafePointer<Float>, typeEmbeddings: UnsafePointer<Float>
    let embeddingNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    let layers: [Layer]
    /// The int8 weights the layers point into, kept alive with them.
    let quantized: QuantizedWeights?
    let clsID: Int, sepID: Int

    struct Dense {
        var weight: UnsafePointer<Float>
        var bias: UnsafePointer<Float>
        var input: Int, output: Int
        /// The weights in 8-bit integers, when the precision is ``Precision/int8``.
        var quantized: QuantizedWeights.Matrix?
    }

    struct Layer {
        var query, key, value, attentionOutput, intermediate, output: Dense
        var attentionNorm, outputNorm: (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>)
    }

    /// Opens the model in `directory` (`config.json` and `model.safetensors`), tokenizing with `vocabulary`.
    ///
    /// - Parameters:
    ///   - precision: how the dense layers compute (int8 unless the exact vectors are wanted).
    ///   - cacheDirectory: where the int8 weights are kept between processes (see
    ///     ``QuantizedWeights``); nil quantizes them in memory for this process only.
    /// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` for a missing or malformed
    ///   file, a tensor of the wrong shape, or a vocabulary that is not the model's.
    public init(directory: String, vocabulary: StaticModelFile, precision: Precision = .int8, cacheDirectory: String? = nil) throws {
        let configPath = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: configPath), let config = try? JSONParser.parse(data), config.objectValue != nil
        else { throw EmbeddingError.invalidModelFile(path: configPath, problem: "missing or not a JSON object") }
        func number(_ key: String) throws -> Int {
            guard let value = config[key]?.intValue.flatMap({ Int(exactly: $0) }), value > 0, value <= 1 << 20 else {
                throw EmbeddingError.invalidModelFile(path: configPath, problem: "no positive \(key)")
            }
            return value
        }
        let hidden = try number("hidden_size"), heads = try number("num_attention_heads"), layerCount = try number("num_hidden_layers")
        let intermediate = try number("intermediate_size"), vocabularySize = try number("vocab_size"), positions = try number("max_position_embeddings")
        guard hidden % heads == 0, layerCount <= 64 else { throw EmbeddingError.invalidModelFile(path: configPath, problem: "\(heads) heads do not divide \(hidden)") }
        guard (config["hidden_act"]?.stringValue ?? "gelu") == "gelu" else {
            throw EmbeddingError.invalidModelFile(path: configPath, problem: "only the gelu activation is supported")
        }
        guard positions >= Self.maxTokens else { throw EmbeddingError.invalidModelFile(path: configPath, problem: "fewer than \(Self.maxTokens) positions") }
        guard vocabularySize == vocabulary.vocabularySize else {
            throw EmbeddingError.invalidModelFile(
                path: configPath, problem: "vocabulary of \(vocabularySize) tokens, the tokenizer's has \(vocabulary.vocabularySize)")
        }
        let weights = try SafeTensorsFile(path: directory + "/model.safetensors")
        func dense(_ name: String, _ input: Int, _ output: Int) throws -> Dense {
            Dense(weight: try weights.floats(name + ".weight", shape: [output, input]), bias: try weights.floats(name + ".bias", shape: [output]), input: input, output: output)
        }
        func norm(_ name: String) throws -> (weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
            (try weights.floats(name + ".weight", shape: [hidden]), try weights.floats(name + ".bias", shape: [hidden]))
        }
        // Some exports prefix every tensor with the model's name.
        let prefix = weights.tensors["embeddings.word_embeddings.weight"] == nil && weights.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        wordEmbeddings = try weights.floats(prefix + "embeddings.word_embeddings.weight", shape: [vocabularySize, hidden])
        positionEmbeddings = try weights.floats(prefix + "embeddings.position_embeddings.weight", shape: [positions, hidden])
        guard let types = weights.tensors[prefix + "embeddings.token_type_embeddings.weight"], types.shape.count == 2, types.shape[1] == hidden, types.shape[0] >= 1 else {
            throw EmbeddingError.invalidModelFile(path: weights.path, problem: "no token type embeddings of width \(hidden)")
        }
        typeEmbeddings = try weights.floats(prefix + "embeddings.token_type_embeddings.weight", shape: types.shape)
        embeddingNorm = try norm(prefix + "embeddings.LayerNorm")
        var layers = try (0..<layerCount).map { i in
            let p = prefix + "encoder.layer.\(i)."
            return Layer(
                query: try dense(p + "attention.self.query", hidden, hidden), key: try dense(p + "attention.self.key", hidden, hidden),
                value: try dense(p + "attention.self.value", hidden, hidden), attentionOutput: try dense(p + "attention.output.dense", hidden, hidden),
                intermediate: try dense(p + "intermediate.dense", hidden, intermediate), output: try dense(p + "output.dense", intermediate, hidden),
                attentionNorm: try norm(p + "attention.output.LayerNorm"), outputNorm: try norm(p + "output.LayerNorm"))
        }
        if precision == .int8 {
            let sources = layers.flatMap { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.intermediate, $0.output] }
            let store = QuantizedWeights(
                sources: sources.map { ($0.weight, $0.input, $0.output) }, fingerprint: weights.fingerprint, cacheDirectory: cacheDirectory)
            var matrices = store.matrices.makeIterator()
            for i in layers.indices {
                layers[i].query.quantized = matrices.next()
                layers[i].key.quantized = matrices.next()
                layers[i].value.quantized = matrices.next()
                layers[i].attentionOutput.quantized = matrices.next()
                layers[i].intermediate.quantized = matrices.next()
                layers[i].output.quantized = matrices.next()
            }
            quantized = store
        } else {
            quantized = nil
        }
        self.layers = layers
        self.precision = precision
        guard let cls = Self.id(of: "[CLS]", in: vocabulary), let sep = Self.id(of: "[SEP]", in: vocabulary) else {
            throw EmbeddingError.invalidModelFile(path: vocabulary.path, problem: "the vocabulary has no [CLS] or [SEP]")
        }
        self.clsID = Int(cls)
        self.sepID = Int(sep)
        self.tokenizer = WordPieceTokenizer(model: vocabulary)
        self.weights = weights
        self.hidden = hidden
        self.heads = heads
        self.intermediate = intermediate
        self.epsilon = Float(config["layer_norm_eps"]?.doubleValue ?? 1e-12)
        let name = directory.split(separator: "/").last.map(String.init) ?? "model"
        // The int8 vectors are not the float ones: a sidecar of one is never searched with the other.
        self.id = "transformer:\(name)@\(String(weights.fingerprint, radix: 16).prefix(8))" + (precision == .int8 ? "-q8" : "")
    }

    /// The id of a special token: BERT's own ids when the vocabulary has them there, else a search.
    static func id(of token: String, in vocabulary: StaticModelFile) -> Int? {
        let known = ["[CLS]": 101, "[SEP]": 102]
        if let guess = known[token], vocabulary.token(guess) == token { return guess }
        return (0..<vocabulary.vocabularySize).first { vocabulary.token($0) == token }
    }

    /// The token ids the model sees for `text`: `[CLS]`, at most 254 WordPiece tokens, `[SEP]`.
    public func modelTokens(_ text: String) -> [Int] {
        [clsID] + tokenizer.tokenIDs(text).prefix(Self.maxTokens - 2) + [sepID]
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        guard texts.count > 1 else {
            // One text (a hook's query) has the machine to itself: a long one splits each layer
            // between two cores.
            let buffers = Buffers(hidden: hidden, intermediate: intermediate)
            let cores = ProcessInfo.processInfo.activeProcessorCount
            return texts.map { text in
                let tokens = modelTokens(text)
                guard cores > 1, tokens.count >= Self.splitTokens, let pair = mnem_pair_start() else { return encode(tokens, buffers: buffers, pair: nil) }
                defer { mnem_pair_stop(pair) }
                return encode(tokens, buffers: buffers, pair: pair)
            }
        }
        // Texts are independent: one worker per core, each with its own buffers, each writing
        // only its own slots of the results.
        let results = UnsafeMutableBufferPointer<[Float]>.allocate(capacity: texts.count)
        results.initialize(repeating: [])
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        let workers = min(texts.count, max(1, ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let buffers = Buffers(hidden: hidden, intermediate: intermediate)
            for index in stride(from: worker, to: texts.count, by: workers) {
                slots[index] = encode(modelTokens(texts[index]), buffers: buffers, pair: nil)
            }
        }
        return Array(results)
    }

    /// Scratch space for one forward pass, grown to the longest text seen; one per worker.
    final class Buffers {
        let hidden: Int, intermediate: Int
        private(set) var tokens = 0
        /// The hidden states, the attention's query, key, value and context, a projection, the
        /// feed-forward's inside, and the attention's scratch (`mnem_attention`: a head's keys and a row of scores).
        private(set) var x, q, k, v, context, projected, wide, scores: UnsafeMutablePointer<Float>
        /// A dense layer's input in bytes and each row's scale, for the int8 kernel.
        private(set) var bytes: UnsafeMutablePointer<UInt8>
        private(set) var rowScales: UnsafeMutablePointer<Float>

        init(hidden: Int, intermediate: Int) {
            (self.hidden, self.intermediate) = (hidden, intermediate)
            (x, q, k, v, context, projected, wide, scores) = Self.allocate(tokens: 0, hidden: hidden, intermediate: intermediate)
            (bytes, rowScales) = (.allocate(capacity: max(hidden, intermediate) + 3), .allocate(capacity: 1))
        }

        /// Room for `count` tokens.
        func reserve(tokens count: Int) {
            guard count > tokens else { return }
            release()
            (x, q, k, v, context, projected, wide, scores) = Self.allocate(tokens: count, hidden: hidden, intermediate: intermediate)
            (bytes, rowScales) = (.allocate(capacity: count * (max(hidden, intermediate) + 3)), .allocate(capacity: count))
            tokens = count
        }

        private static func allocate(tokens: Int, hidden: Int, intermediate: Int) -> (
            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
        ) {
            let n = max(1, tokens) * hidden
            func make(_ count: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: count) }
            return (make(n), make(n), make(n), make(n), make(n), make(n), make(max(1, tokens) * intermediate), make(2 * scratchSize(tokens: tokens, hidden: hidden)))
        }

        /// Floats of one attention scratch (`mnem_attention`); `scores` holds two, one per half of the heads.
        static func scratchSize(tokens: Int, hidden: Int) -> Int { (tokens + 8) * (hidden + 1) }

        /// The attention scratch of half `part` (0 or 1) of a split layer.
        func attentionScratch(_ part: Int) -> UnsafeMutablePointer<Float> { scores + part * Self.scratchSize(tokens: tokens, hidden: hidden) }

        private func release() {
            for buffer in [x, q, k, v, context, projected, wide, scores, rowScales] { buffer.deallocate() }
            bytes.deallocate()
        }

        deinit { release() }
    }

    /// The pooled, normalized vector of one token sequence.
    /// - Parameter pair: when given, each layer is split between this thread and the pair's helper (`mnem_pair`).
    func encode(_ tokens: [Int], buffers b: Buffers, pair: OpaquePointer?) -> [Float] {
        let n = tokens.count, d = hidden
        b.reserve(tokens: n)
        let x = b.x
        for (position, token) in tokens.enumerated() {
            let row = x + position * d
            let word = wordEmbeddings + token * d, place = positionEmbeddings + position * d
            for j in 0..<d { row[j] = word[j] + place[j] + typeEmbeddings[j] }
        }
        mnem_add_layer_norm(x, nil, n, d, embeddingNorm.weight, embeddingNorm.bias, epsilon)
        for layer in layers { run(layer, tokens: n, buffers: b, pair: pair) }
        var pooled = [Float](repeating: 0, count: d)
        for t in 0..<n { for j in 0..<d { pooled[j] += x[t * d + j] } }
        pooled.withUnsafeMutableBufferPointer { normalize($0) }
        return pooled
    }

    /// Texts of at least this many tokens split each layer between two threads when they run
    /// alone; below it a layer is too short for the handoff to pay.
    static let splitTokens = 24

    func run(_ layer: Layer, tokens n: Int, buffers b: Buffers, pair: OpaquePointer?) {
        let d = hidden
        let scale = 1 / Float(hidden / heads).squareRoot()
        let (x, q, k, v, context, projected, wide) = (b.x, b.q, b.k, b.v, b.context, b.projected, b.wide)
        linear(x, n, layer.query, q, b, pair)
        linear(x, n, layer.key, k, b, pair)
        linear(x, n, layer.value, v, b, pair)
        if let pair {
            mnem_pair_attention(pair, q, k, v, n, d, heads, scale, context, b.attentionScratch(0), b.attentionScratch(1))
        } else {
            mnem_attention(q, k, v, n, d, heads, scale, context, b.attentionScratch(0))
        }
        linear(context, n, layer.attentionOutput, projected, b, pair)
        mnem_add_layer_norm(x, projected, n, d, layer.attentionNorm.weight, layer.attentionNorm.bias, epsilon)
        linear(x, n, layer.intermediate, wide, b, pair)
        mnem_gelu(wide, n * intermediate)
        linear(wide, n, layer.output, projected, b, pair)
        mnem_add_layer_norm(x, projected, n, d, layer.outputNorm.weight, layer.outputNorm.bias, epsilon)
    }

    /// A dense layer; with a pair, the input is quantized once and each thread computes half the
    /// outputs from it. The float layers (the reference) always run on one thread.
    func linear(_ input: UnsafePointer<Float>, _ rows: Int, _ dense: Dense, _ output: UnsafeMutablePointer<Float>, _ b: Buffers, _ pair: OpaquePointer?) {
        guard let q = dense.quantized else {
            mnem_linear(input, rows, dense.input, dense.weight, dense.bias, dense.output, output)
            return
        }
        mnem_q8_quantize_input(Self.level, input, rows, q.input, b.bytes, b.rowScales)
        if let pair {
            mnem_pair_q8_outputs(pair, Self.level, b.bytes, b.rowScales, rows, q.input, q.bytes, q.scales, q.sums, dense.bias, q.output, output)
        } else {
            mnem_q8_outputs(Self.level, b.bytes, b.rowScales, rows, q.input, q.bytes, q.scales, q.sums, dense.bias, 0, q.output, output, q.output)
        }
    }

    /// The 8-bit kernel this CPU runs, asked once.
    static let level = mnem_linear_q8_level()
}
