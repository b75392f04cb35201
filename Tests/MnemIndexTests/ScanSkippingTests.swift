import Foundation
import MnemCore
import Testing

@testable import MnemIndex

/// The wide scan skips rows that score below what could still enter a heap. These tests check
/// that skipping never changes a result: the same hits, scores and order as handing every row
/// to the filters and heaps, whatever the filter, ranking, k, split and ties.
@Suite("Scan threshold skipping")
struct ScanSkippingTests {
    /// A sidecar of `count` rows whose columns and vectors the closures choose (row order = id order).
    static func sidecar(
        _ dir: TemporaryDirectory, count: Int, elementType: VectorElementType = .float16, kind: (Int) -> MemoryKind,
        domain: (Int) -> String, model: (Int) -> String?, vector: (Int) -> [Float]
    ) throws -> Sidecar {
        let entries = (0..<count).map { row in
            var bytes = [UInt8](repeating: 0, count: 20)
            for i in 0..<8 { bytes[19 - i] = UInt8(truncatingIfNeeded: UInt64(row) >> (8 * UInt64(i))) }
            return SidecarEntry(
                id: PackedID(bytes: bytes), blob: PackedID(bytes: bytes), kind: kind(row), outcome: row % 3 == 0 ? .failure : .success,
                domain: domain(row), model: model(row), vector: .floats(vector(row)))
        }
        let path = dir.path + "/skip-\(count)-\(elementType.name).vec"
        try SidecarWriter.write(
            entries: entries, commit: Sidecar.noCommit, embedderID: "skip:64", dimension: 64, elementType: elementType, previous: [], to: path)
        return try Sidecar.open(path: path, embedderID: "skip:64", dimension: 64)
    }

