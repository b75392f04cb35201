import Foundation
import MnemCore
import MnemGit

/// A search hit with its memory, read from the pool.
public struct RetrievedMemory: Sendable {
    public var hit: SearchHit
    public var memory: Memory
}

/// Query text in, memories out: embeds the query, keeps the index up to date, scans, reads the hits.
///
/// Only the top-k memories are read from git; everything else comes from the sidecar's columns.
public final class Retriever {
    public let index: VectorIndex
    public private(set) var lastReport: IndexReport?
    /// The background prompts embedded for the relevance floor, on first use.
    private var floor: RelevanceFloor?

    public init(pool: Pool, embedder: any VectorEmbedder, elementType: VectorElementType = .float16) {
        index = VectorIndex(pool: pool, embedder: embedder, elementType: elementType)
    }

    /// The best `k` memories for `text`.
    ///
    /// - Throws: what updating the index, embedding the query or reading a hit's memory throws.
    public func search(_ text: String, k: Int, filter: SearchFilter = SearchFilter(), ranking: RankingPolicy = RankingPolicy()) throws -> [RetrievedMemory] {
        let vectors = try index.embedder.embed([text])
        guard let query = vectors.first, query.count == index.embedder.dimension else {
            throw IndexError("embedder \(index.embedder.id) returned no vector of \(index.embedder.dimension) elements for the query")
        }
        // Not populated at open (MAP_POPULATE maps every page on this thread first): the scan's
        // two threads fault their halves in as they go, which measured about 1 ms faster at 100k.
        let (sidecar, report) = try index.open()
        lastReport = report
        let calibrated = ranking.order == .relevance && ranking.floorMargin != nil
        let window = calibrated ? max(k, Self.lexicalWindow) : k
        let hits = try rankedHits(query, k: window, filter: filter, ranking: ranking, sidecar: sidecar)
        let found = try memories(for: hits)
        guard calibrated, !found.isEmpty else { return found }
        return Array(Self.withSharedWords(found, query: text).prefix(k))
    }

    // MARK: - Shared words

    /// How many of the best by relevance are checked for the query's words.
    static let lexicalWindow = 16
    /// The bonus, in background spreads, of a memory whose text holds every content word of the
    /// query: a static embedding blurs a task's own words ("totals", "rounded") into its general
    /// gist ("fix a bug"), which every bug-fix memory shares.
    static let lexicalWeight: Float = 1

    /// Words that say nothing about a task's content.
    static let functionWords: Set<String> = [
        "about", "after", "again", "also", "before", "being", "both", "cannot", "could", "does", "doesn", "done", "each", "from",
        "have", "having", "here", "into", "just", "like", "make", "more", "most", "much", "need", "only", "other", "over", "please",
        "should", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those", "through",
        "very", "want", "were", "what", "when", "where", "which", "while", "will", "with", "would", "your",
    ]

