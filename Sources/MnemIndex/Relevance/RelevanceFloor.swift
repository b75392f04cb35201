import CMnemKernels
import Foundation
import MnemCore
import MnemEmbedding

/// The calibrated relevance floor: a memory is relevant to a query only when it is closer to
/// the query than to everyday text that has nothing to do with software.
///
/// Two tests, both against the background prompts (`BackgroundPrompts`, ~120 everyday requests):
/// - the query must be closer to some memory than to every background prompt: a prompt about
///   bread or Kyoto lands next to an everyday prompt first, and gets nothing;
/// - each memory must be closer to the query than to nearly all everyday text: its floor is the
///   mean similarity of the background prompts to it plus `margin` (2.5) standard deviations of
///   those similarities — under a normal approximation, above all but the top ~0.6% of unrelated
///   text. A generic memory ("run the tests") is close to much of everything and gets a high
///   floor; a specific one ("pydicom's pixel handler") a low one. The mean and spread, unlike the
///   highest background similarity, do not jump when one everyday prompt shares a word
///   ("test", "fix", "build") with the memory.
///
/// A static embedder compresses every similarity into a narrow band, so one global bar (the old
/// `--min-score 0.1`) let every everyday prompt through; floors measured against unrelated text
/// do not depend on where that band lies.
///
/// The floor depends only on the memory's vector, the embedder and the background set — not on
/// the rest of the pool — so it never drifts as the pool grows or merges, and nothing derived
/// has to be stored or kept up to date: the floors of a search's candidates are computed from
/// their vectors in the sidecar as the search needs them (about 120 dot products each).
public struct RelevanceFloor: Sendable {
    /// The embedder the background vectors were made with.
    public let embedderID: String
    public let dimension: Int
    /// The background prompts' vectors, `count × dimension`, row-major, normalized.
    let background: [Float]
    public let count: Int

    /// The default `margin`, in standard deviations of the memory's background similarities.
    public static let defaultMargin: Float = 2.5

    /// Embeds the background prompts with `embedder`.
    ///
    /// - Throws: what the embedder throws; `IndexError` when it returns vectors of the wrong shape.
    public init(embedder: any VectorEmbedder, prompts: [String] = BackgroundPrompts.prompts) throws {
        let vectors = try embedder.embed(prompts)
        guard vectors.count == prompts.count, vectors.allSatisfy({ $0.count == embedder.dimension }) else {
            throw IndexError("embedder \(embedder.id) returned vectors of the wrong shape for the background prompts")
        }
        // A prompt with no usable token embeds as the zero vector; it would only drag the spread down.
        let usable = vectors.filter { $0.contains { $0 != 0 } }
        embedderID = embedder.id
        dimension = embedder.dimension
        background = usable.flatMap { $0 }
        count = usable.count
    }

    /// The background prompts' vectors from the file at `cachePath` when it holds them for this
    /// embedder and prompt set, else embedded and written there for the next process.
    ///
    /// A hook is a new process each time: the static model embeds the ~120 prompts in a fraction
    /// of a millisecond, a transformer in half a second. The file is derived and fail-open:
    /// anything unreadable, from another embedder or another prompt set is recomputed, and a
    /// write that fails is skipped. Written to a temporary name, then renamed into place.
    public init(embedder: any VectorEmbedder, cachePath: String, prompts: [String] = BackgroundPrompts.prompts) throws {
        let key = Self.cacheKey(embedderID: embedder.id, dimension: embedder.dimension, prompts: prompts)
        if let data = FileManager.default.contents(atPath: cachePath), let cached = Self.decode(data, key: key, dimension: embedder.dimension) {
            self.init(embedderID: embedder.id, dimension: embedder.dimension, background: cached)
            return
        }
        try self.init(embedder: embedder, prompts: prompts)
        var data = Data(Self.cacheMagic)
        withUnsafeBytes(of: key.littleEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(count).littleEndian) { data.append(contentsOf: $0) }
        background.withUnsafeBytes { data.append(contentsOf: $0) }
        let temporary = cachePath + ".tmp-\(getpid())"
        if FileManager.default.createFile(atPath: temporary, contents: data), rename(temporary, cachePath) != 0 {
            unlink(temporary)
        }
    }

