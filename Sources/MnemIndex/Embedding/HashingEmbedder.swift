/// Feature hashing of words: a dependency-free embedder for tests and for pools without a model.
///
/// Each lower-cased word (letters and digits) adds ±1 to the bucket its FNV-1a hash names, the
/// sign taken from another bit of the hash so collisions cancel rather than pile up; the vector
/// is then L2-normalized. Texts sharing words get a positive cosine, unrelated texts about 0.
/// It knows no synonyms: a stand-in until a real model is configured.
public struct HashingEmbedder: VectorEmbedder, Sendable {
    public let dimension: Int
    public var id: String { "hash:\(dimension)" }

    public init(dimension: Int = 256) {
        self.dimension = max(1, dimension)
    }

    public func embed(_ texts: [String]) -> [[Float]] {
        texts.map(embedOne)
    }

    func embedOne(_ text: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimension)
        var hash: UInt64 = Self.offset
        var inWord = false
        func finishWord() {
            let bucket = Int(hash % UInt64(dimension))
            vector[bucket] += (hash >> 63) == 0 ? 1 : -1
        }
        for byte in text.utf8 {
            // ASCII letters and digits, and any byte of a multi-byte character, belong to words.
            let lowered = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            let isWordByte = (0x30...0x39).contains(lowered) || (0x61...0x7A).contains(lowered) || lowered >= 0x80
            if isWordByte {
                if !inWord { hash = Self.offset; inWord = true }
                hash = (hash ^ UInt64(lowered)) &* Self.prime
            } else if inWord {
                finishWord()
                inWord = false
            }
        }
        if inWord { finishWord() }
        var norm: Float = 0
        for x in vector { norm += x * x }
        guard norm > 0 else { return vector }
        let scale = 1 / norm.squareRoot()
        for i in vector.indices { vector[i] *= scale }
        return vector
    }

    static let offset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3
}
