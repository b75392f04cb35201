import CMnemPrefetch
import Dispatch
import Foundation
import MnemCore
import MnemGit

/// One search result: a row of the sidecar and what its columns say.
public struct SearchHit: Sendable, Equatable {
    public var id: MemoryID
    /// The git blob of the memory's file at the indexed commit.
    public var blob: ObjectID
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
        search(query, k: k, filter: filter, ranking: ranking, parts: nil)
    }

    /// `search`, split in `parts` (nil: one or two by the file's size); for tests and benchmarks.
    public func search(_ query: [Float], k: Int, filter: SearchFilter, ranking: RankingPolicy, parts: Int?) -> [SearchHit] {
        search(query, k: k, filter: filter, ranking: ranking, parts: parts, kernel: VectorScan.kernel)
    }

    /// The search with the scan kernel chosen (tests compare them); a kernel the CPU lacks falls back
    /// to the portable loop. `skipping: false` hands every row to the filters and heaps, as a
    /// reference for the skipping scan.
    func search(
        _ query: [Float], k: Int, filter: SearchFilter, ranking: RankingPolicy, parts: Int?, kernel: VectorScan.Kernel, skipping: Bool = true
    ) -> [SearchHit] {
        guard k > 0, count > 0 else { return [] }
        let kernel = elementType == .float16 && kernel.isAvailable ? kernel : .portable
        // Each loop takes its own form of the query; only the one that runs is prepared.
        let prepared = kernel == .portable ? VectorScan.prepareQuery(query, for: self) : []
        let plain = kernel == .portable ? [] : VectorScan.preparePlainQuery(query, for: self)

        // Lookup tables over the codes and string indexes, so each row costs a few loads to filter.
        var kindAllowed = [Bool](repeating: filter.kinds.isEmpty, count: 256)
        for kind in filter.kinds { kindAllowed[Int(kind.code)] = true }
        for code in 4..<256 { kindAllowed[code] = false }
        var outcomeAllowed = [Bool](repeating: filter.outcomes.isEmpty, count: 256)
        for outcome in filter.outcomes { outcomeAllowed[Int(outcome.code)] = true }
        for code in 3..<256 { outcomeAllowed[code] = false }
        let table = strings
        // Index table.count stands for "none" (a missing model, an out-of-range index).
        func allowed(_ only: Set<String>, _ except: Set<String>) -> [Bool] {
            guard !only.isEmpty || !except.isEmpty else { return [Bool](repeating: true, count: table.count + 1) }
            return table.map { (only.isEmpty || only.contains($0)) && !except.contains($0) } + [only.isEmpty]
        }
        let domainAllowed = allowed(filter.domains, filter.excludedDomains)
        let modelAllowed = allowed(filter.models, filter.excludedModels)
        let mismatched: [Bool] =
            ranking.queryDomain.map { query in table.map { !DomainMatch.matches(query, $0) } + [false] }
            ?? [Bool](repeating: false, count: table.count + 1)
        let ranks = ranking.order == .kindFirst ? ranking.rankByKindCode() : [0, 0, 0, 0]
        var bars = [Float](repeating: ranking.minimumScore, count: 8)  // [kind code × 2 + mismatched]
        for kind in MemoryKind.allCases where RankingPolicy.isConcrete(kind) {
            bars[Int(kind.code) * 2 + 1] = ranking.minimumScore + ranking.domainGuardMargin
        }

        let plan = ScanPlan(
            vectors: base + layout.vectorsOffset, kinds: base + layout.kindsOffset, outcomes: base + layout.outcomesOffset,
            domains: base + layout.domainsOffset, models: base + layout.modelsOffset, stride: stride, count: count,
            elementType: elementType, query: prepared, plainQuery: plain, kernel: kernel, k: k, heapCount: ranking.order == .kindFirst ? 4 : 1,
            heapOfKind: ranks, kindAllowed: kindAllowed, outcomeAllowed: outcomeAllowed,
            domainAllowed: domainAllowed, modelAllowed: modelAllowed, mismatched: mismatched, bars: bars, skipping: skipping)
        let heaps = plan.run(parts: parts)
        let noneIndex = table.count

        var hits: [SearchHit] = []
        hits.reserveCapacity(min(k, count))
        for heap in heaps {
            for (score, row) in heap.sorted() {
                guard hits.count < k else { break }
                let r = Int(row)
                guard let id = id(at: r), let blob = blob(at: r), let kind = kind(at: r), let outcome = outcome(at: r) else { continue }
                let domainIndex = min(Int(domainIndex(at: r)), noneIndex)
                hits.append(
                    SearchHit(
                        id: id, blob: blob, kind: kind, outcome: outcome, domain: domain(at: r) ?? "", model: model(at: r), score: score,
                        bar: bars[Int(kind.code) * 2 + (mismatched[domainIndex] ? 1 : 0)]))
            }
        }
        return hits
    }

    /// Every vector scored against `query`, no filter, no ranking: the scan alone (benchmarks).
    public func scanAll(_ query: [Float], k: Int = 10) -> [(score: Float, row: Int32)] {
        search(query, k: k, ranking: RankingPolicy(order: .score, minimumScore: -.infinity, domainGuardMargin: 0))
            .compactMap { hit in rowOf(hit.id).map { (score: hit.score, row: Int32($0)) } }
    }

    /// The row of `id`, by binary search over the sorted ids.
    func rowOf(_ id: MemoryID) -> Int? {
        guard let packed = PackedID(hex: id.rawValue) else { return nil }
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if packedID(at: mid) < packed { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && packedID(at: lo) == packed ? lo : nil
    }
}

