/// mnem's default embedder: a static model distilled from all-MiniLM-L6-v2 (model2vec style),
/// run natively over a memory-mapped `.mnemb` file.
///
/// A text's vector is the mean of the rows of its WordPiece tokens (no `[CLS]`/`[SEP]`, and
/// `[UNK]` left out, as model2vec's `StaticModel` does), L2-normalized.
///
/// `@unchecked Sendable` through its ``StaticModelFile``, which is immutable and read-only;
/// `embed` keeps its scratch buffers on the stack of each call.
public final class StaticEmbedder: Embedder, @unchecked Sendable {
    /// The mapped model.
    public let model: StaticModelFile
    /// The tokenizer over the model's vocabulary.
    public let tokenizer: WordPieceTokenizer
    public let id: String
    public var dimension: Int { model.dimension }

    /// Opens the model file at `path`.
    ///
    /// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` for a missing, truncated or corrupt file.
    public convenience init(modelPath: String) throws {
        try self.init(model: StaticModelFile(path: modelPath))
    }

    /// Opens the model file that ``ModelLocator`` finds.
    ///
    /// - Throws: ``EmbeddingError/modelNotFound(searched:)`` or ``EmbeddingError/invalidModelFile(path:problem:)``.
    public convenience init(locator: ModelLocator = ModelLocator()) throws {
        try self.init(modelPath: locator.locate())
    }

    public init(model: StaticModelFile) {
        self.model = model
        self.tokenizer = WordPieceTokenizer(model: model)
        var name = model.path.split(separator: "/").last.map(String.init) ?? "model"
        if name.hasSuffix(".mnemb") { name.removeLast(".mnemb".count) }
        self.id = "static:\(name)@\(model.digest8)"
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        var state = EmbedState()
        return texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            vector.withUnsafeMutableBufferPointer { embed(text, into: $0, state: &state) }
            return vector
        }
    }

    /// Embeds one text into a caller's buffer, the allocation-free path for bulk indexing.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - buffer: Exactly ``dimension`` floats; overwritten with the normalized vector.
    /// - Throws: ``EmbeddingError/invalidArgument(_:)`` when the buffer has another size.
    public func embed(_ text: String, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard buffer.count == dimension else {
            throw EmbeddingError.invalidArgument("buffer has \(buffer.count) floats, the model has \(dimension) dimensions")
        }
        var state = EmbedState()
        embed(text, into: buffer, state: &state)
    }

    /// Reusable buffers for a run of texts: embedding many texts with one state allocates nothing per text.
    public struct EmbedState {
        var ids: [UInt32] = []
        var scratch = WordPieceTokenizer.Scratch()

        public init() {}
    }

    /// The number of word pieces `text` is embedded from (unknown ones included).
    public func tokenCount(_ text: String, state: inout EmbedState) -> Int {
        state.ids.removeAll(keepingCapacity: true)
        tokenizer.appendTokenIDs(of: text, to: &state.ids, scratch: &state.scratch)
        return state.ids.count
    }

    /// `embed(_:into:)` with buffers reused across calls; `buffer` must hold `dimension` floats.
    public func embed(_ text: String, into buffer: UnsafeMutableBufferPointer<Float>, state: inout EmbedState) {
        state.ids.removeAll(keepingCapacity: true)
        tokenizer.appendTokenIDs(of: text, to: &state.ids, scratch: &state.scratch)
        let dimension = model.dimension
        let unknown = model.unknownTokenID
        let matrix = UnsafeRawPointer(model.matrix)
        let rowBytes = dimension * 2
        guard let out = buffer.baseAddress else { return }
        out.initialize(repeating: 0, count: dimension)
        let lanes = UnsafeMutableRawPointer(out)
        var used = 0
        for id in state.ids where id != unknown {
            used += 1
            let row = matrix + Int(id) * rowBytes
            var j = 0
            while j < dimension {
                let half = row.loadUnaligned(fromByteOffset: j * 2, as: SIMD8<UInt16>.self)
                let sum = lanes.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) + Half.toFloat(half)
                lanes.storeBytes(of: sum, toByteOffset: j * 4, as: SIMD8<Float>.self)
                j += 8
            }
        }
        if used > 0 { normalize(buffer) }
    }
}

/// IEEE 754 binary16 → binary32 without F16C: the bits are shifted into place and the exponent
/// rebased by one multiplication, which also makes subnormal halves exact. Infinities and NaNs
/// come out as large finite numbers, which the distillation never writes.
enum Half {
    @inline(__always)
    static func toFloat(_ half: SIMD8<UInt16>) -> SIMD8<Float> {
        let bits = SIMD8<UInt32>(truncatingIfNeeded: half)
        let magnitude = unsafeBitCast((bits & 0x7FFF) &<< 13, to: SIMD8<Float>.self) * 0x1p112
        let sign = (bits & 0x8000) &<< 16
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD8<UInt32>.self) | sign, to: SIMD8<Float>.self)
    }
}