    /// A fixed pseudo-random sequence in [-1, 1).
    struct Numbers {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)
        }
        mutating func vector(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    static let domains = ["python", "rust", "go", "javascript/react", "general"]

    static let rankings: [RankingPolicy] = [
        RankingPolicy(),
        RankingPolicy(order: .kindFirst),
        RankingPolicy(order: .kindFirst, minimumScore: -1, domainGuardMargin: 0.15, queryDomain: "python"),
        RankingPolicy(order: .kindFirst, kindOrder: [.trajectory], minimumScore: 0, domainGuardMargin: 0.3, queryDomain: "rust"),
        RankingPolicy(order: .score, minimumScore: -.infinity, domainGuardMargin: 0),
        RankingPolicy(order: .score, minimumScore: 0.05, domainGuardMargin: 0.1, queryDomain: "go"),
        RankingPolicy(order: .score, minimumScore: 0.2, domainGuardMargin: -0.3, queryDomain: "python"),
        RankingPolicy(order: .score, minimumScore: .nan, domainGuardMargin: 0),
        RankingPolicy(order: .kindFirst, minimumScore: 0, domainGuardMargin: .nan, queryDomain: "python"),
    ]

    static let filters: [SearchFilter] = [SearchFilter()] + filterCases.map(\.filter) + [SearchFilter(excludedDomains: ["general"], models: ["model-a"])]

    /// The C kernels this CPU runs (the portable loop does not skip).
    static let kernels = [VectorScan.Kernel.avx2, .avx512].filter(\.isAvailable)

    /// Every search of `sidecar` with skipping on and off, compared exactly, for each C kernel.
    static func expectSkippingChangesNothing(_ sidecar: Sidecar, queries: [[Float]], ks: [Int]) {
        let cases = queries.flatMap { query in rankings.flatMap { ranking in filters.map { (query, ranking, $0) } } }
        var compared = 0
        for kernel in kernels {
            for (query, ranking, filter) in cases {
                for k in ks {
                    for parts in [1, 2] {
                        let skipped = sidecar.search(query, k: k, filter: filter, ranking: ranking, parts: parts, kernel: kernel, skipping: true)
                        let every = sidecar.search(query, k: k, filter: filter, ranking: ranking, parts: parts, kernel: kernel, skipping: false)
                        // One Bool, so a failure names the case instead of printing every hit.
                        let same = skipped == every
                        #expect(same, "\(kernel), k \(k), parts \(parts), \(skipped.count) vs \(every.count) hits, \(filter), \(ranking)")
                        compared += skipped.count
                    }
                }
            }
        }
        #expect(compared > 0 || kernels.isEmpty)
    }

    @Test("skipping rows below the heaps' thresholds gives the results of scoring every row")
    func skippingChangesNothing() throws {
        let dir = try TemporaryDirectory()
        var random = Numbers(state: 0x5EED)
        let vectors = (0..<6_000).map { _ in random.vector(64) }
        // Insights are rare (fewer than k for most k), so their heap never fills and keeps its bar.
        let sidecar = try Self.sidecar(
            dir, count: 6_000, kind: { $0 % 997 == 0 ? .insight : [.summary, .workflow, .trajectory][$0 % 3] },
            domain: { Self.domains[$0 % 5] }, model: { $0 % 2 == 0 ? "model-a" : ($0 % 7 == 0 ? nil : "model-b") }, vector: { vectors[$0] })
        let queries = [random.vector(64), vectors[4_321], random.vector(64).map { -$0 }]
        Self.expectSkippingChangesNothing(sidecar, queries: queries, ks: [1, 10, 300])
    }

    @Test("with many equal scores the lower rows win, skipping or not")
    func tiesKeepTheLowerRows() throws {
        let dir = try TemporaryDirectory()
        var random = Numbers(state: 0xC0FFEE)
        // Three distinct vectors, so thousands of rows score exactly alike.
        let distinct = (0..<3).map { _ in random.vector(64) }
        let sidecar = try Self.sidecar(
            dir, count: 5_000, kind: { [.insight, .summary, .workflow, .trajectory][($0 / 7) % 4] },
            domain: { Self.domains[$0 % 5] }, model: { $0 % 2 == 0 ? "model-a" : nil }, vector: { distinct[($0 / 3) % 3] })
        Self.expectSkippingChangesNothing(sidecar, queries: distinct + [random.vector(64)], ks: [1, 10, 300])

        // By score alone, the best vector's rows in row order: the first k of them.
        let ranking = RankingPolicy(order: .score, minimumScore: -.infinity, domainGuardMargin: 0)
        let expected = Array((0..<5_000).filter { ($0 / 3) % 3 == 1 }.prefix(25))
        for kernel in [VectorScan.Kernel.portable] + Self.kernels {
            for parts in [1, 2] {
                let hits = sidecar.search(distinct[1], k: 25, filter: SearchFilter(), ranking: ranking, parts: parts, kernel: kernel)
                #expect(hits.compactMap { sidecar.rowOf($0.id) } == expected, "\(kernel), parts \(parts)")
                #expect(Set(hits.map(\.score)).count == 1)
            }
        }
    }

    @Test("a k beyond the file's rows returns every eligible row, on every kernel and split")
    func hugeK() throws {
        let dir = try TemporaryDirectory()
        var random = Numbers(state: 0xB16)
        let sidecar = try Self.sidecar(
            dir, count: 300, kind: { MemoryKind.allCases[$0 % 4] }, domain: { Self.domains[$0 % 5] }, model: { _ in nil },
            vector: { _ in random.vector(64) })
        let ranking = RankingPolicy(order: .score, minimumScore: -.infinity, domainGuardMargin: 0)
        for kernel in [VectorScan.Kernel.portable] + Self.kernels {
            for parts in [1, 2] {
                let hits = sidecar.search(random.vector(64), k: .max, filter: SearchFilter(), ranking: ranking, parts: parts, kernel: kernel)
                #expect(hits.count == 300, "\(kernel), parts \(parts)")
            }
        }
    }

    @Test("kind and outcome codes decode to what they encode")
    func codesRoundTrip() {
        for kind in MemoryKind.allCases { #expect(MemoryKind.from(code: kind.code) == kind) }
        for outcome in [Outcome.success, .failure, .unknown] { #expect(Outcome.from(code: outcome.code) == outcome) }
        #expect(MemoryKind.from(code: 4) == nil)
        #expect(Outcome.from(code: 3) == nil)
    }

    @Test("float32 sidecars and the portable loop still agree with the wide scan")
    func float32AndPortable() throws {
        let dir = try TemporaryDirectory()
        var random = Numbers(state: 0xF32)
        let vectors = (0..<3_000).map { _ in random.vector(64) }
        let float32 = try Self.sidecar(
            dir, count: 3_000, elementType: .float32, kind: { MemoryKind.allCases[$0 % 4] }, domain: { Self.domains[$0 % 5] },
            model: { _ in "model-a" }, vector: { vectors[$0] })
        let float16 = try Self.sidecar(
            dir, count: 3_000, kind: { MemoryKind.allCases[$0 % 4] }, domain: { Self.domains[$0 % 5] }, model: { _ in "model-a" },
            vector: { vectors[$0] })
        let ranking = RankingPolicy(order: .score, minimumScore: -.infinity, domainGuardMargin: 0)
        for query in [vectors[17], random.vector(64)] {
            let exact = float32.search(query, k: 10, filter: SearchFilter(), ranking: ranking, parts: 1, kernel: VectorScan.kernel)
            let portable = float16.search(query, k: 10, filter: SearchFilter(), ranking: ranking, parts: 1, kernel: .portable)
            #expect(exact.count == 10)
            // float16 rounding moves scores by ~1e-3: the best match survives it.
            #expect(exact.first?.id == portable.first?.id)
            for kernel in Self.kernels {
                let wide = float16.search(query, k: 10, filter: SearchFilter(), ranking: ranking, parts: 1, kernel: kernel)
                #expect(wide.map(\.id) == portable.map(\.id), "\(kernel)")
                for (a, b) in zip(wide, portable) { #expect(abs(a.score - b.score) < 1e-4) }
            }
        }
    }
}