    private init(embedderID: String, dimension: Int, background: [Float]) {
        self.embedderID = embedderID
        self.dimension = dimension
        self.background = background
        self.count = background.count / max(1, dimension)
    }

    static let cacheMagic = Array("MNEMBG1\0".utf8)

    /// FNV-1a 64 of the embedder, its dimension and the prompts: what the cached vectors depend on.
    static func cacheKey(embedderID: String, dimension: Int, prompts: [String]) -> UInt64 {
        var hash = FNV1a64()
        for part in [embedderID, String(dimension)] + prompts {
            hash.add(part.utf8)
            hash.add(CollectionOfOne(0))
        }
        return hash.value
    }

    /// The vectors in a cache file, or nil when it is not one for `key` (little-endian hosts).
    static func decode(_ data: Data, key: UInt64, dimension: Int) -> [Float]? {
        let header = cacheMagic.count + 12
        guard data.count >= header, Array(data.prefix(cacheMagic.count)) == cacheMagic else { return nil }
        let (storedKey, rows) = data.withUnsafeBytes { raw in
            (UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: cacheMagic.count, as: UInt64.self)),
             Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: cacheMagic.count + 8, as: UInt32.self))))
        }
        guard storedKey == key, rows > 0, data.count == header + rows * dimension * 4 else { return nil }
        let floats = data.dropFirst(header).withUnsafeBytes { raw in (0..<(rows * dimension)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        return floats.allSatisfy { $0.isFinite } ? floats : nil
    }

    /// The background statistics of one memory vector.
    public struct Calibration: Sendable, Equatable {
        /// The highest similarity of a background prompt to the memory.
        public var highest: Float
        /// The mean similarity of the background prompts to the memory.
        public var mean: Float
        /// The standard deviation of the background similarities (never below 1e-3).
        public var spread: Float

        /// The least similarity a query needs to count as relevant to the memory.
        public func floor(margin: Float) -> Float { mean + margin * spread }
    }

    /// The background statistics of `vector` (normalized, `dimension` floats).
    ///
    /// - Complexity: O(background prompts × dimension).
    public func calibration(of vector: [Float]) -> Calibration {
        guard count > 0, vector.count == dimension else { return Calibration(highest: -1, mean: -1, spread: 1) }
        return calibrations(of: [vector])[0]
    }

    /// The background statistics of each of `vectors` (normalized, `dimension` floats each), in
    /// one matrix product (`mnem_linear`): for a query's 64 candidates that is a twentieth of
    /// their dot products one at a time.
    public func calibrations(of vectors: [[Float]]) -> [Calibration] {
        guard count > 0, vectors.allSatisfy({ $0.count == dimension }) else {
            return vectors.map { _ in Calibration(highest: -1, mean: -1, spread: 1) }
        }
        guard !vectors.isEmpty else { return [] }
        let rows = vectors.flatMap { $0 }
        var similarities = [Float](repeating: 0, count: vectors.count * count)
        background.withUnsafeBufferPointer { background in
            rows.withUnsafeBufferPointer { rows in
                similarities.withUnsafeMutableBufferPointer { out in
                    mnem_linear(rows.baseAddress, vectors.count, dimension, background.baseAddress, nil, count, out.baseAddress)
                }
            }
        }
        return (0..<vectors.count).map { Self.statistics(similarities[($0 * count)..<(($0 + 1) * count)]) }
    }

    static func statistics(_ similarities: ArraySlice<Float>) -> Calibration {
        var highest = -Float.infinity
        var sum: Float = 0
        var squares: Float = 0
        for s in similarities {
            highest = max(highest, s)
            sum += s
            squares += s * s
        }
        let mean = sum / Float(similarities.count)
        let variance = max(0, squares / Float(similarities.count) - mean * mean)
        return Calibration(highest: highest, mean: mean, spread: max(variance.squareRoot(), 1e-3))
    }

    /// The highest similarity of a background prompt to `query` (normalized): how close the
    /// query itself is to everyday text. A query closer to some everyday prompt than to every
    /// memory is not about the pool's work (see `RankingPolicy`).
    public func highestBackgroundSimilarity(to query: [Float]) -> Float {
        calibration(of: query).highest
    }
}
