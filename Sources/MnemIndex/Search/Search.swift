import CMnemKernels
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
    /// The bar the memory had to clear (the minimum score, or its calibrated floor, plus the
    /// domain guard's margin if it applied).
    public var bar: Float
    /// `.relevance` ranking: background spreads above the floor plus the kind's prior (see `RankingPolicy`).
    public var relevance: Float? = nil
}

extension Sidecar {
    /// The best `k` memories for `query` by exact cosine similarity, filtered and ranked by `ranking`.
    ///
    /// The portable loop consults the filter columns before it touches a vector; the AVX2 and
    /// AVX-512 kernels score every row (cheaper than branching at their speed) and filter only the
    /// rows that score high enough to enter the results. Either way the result is the same.
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
        let plain = UnsafeMutablePointer<Float>.allocate(capacity: kernel == .portable ? 1 : stride / elementType.byteWidth)
        defer { plain.deallocate() }
        if kernel != .portable { VectorScan.preparePlainQuery(query, for: self, into: plain) }

        let table = strings
        let rowFilter = RowFilter(filter, ranking, strings: table)
        let plan = ScanPlan(
            vectors: base + layout.vectorsOffset, kinds: scanKinds, outcomes: base + layout.outcomesOffset,
            domains: base + layout.domainsOffset, models: base + layout.modelsOffset, stride: stride, count: count,
            elementType: elementType, query: prepared, plainQuery: UnsafePointer(plain), kernel: kernel, k: k, heapCount: ranking.order == .kindFirst ? 4 : 1,
            filter: rowFilter, skipping: skipping)
        let heaps = plan.run(parts: parts)