/// Everything one scan needs, read-only, so it can be split across threads.
///
/// `@unchecked Sendable`: the pointers are into a mapping that the calling `Sidecar` keeps alive
/// for the whole (synchronous) scan, and nothing here is written during it.
struct ScanPlan: @unchecked Sendable {
    var vectors: UnsafeRawPointer
    var kinds: UnsafeRawPointer
    var outcomes: UnsafeRawPointer
    var domains: UnsafeRawPointer
    var models: UnsafeRawPointer
    var stride: Int
    var count: Int
    var elementType: VectorElementType
    var query: [SIMD8<Float>]
    /// The normalized query in element order, for the C kernels.
    var plainQuery: [Float]
    /// The loop that scores the rows: a C kernel only for float16 rows on a CPU that has it.
    var kernel: VectorScan.Kernel
    var k: Int
    var heapCount: Int
    var heapOfKind: [Int]
    var kindAllowed: [Bool]
    var outcomeAllowed: [Bool]
    var domainAllowed: [Bool]
    var modelAllowed: [Bool]
    var mismatched: [Bool]
    var bars: [Float]
    /// Whether the wide scan skips rows scoring below what could still enter a heap (tests turn it off to compare).
    var skipping = true

    /// Below this many bytes of vectors a second thread costs more than it saves.
    static let parallelThreshold = 8 << 20

