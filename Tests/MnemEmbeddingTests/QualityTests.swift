import Foundation
import Testing
@testable import MnemEmbedding

@Suite("Retrieval quality against MiniLM")
struct QualityTests {
    // How well an embedder's top-5 agrees with the full all-MiniLM-L6-v2 on hand-written
    // programming texts (Fixtures/quality_set.json, ranked by scripts/distill_model.py).

    struct QualitySet: Decodable {
        struct Query: Decodable {
            let query: String
            let top5: [Int]
        }
        let texts: [String]
        let queries: [Query]
    }

    /// The mean over queries of |embedder's top-5 ∩ MiniLM's top-5| / 5.
    static func overlap(_ embedder: any Embedder, _ set: QualitySet) throws -> Double {
        let texts = try embedder.embed(set.texts)
        let queries = try embedder.embed(set.queries.map(\.query))
        var total = 0.0
        for (query, vector) in zip(set.queries, queries) {
            let scores = texts.enumerated().map { (index: $0.offset, score: Support.cosine(vector, $0.element)) }
            let top = scores.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }.prefix(5).map(\.index)
            total += Double(Set(top).intersection(query.top5).count) / 5
        }
        return total / Double(set.queries.count)
    }

    @Test("the static model keeps most of MiniLM's top-5 (0.576 before training on sentence targets) and beats feature hashing")
    func staticBeatsHash() throws {
        let set = try JSONDecoder().decode(QualitySet.self, from: Support.fixture("quality_set.json"))
        #expect(set.texts.count >= 200)
        #expect(set.queries.count >= 20)
        let staticOverlap = try Self.overlap(Support.staticEmbedder(), set)
        let hashOverlap = try Self.overlap(HashEmbedder(dimension: 256), set)
        print("top-5 overlap with MiniLM over \(set.queries.count) queries × \(set.texts.count) texts: static \(String(format: "%.3f", staticOverlap)), hash \(String(format: "%.3f", hashOverlap))")
        #expect(staticOverlap >= 0.62)
        #expect(staticOverlap > hashOverlap)
    }
}