        let ranked = heaps.map { $0.sortedKeys() }
        // The scan has pushed the hits' ids, blobs and columns out of the near caches: start all
        // their misses before the first hit waits on one (an id or blob may straddle two lines).
        for keys in ranked {
            for key in keys.prefix(k) {
                let row = Int(TopK.row(key))
                let id = base + layout.idsOffset + row * SidecarLayout.idSize
                let blob = base + layout.blobsOffset + row * SidecarLayout.idSize
                mnem_prefetch(id)
                mnem_prefetch(id + SidecarLayout.idSize - 1)
                mnem_prefetch(blob)
                mnem_prefetch(blob + SidecarLayout.idSize - 1)
                mnem_prefetch(base + layout.kindsOffset + row)
                mnem_prefetch(base + layout.outcomesOffset + row)
                mnem_prefetch(base + layout.domainsOffset + row * 4)
                mnem_prefetch(base + layout.modelsOffset + row * 4)
            }
        }
        var hits: [SearchHit] = []
        hits.reserveCapacity(min(k, count))
        for keys in ranked {
            for key in keys {
                guard hits.count < k else { break }
                let r = Int(TopK.row(key))
                guard let id = id(at: r), let blob = blob(at: r), let kind = kind(at: r), let outcome = outcome(at: r) else { continue }
                // The string table read once above, rather than through the lazy property per lookup.
                let domainIndex = min(Int(domainIndex(at: r)), table.count)
                let modelIndex = Int(modelIndex(at: r))
                hits.append(
                    SearchHit(
                        id: id, blob: blob, kind: kind, outcome: outcome, domain: domainIndex < table.count ? table[domainIndex] : "",
                        model: modelIndex < table.count ? table[modelIndex] : nil, score: TopK.score(key),
                        bar: rowFilter.bar(kindCode: Int(kind.code), domain: domainIndex)))
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
        PackedID(hex: id.rawValue).flatMap { row(of: $0) }
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
    var plainQuery: UnsafePointer<Float>
    /// The loop that scores the rows: a C kernel only for float16 rows on a CPU that has it.
    var kernel: VectorScan.Kernel
    var k: Int
    var heapCount: Int
    var filter: RowFilter
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
        // No heap holds more than the file's rows, whatever k asks (each part's heaps take the others' in the merge).
        var heaps = (0..<heapCount).map { _ in TopK(capacity: min(k, count)) }
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
        let kind = Int(kinds.load(fromByteOffset: row, as: UInt8.self))
        let outcome = Int(outcomes.load(fromByteOffset: row, as: UInt8.self))
        guard filter.admits(kindCode: kind), filter.admits(outcomeCode: outcome) else { return nil }
        // The string columns are read only when a filter or the domain guard looks at them.
        var domain = filter.noneIndex
        if filter.readsDomains {
            domain = min(Int(UInt32(littleEndian: domains.load(fromByteOffset: row &* 4, as: UInt32.self))), filter.noneIndex)
            guard !filter.filtersDomains || filter.domainAllowed[domain] else { return nil }
        }
        if filter.filtersModels {
            let model = min(Int(UInt32(littleEndian: models.load(fromByteOffset: row &* 4, as: UInt32.self))), filter.noneIndex)
            guard filter.modelAllowed[model] else { return nil }
        }
        return (filter.bar(kindCode: kind, domain: domain), filter.heap(kindCode: kind))
    }

    /// The scan with a C kernel (AVX2 or AVX-512): the kernel scores every row and hands over
    /// at once, through `WideScan.visit`, only those scoring at least their threshold; only
    /// those are filtered and offered to the heaps.
    ///
    /// The threshold of a kind is the least score a row of it could still need to enter its heap:
    /// the lower of the kind's two bars, raised to the root of its heap once that heap is full (a
    /// later row must beat the root: on a tie the kept, lower row wins), and +∞ where the filter
    /// excludes the kind (or the code is not a kind). Rows below it could not change the
    /// result, so after the first rows almost none pays for `admit` and the heap. With
    /// `skipping` off every row is handed over.
    func scanWide(_ rows: Range<Int>, into heaps: inout [TopK]) {
        let thresholds = UnsafeMutablePointer<Float>.allocate(capacity: WideScan.thresholdCount)
        defer { thresholds.deallocate() }
        thresholds.initialize(repeating: skipping ? .infinity : -.infinity, count: WideScan.thresholdCount)
        var scan = WideScan(plan: self, heaps: heaps, thresholds: thresholds, start: rows.lowerBound)
        heaps = []  // so the scan's copy is the only one and its first insert does not copy the heaps
        if skipping {
            for heap in 0..<heapCount { scan.raiseThresholds(of: heap) }
        }
        let visit: mnem_scan_visit = { context, row, score in
            context?.assumingMemoryBound(to: WideScan.self).pointee.visit(row, score)
        }
        let vectors = vectors + rows.lowerBound * stride
        let kinds = kinds.assumingMemoryBound(to: UInt8.self) + rows.lowerBound
        let outcomes = outcomes.assumingMemoryBound(to: UInt8.self) + rows.lowerBound
        withUnsafeMutablePointer(to: &scan) { context in
            _ =
                kernel == .avx512
                ? mnem_scan_f16_avx512(vectors, stride, rows.count, plainQuery, stride / 2, kinds, outcomes, thresholds, visit, context)
                : mnem_scan_f16_avx2(vectors, stride, rows.count, plainQuery, stride / 2, kinds, outcomes, thresholds, visit, context)
        }
        heaps = scan.heaps
    }
}

/// What the C kernel's callback works on during one wide scan: the heaps, and the thresholds it
/// raises as they fill.
struct WideScan {
    /// One per kind code 0...3, and one for every code that is not a kind.
    static let thresholdCount = 5

    let plan: ScanPlan
    var heaps: [TopK]
    let thresholds: UnsafeMutablePointer<Float>
    /// The row the kernel counts from.
    let start: Int

    /// A row the kernel found at or above its threshold.
    mutating func visit(_ offset: Int, _ score: Float) {
        let row = start + offset
        guard let bar = plan.admit(row), score >= bar.score else { return }
        heaps[bar.heap].insert(score, row: Int32(row))
        if plan.skipping { raiseThresholds(of: bar.heap) }
    }

