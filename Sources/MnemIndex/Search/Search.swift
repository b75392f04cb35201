import CMnemPrefetch
import MnemCore

/// One search result: a row of the sidecar and what its columns say.
public struct SearchHit: Sendable, Equatable {
    public var id: MemoryID
    public var kind: MemoryKind
    public var outcome: Outcome
    public var domain: String
    public var model: String?
    /// Cosine similarity to the query.
    public var score: Float
    /// The bar the memory had to clear (the minimum score, plus the domain guard's margin if it applied).
    public var bar: Float
}

extension Sidecar {
    /// The best `k` memories for `query` by exact cosine similarity, filtered and ranked by `ranking`.
    ///
    /// The filter columns are consulted before a vector is touched; only rows that pass are scored.
    /// - Parameters:
    ///   - query: a vector of `dimension` floats (normalized here).
    /// - Complexity: O(count × dimension) for the scan, O(count × log k) for the heaps.
    public func search(_ query: [Float], k: Int, filter: SearchFilter = SearchFilter(), ranking: RankingPolicy = RankingPolicy()) -> [SearchHit] {
        guard k > 0, count > 0 else { return [] }
        let prepared = VectorScan.prepareQuery(query, for: self)

        // Lookup tables over the codes and string indexes, so each row costs a few loads to filter.
        var kindAllowed = [Bool](repeating: filter.kinds.isEmpty, count: 256)
        for kind in filter.kinds { kindAllowed[Int(kind.code)] = true }
        for code in 4..<256 { kindAllowed[code] = false }
        var outcomeAllowed = [Bool](repeating: filter.outcomes.isEmpty, count: 256)
        for outcome in filter.outcomes { outcomeAllowed[Int(outcome.code)] = true }
        for code in 3..<256 { outcomeAllowed[code] = false }
        let table = strings
        // Index table.count stands for "none" (a missing model, an out-of-range index).
        var domainAllowed = table.map { (filter.domains.isEmpty || filter.domains.contains($0)) && !filter.excludedDomains.contains($0) }
        domainAllowed.append(filter.domains.isEmpty)
        var modelAllowed = table.map { (filter.models.isEmpty || filter.models.contains($0)) && !filter.excludedModels.contains($0) }
        modelAllowed.append(filter.models.isEmpty)
        let mismatched: [Bool] = table.map { domain in ranking.queryDomain.map { !DomainMatch.matches($0, domain) } ?? false } + [false]
        let ranks = ranking.rankByKindCode()
        var bars = [Float](repeating: ranking.minimumScore, count: 8)  // [kind code × 2 + mismatched]
        for kind in MemoryKind.allCases where RankingPolicy.isConcrete(kind) {
            bars[Int(kind.code) * 2 + 1] = ranking.minimumScore + ranking.domainGuardMargin
        }

        var heaps = (0..<(ranking.order == .kindFirst ? 4 : 1)).map { _ in TopK(capacity: k) }
        let blocks = stride / 64
        let noneIndex = table.count
        prepared.withUnsafeBufferPointer { q in
            guard let queryBase = q.baseAddress else { return }
            var vector = base + layout.vectorsOffset
            let end = base + layout.vectorsOffset + count * stride
            for row in 0..<count {
                defer { vector += stride }
                VectorScan.prefetch(vector, stride: stride, end: end)
                let kindCode = Int(kindCode(at: row))
                guard kindAllowed[kindCode], outcomeAllowed[Int(outcomeCode(at: row))] else { continue }
                let domain = min(Int(domainIndex(at: row)), noneIndex)
                let model = min(Int(modelIndex(at: row)), noneIndex)
                guard domainAllowed[domain], modelAllowed[model] else { continue }
                let score = elementType == .float16
                    ? VectorScan.dotHalf(vector, queryBase, blocks: blocks) : VectorScan.dotFloat(vector, queryBase, blocks: blocks)
                guard score >= bars[kindCode * 2 + (mismatched[domain] ? 1 : 0)] else { continue }
                heaps[ranking.order == .kindFirst ? ranks[kindCode] : 0].insert(score, row: Int32(row))
            }
        }

        var hits: [SearchHit] = []
        for heap in heaps {
            for (score, row) in heap.sorted() {
                guard hits.count < k else { break }
                let r = Int(row)
                guard let id = id(at: r), let kind = kind(at: r), let outcome = outcome(at: r) else { continue }
                let domainIndex = min(Int(domainIndex(at: r)), noneIndex)
                hits.append(
                    SearchHit(
                        id: id, kind: kind, outcome: outcome, domain: domain(at: r) ?? "", model: model(at: r), score: score,
                        bar: bars[Int(kind.code) * 2 + (mismatched[domainIndex] ? 1 : 0)]))
            }
        }
        return hits
    }

    /// Every vector scored against `query`, no filter, no ranking: the scan alone (benchmarks).
    ///
    /// - Returns: the best score, so the work cannot be optimized away.
    public func scanAll(_ query: [Float], k: Int = 10) -> [(score: Float, row: Int32)] {
        let prepared = VectorScan.prepareQuery(query, for: self)
        var heap = TopK(capacity: k)
        let blocks = stride / 64
        prepared.withUnsafeBufferPointer { q in
            guard let queryBase = q.baseAddress else { return }
            var vector = base + layout.vectorsOffset
            let end = base + layout.vectorsOffset + count * stride
            for row in 0..<count {
                VectorScan.prefetch(vector, stride: stride, end: end)
                let score = elementType == .float16
                    ? VectorScan.dotHalf(vector, queryBase, blocks: blocks) : VectorScan.dotFloat(vector, queryBase, blocks: blocks)
                heap.insert(score, row: Int32(row))
                vector += stride
            }
        }
        return heap.sorted()
    }
}