    /// Scans every row, on up to two threads for a large file, and merges the heaps.
    ///
    /// The result does not depend on the split: each part keeps its own best k per heap with
    /// the same tie rule (score, then lower row), and the merge applies the same rule.
    func run(parts requested: Int? = nil) -> [TopK] {
        let parts = requested ?? (count * stride >= Self.parallelThreshold ? min(2, max(1, ProcessInfo.processInfo.activeProcessorCount)) : 1)
        if parts == 1 { return scan(0..<count) }
        let results = PartResults(parts)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lower = count * part / parts
            let upper = count * (part + 1) / parts
            results.store(scan(lower..<upper), at: part)
        }
        var merged = results.take(0)
        for part in 1..<parts {
            for (h, heap) in results.take(part).enumerated() {
                for (score, row) in heap.sorted() { merged[h].insert(score, row: row) }
            }
        }
        return merged
    }

    func scan(_ rows: Range<Int>) -> [TopK] {
        var heaps = (0..<heapCount).map { _ in TopK(capacity: k) }
        if kernel != .portable {
            scanWide(rows, into: &heaps)
            return heaps
        }
        let blocks = stride / 64
        let end = vectors + count * stride
        query.withUnsafeBufferPointer { q in
            guard let queryBase = q.baseAddress else { return }
            var vector = vectors + rows.lowerBound * stride
            for row in rows {
                defer { vector += stride }
                VectorScan.prefetch(vector, stride: stride, end: end)
                guard let bar = admit(row) else { continue }
                let score = elementType == .float16
                    ? VectorScan.dotHalf(vector, queryBase, blocks: blocks) : VectorScan.dotFloat(vector, queryBase, blocks: blocks)
                guard score >= bar.score else { continue }
                heaps[bar.heap].insert(score, row: Int32(row))
            }
        }
        return heaps
    }

    /// Whether `row` passes the filters, and if so the least score it needs and its heap.
    @inline(__always)
    func admit(_ row: Int) -> (score: Float, heap: Int)? {
        let kindCode = Int(kinds.load(fromByteOffset: row, as: UInt8.self))
        guard kindAllowed[kindCode], outcomeAllowed[Int(outcomes.load(fromByteOffset: row, as: UInt8.self))] else { return nil }
        let domain = min(Int(UInt32(littleEndian: domains.load(fromByteOffset: row &* 4, as: UInt32.self))), domainAllowed.count - 1)
        let model = min(Int(UInt32(littleEndian: models.load(fromByteOffset: row &* 4, as: UInt32.self))), modelAllowed.count - 1)
        guard domainAllowed[domain], modelAllowed[model] else { return nil }
        return (bars[kindCode &* 2 &+ (mismatched[domain] ? 1 : 0)], heapOfKind[kindCode & 3])
    }

    /// The scan with a C kernel (AVX2 or AVX-512): scores a chunk of rows at a time and hands back only
    /// the candidates, the rows scoring at least their kind's threshold; only those are filtered.
    ///
    /// A kind's threshold is the least score a row of that kind could still need to enter its heap:
    /// the lower of its two bars, raised to the root of its heap once that heap is full (a later
    /// row must beat the root: on a tie the kept, lower row wins). Rows below it are skipped
    /// without changing the result, so after the first chunks almost no row pays for `admit`
    /// and the heap. Kinds the filter excludes get +∞. Chunks start small and grow, so the
    /// thresholds tighten before many rows have been handed back.
    func scanWide(_ rows: Range<Int>, into heaps: inout [TopK]) {
        let chunk = 1024
        var candidates = [UInt32](repeating: 0, count: chunk)
        var scores = [Float](repeating: 0, count: chunk)
        var thresholds = [Float](repeating: skipping ? .infinity : -.infinity, count: 256)
        // The lowest bar of each kind code (NaN only if both are: then nothing of that kind enters).
        let kindBars = (0..<4).map { code in
            let (a, b) = (bars[code * 2], bars[code * 2 + 1])
            return a.isNaN ? b : (b < a ? b : a)
        }
        let lanes = stride / 2
        plainQuery.withUnsafeBufferPointer { q in
            candidates.withUnsafeMutableBufferPointer { kept in
                scores.withUnsafeMutableBufferPointer { out in
                    thresholds.withUnsafeMutableBufferPointer { thresholdOf in
                        guard let queryBase = q.baseAddress, let keptBase = kept.baseAddress, let outBase = out.baseAddress,
                            let thresholdBase = thresholdOf.baseAddress
                        else { return }
                        let codes = kinds.assumingMemoryBound(to: UInt8.self)
                        var start = rows.lowerBound
                        var size = 16
                        while start < rows.upperBound {
                            if skipping {
                                for code in 0..<4 {
                                    let bound = heaps[heapOfKind[code]].admissionBound
                                    thresholdBase[code] = !kindAllowed[code] ? .infinity : (bound > kindBars[code] ? bound : kindBars[code])
                                }
                            }
                            let n = min(size, rows.upperBound - start)
                            let found =
                                kernel == .avx512
                                ? mnem_scan_f16_avx512(vectors + start * stride, stride, n, queryBase, lanes, codes + start, thresholdBase, keptBase, outBase)
                                : mnem_scan_f16_avx2(vectors + start * stride, stride, n, queryBase, lanes, codes + start, thresholdBase, keptBase, outBase)
                            for i in 0..<found {
                                let row = start + Int(keptBase[i])
                                guard let bar = admit(row), outBase[i] >= bar.score else { continue }
                                heaps[bar.heap].insert(outBase[i], row: Int32(row))
                            }
                            start += n
                            size = min(size * 2, chunk)
                        }
                    }
                }
            }
        }
    }
}

/// The heaps of each part of a parallel scan, each slot written by one thread only.
///
/// `@unchecked Sendable`: every part writes its own slot, under the lock, and the slots are read
/// after `concurrentPerform` returned, which orders the writes before the reads.
final class PartResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[TopK]]

    init(_ parts: Int) { slots = Array(repeating: [], count: parts) }

    func store(_ heaps: [TopK], at part: Int) { lock.withLock { slots[part] = heaps } }
    func take(_ part: Int) -> [TopK] { lock.withLock { slots[part] } }
}