    /// Sets the thresholds of the kinds whose rows go to `heap` from its root and their bars.
    func raiseThresholds(of heap: Int) {
        let bound = heaps[heap].admissionBound
        for kind in 0..<4 where plan.filter.heap(kindCode: kind) == heap {
            let bar = plan.filter.lowestBar(kindCode: kind)
            thresholds[kind] = plan.filter.admits(kindCode: kind) ? (bound > bar ? bound : bar) : .infinity
        }
    }
}

/// A search's filter and ranking as lookups over a row's columns: bit masks over the kind and
/// outcome codes, tables over the string indexes only where a filter or the domain guard reads
/// them, and the bars.
struct RowFilter {
    /// Bit c: kind code c passes (codes 4 and up never do).
    var kinds: UInt8
    /// Bit c: outcome code c passes (codes 3 and up never do).
    var outcomes: UInt8
    /// The string index that stands for "none" (a missing model, an index out of range).
    var noneIndex: Int
    var filtersDomains: Bool
    var filtersModels: Bool
    /// Whether the domain guard applies (a query domain is known).
    var guarded: Bool
    /// By string index (noneIndex included); empty when nothing filters on them.
    var domainAllowed: [Bool]
    var modelAllowed: [Bool]
    /// By string index: whether the domain guard's margin applies; empty when unguarded.
    var mismatched: [Bool]
    /// The bars, [kind code × 2 + mismatched].
    var bars: SIMD8<Float>
    /// The heap of each kind code.
    var heaps: SIMD4<Int32>

    var readsDomains: Bool { filtersDomains || guarded }

    init(_ filter: SearchFilter, _ ranking: RankingPolicy, strings table: [String]) {
        kinds = filter.kinds.isEmpty ? 0b1111 : filter.kinds.reduce(0) { $0 | 1 << $1.code }
        outcomes = filter.outcomes.isEmpty ? 0b111 : filter.outcomes.reduce(0) { $0 | 1 << $1.code }
        noneIndex = table.count
        filtersDomains = !filter.domains.isEmpty || !filter.excludedDomains.isEmpty
        filtersModels = !filter.models.isEmpty || !filter.excludedModels.isEmpty
        guarded = ranking.guardsDomains
        func allowed(_ only: Set<String>, _ except: Set<String>) -> [Bool] {
            table.map { (only.isEmpty || only.contains($0)) && !except.contains($0) } + [only.isEmpty]
        }
        domainAllowed = filtersDomains ? allowed(filter.domains, filter.excludedDomains) : []
        modelAllowed = filtersModels ? allowed(filter.models, filter.excludedModels) : []
        mismatched = guarded ? table.map(ranking.isOtherDomain) + [false] : []
        bars = SIMD8(repeating: ranking.minimumScore)
        for code in 0..<4 where MemoryKind.from(code: UInt8(code)).map(RankingPolicy.isConcrete) == true {
            bars[code * 2 + 1] = ranking.minimumScore + ranking.domainGuardMargin
        }
        heaps = .zero
        if ranking.order == .kindFirst {
            for (code, rank) in ranking.rankByKindCode().enumerated() where code < 4 { heaps[code] = Int32(rank) }
        }
    }

    @inline(__always)
    func admits(kindCode code: Int) -> Bool { code < 4 && kinds >> code & 1 != 0 }

    @inline(__always)
    func admits(outcomeCode code: Int) -> Bool { code < 3 && outcomes >> code & 1 != 0 }

    /// The heap of a kind code below 4.
    @inline(__always)
    func heap(kindCode code: Int) -> Int { Int(heaps[code & 3]) }

    /// The bar of a row of kind code `code` (below 4) whose domain has string index `domain` (at most noneIndex).
    @inline(__always)
    func bar(kindCode code: Int, domain: Int) -> Float {
        bars[(code & 3) &* 2 &+ (guarded && mismatched[domain] ? 1 : 0)]
    }

    /// The lower of a kind's two bars (NaN only if both are: then nothing of that kind enters).
    func lowestBar(kindCode code: Int) -> Float {
        let (a, b) = (bars[code * 2], bars[code * 2 + 1])
        return a.isNaN ? b : (b < a ? b : a)
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