    /// The content words of `text`, each cut to its first five letters so that `rounded` meets
    /// `rounding` and `totals` meets `total`.
    static func contentStems(_ text: String) -> Set<Substring> {
        var stems = Set<Substring>()
        // ASCII text, nearly all of it, is split byte by byte: by Character it took a millisecond
        // of every prompt hook for the sixteen memories checked.
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            for word in text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }) where word.count >= 4 {
                if functionWords.contains(String(word)) { continue }
                stems.insert(word.prefix(5))
            }
            return stems
        }
        let lower = String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        func isWordByte(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
        for word in lower.utf8.split(whereSeparator: { !isWordByte($0) }) where word.count >= 4 {
            let characters = Substring(word)
            if functionWords.contains(String(characters)) { continue }
            stems.insert(characters.prefix(5))
        }
        return stems
    }

    /// `found` with each memory's relevance raised by the share of the query's content words its
    /// embedded text holds (`lexicalWeight` for all of them), in the new order. Whether a memory
    /// is returned at all is still the floor's decision alone.
    static func withSharedWords(_ found: [RetrievedMemory], query: String) -> [RetrievedMemory] {
        let wanted = contentStems(query)
        guard !wanted.isEmpty else { return found }
        let raised = found.map { item -> RetrievedMemory in
            var item = item
            let shared = wanted.intersection(contentStems(embeddingText(for: item.memory))).count
            if let relevance = item.hit.relevance {
                item.hit.relevance = relevance + lexicalWeight * Float(shared) / Float(wanted.count)
            }
            return item
        }
        let order = relevanceOrder(raised.map(\.hit), k: raised.count).map(\.id)
        let byID = Dictionary(raised.map { ($0.hit.id, $0) }, uniquingKeysWith: { a, _ in a })
        return order.compactMap { byID[$0] }
    }

    /// The background calibration for this retriever's embedder, made once.
    public func relevanceFloor() throws -> RelevanceFloor {
        if let floor { return floor }
        let made = try RelevanceFloor(embedder: index.embedder, cachePath: Self.backgroundPath(sidecarPath: index.path))
        floor = made
        return made
    }

    /// Where the background prompts' vectors are kept beside the sidecar (`index-X.vec` → `background-X.f32`).
    static func backgroundPath(sidecarPath: String) -> String {
        let directory = (sidecarPath as NSString).deletingLastPathComponent
        var name = (sidecarPath as NSString).lastPathComponent
        if name.hasPrefix("index-") { name.removeFirst("index-".count) }
        if name.hasSuffix(".vec") { name.removeLast(".vec".count) }
        return directory + "/background-" + name + ".f32"
    }

    /// How many of the highest similarities `.relevance` re-ranks to return `k`.
    ///
    /// A memory's floor is computed only for these candidates. A memory just below them would
    /// need a floor lower than every candidate's, and so rank above them, to be missed; with
    /// eight times k (at least 64) it never was in the shared corpus's pool or the tests' pools.
    static func candidateCount(for k: Int) -> Int { max(64, min(k, Int.max / 8) * 8) }

    /// The scan's hits, ranked by `ranking`: for `.relevance`, the candidates by similarity are
    /// re-ranked by relevance over their calibrated floors (see `RankingPolicy`).
    func rankedHits(_ query: [Float], k: Int, filter: SearchFilter, ranking: RankingPolicy, sidecar: IndexSnapshot) throws -> [SearchHit] {
        guard ranking.order == .relevance else { return sidecar.search(query, k: k, filter: filter, ranking: ranking) }
        var scan = ranking
        scan.order = .score
        let candidates = sidecar.search(query, k: Self.candidateCount(for: k), filter: filter, ranking: scan)
        guard let margin = ranking.floorMargin else {
            return Self.relevanceOrder(candidates.map { hit in
                var hit = hit
                hit.relevance = hit.score + (ranking.kindPrior[hit.kind] ?? 0)
                return hit
            }, k: k)
        }
        let floor = try relevanceFloor()
        // The query must be closer to some memory than to every everyday prompt.
        let normalized = Self.normalized(query)
        guard let best = candidates.map(\.score).max(), best > floor.highestBackgroundSimilarity(to: normalized) else { return [] }
        let located = candidates.compactMap { hit in sidecar.location(of: hit.id).map { (hit: hit, vector: $0.file.vector(at: $0.row)) } }
        let calibrations = floor.calibrations(of: located.map(\.vector))
        var ranked: [SearchHit] = []
        for (candidate, calibration) in zip(located, calibrations) {
            var hit = candidate.hit
            // The scan's bar holds the domain guard's margin when it applied to this memory.
            let guardMargin = max(0, hit.bar - ranking.minimumScore)
            let bar = max(hit.bar, calibration.floor(margin: margin) + guardMargin)
            guard hit.score >= bar else { continue }
            hit.bar = bar
            hit.relevance = (hit.score - bar) / calibration.spread + (ranking.kindPrior[hit.kind] ?? 0)
            ranked.append(hit)
        }
        return Self.relevanceOrder(ranked, k: k)
    }

    static func normalized(_ vector: [Float]) -> [Float] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    /// The first `k` by relevance, then similarity, then id.
    static func relevanceOrder(_ hits: [SearchHit], k: Int) -> [SearchHit] {
        Array(
            hits.sorted { a, b in
                let (x, y) = (a.relevance ?? a.score, b.relevance ?? b.score)
                if x != y { return x > y }
                if a.score != b.score { return a.score > b.score }
                return a.id.rawValue < b.id.rawValue
            }.prefix(k))
    }

    /// Reads the memories `hits` name, straight from their blobs: no tree is walked.
    func memories(for hits: [SearchHit]) throws -> [RetrievedMemory] {
        try hits.map { hit in
            RetrievedMemory(hit: hit, memory: try index.pool.readMemory(blob: hit.blob, path: MemoryPath.path(kind: hit.kind, id: hit.id)))
        }
    }
}
