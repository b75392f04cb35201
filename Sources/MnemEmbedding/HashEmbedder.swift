/// An embedder that needs no model: signed feature hashing of word unigrams, word bigrams and
/// character trigrams into ``dimension`` buckets, L2-normalized.
///
/// Words are runs of letters and digits, lowercased (ASCII fast path); character trigrams are
/// taken over `#word#` and weigh half as much as a word. It is a lexical baseline: texts that
/// share words are close, paraphrases are not. Its id is `hash:<dimension>`.
public struct HashEmbedder: Embedder {
    public let dimension: Int
    public var id: String { "hash:\(dimension)" }

    /// - Parameter dimension: The number of buckets, at least 8.
    /// - Throws: ``EmbeddingError/invalidArgument(_:)`` for a dimension below 8.
    public init(dimension: Int = 256) throws {
        guard dimension >= 8 else { throw EmbeddingError.invalidArgument("hash embedder dimension \(dimension) is below 8") }
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        var word: [UInt8] = []
        return texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            vector.withUnsafeMutableBufferPointer { embed(text, into: $0, word: &word) }
            return vector
        }
    }

    /// Embeds one text into a caller's buffer of exactly ``dimension`` floats.
    ///
    /// - Throws: ``EmbeddingError/invalidArgument(_:)`` when the buffer has another size.
    public func embed(_ text: String, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard buffer.count == dimension else {
            throw EmbeddingError.invalidArgument("buffer has \(buffer.count) floats, the embedder has \(dimension) dimensions")
        }
        var word: [UInt8] = []
        embed(text, into: buffer, word: &word)
    }

    func embed(_ text: String, into buffer: UnsafeMutableBufferPointer<Float>, word: inout [UInt8]) {
        for i in buffer.indices { buffer[i] = 0 }
        var previous: UInt64?
        func endWord() {
            guard !word.isEmpty else { return }
            let hash = Self.fnv1a64(word, seed: 0xCBF2_9CE4_8422_2325)
            add(hash, 1, buffer)
            if let previous { add(Self.mix(previous, hash), 1, buffer) }
            previous = hash
            // Character trigrams over "#word#".
            let padded = word.count + 2
            if padded >= 3 {
                for start in 0...(padded - 3) {
                    var h: UInt64 = 0x9E37_79B9_7F4A_7C15
                    for k in start..<(start + 3) {
                        let byte: UInt8 = (k == 0 || k == padded - 1) ? 0x23 : word[k - 1]
                        h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                    }
                    add(h, 0.5, buffer)
                }
            }
            word.removeAll(keepingCapacity: true)
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                switch byte {
                case 0x30...0x39, 0x61...0x7A: word.append(byte)
                case 0x41...0x5A: word.append(byte | 0x20)
                default: endWord()
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars {
                    UTF8.encode(lower) { word.append($0) }
                }
            } else {
                endWord()
            }
        }
        endWord()
        normalize(buffer)
    }

    @inline(__always)
    private func add(_ hash: UInt64, _ weight: Float, _ buffer: UnsafeMutableBufferPointer<Float>) {
        let mixed = Self.mix(hash, 0x5851_F42D_4C95_7F2D)
        let index = Int(mixed % UInt64(dimension))
        buffer[index] += (mixed >> 63) == 0 ? weight : -weight
    }

    static func fnv1a64(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var h = seed
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// splitmix64's finalizer over a combination of two hashes.
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b | 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
