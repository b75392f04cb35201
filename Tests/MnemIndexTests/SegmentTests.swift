import Foundation
import MnemCore
import MnemEmbedding
import MnemGit
import Testing

@testable import MnemIndex

/// An index updated through deltas returns what a full rebuild returns, hit for hit.
@Suite struct SegmentTests {
    /// Two embedders that make the same vectors under different ids: the index under test, and
    /// a reference rebuilt from scratch after every change, each in its own files.
    static let segmented = TestHashingEmbedder(id: "segmented", dimension: 64)
    static let reference = TestHashingEmbedder(id: "reference", dimension: 64)
    static let neverFold = SegmentPolicy(minimumBaseRows: 0, maximumDeltaFraction: 1_000)

    static let queries = ["parser tests habit", "fix the failing build", "borrow checker", "same words everywhere", ""]
    static let rankings: [RankingPolicy] = [
        RankingPolicy(), RankingPolicy(order: .kindFirst), RankingPolicy(order: .kindFirst, minimumScore: -1),
        RankingPolicy(order: .score, minimumScore: -1),
        RankingPolicy(order: .kindFirst, kindOrder: [.trajectory, .insight], minimumScore: 0, queryDomain: "rust"),
        RankingPolicy(order: .score, minimumScore: 0.05, domainGuardMargin: 0.3, queryDomain: "python"),
    ]
    static let filters: [SearchFilter] = [
        SearchFilter(), SearchFilter(kinds: [.insight, .trajectory]), SearchFilter(domains: ["rust", "python"]),
        SearchFilter(outcomes: [.failure], excludedModels: ["model-b"]),
    ]

    /// Memories whose embedded text repeats, so equal scores meet across the two files.
    static func twins(_ n: Int, offset: Int) -> [Memory] {
        (0..<n).map { i in
            Make.insight("same words everywhere", domain: ["python", "rust", "go"][(i + offset) % 3], outcome: i % 2 == 0 ? .success : .failure,
                model: "model-\(offset + i)")
        }
    }

    /// Every query, ranking, filter and k gives the same hits from both indexes.
    func expectSameSearches(_ test: TestPool, _ snapshot: IndexSnapshot, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (rebuilt, _) = try VectorIndex(pool: test.pool, embedder: Self.reference).open(rebuild: true)
        #expect(rebuilt.segmentCount == 1)
        #expect(snapshot.count == rebuilt.count, sourceLocation: sourceLocation)
        #expect(snapshot.ids() == rebuilt.ids(), sourceLocation: sourceLocation)
        for text in Self.queries {
            let query = try Self.segmented.embed([text])[0]
            for ranking in Self.rankings {
                for filter in Self.filters {
                    for k in [1, 7, 500] {
                        let mine = snapshot.search(query, k: k, filter: filter, ranking: ranking)
                        let theirs = rebuilt.search(query, k: k, filter: filter, ranking: ranking)
                        #expect(mine == theirs, "query '\(text)', k \(k), \(ranking), \(filter)", sourceLocation: sourceLocation)
                    }
                }
            }
        }
    }

    @Test func deltaUpdatesSearchLikeARebuild() throws {
        let test = try TestPool()
        let first = Make.mixed(40) + Self.twins(6, offset: 0)
        try test.add(first)
        let index = VectorIndex(pool: test.pool, embedder: Self.segmented)
        index.segments = Self.neverFold
        let (start, _) = try index.open()
        let baseBytes = try fileBytes(index.path)
        #expect(start.segmentCount == 1)

        // Adds (with twins of base rows), forgets of base rows, then of a delta row, then a
        // forgotten memory added again: each update writes the delta only.
        let added = Make.mixed(15, offset: 500) + Self.twins(4, offset: 10)
        try test.add(added)
        var (snapshot, report) = try index.open()
        #expect(report.action == .updated && report.deltaOnly)
        #expect(report.added == 19 && report.removed == 0)
        #expect(snapshot.segmentCount == 2 && snapshot.delta?.count == 19)
        try expectSameSearches(test, snapshot)

        try test.forget([first[0].id, first[3].id, first[41].id])
        (snapshot, report) = try index.open()
        #expect(report.deltaOnly && report.removed == 3)
        #expect(snapshot.delta?.removedCount == 3)
        try expectSameSearches(test, snapshot)

        try test.forget([added[2].id, first[5].id])
        try test.add([first[0]] + Make.mixed(3, offset: 900))
        (snapshot, report) = try index.open()
        #expect(report.deltaOnly && report.added == 4 && report.removed == 2)
        #expect(snapshot.delta?.removedCount == 4, "first[0] came back in the delta; its base row stays removed")
        #expect(snapshot.count == 46 + 19 - 3 - 2 + 4)
        try expectSameSearches(test, snapshot)

        // The base file was never rewritten.
        #expect(try fileBytes(index.path) == baseBytes)
    }

    @Test func aChangedFileUnderTheSameIDIsReplacedInTheDelta() throws {
        let test = try TestPool()
        var memory = Make.summary("the same memory", domain: "python")
        try test.add(Make.mixed(8) + [memory])
        let index = VectorIndex(pool: test.pool, embedder: Self.segmented)
        index.segments = Self.neverFold
        _ = try index.open()
        memory.source.capturedAt = "2030-01-01T00:00:00Z"
        let blob = try test.pool.repository.writeBlob(memory.canonicalBytes())
        try UpdateEdgeTests().commit(test, [.upsert(path: memory.path, blob: blob)])
        let (snapshot, report) = try index.open()
        #expect(report.deltaOnly && report.added == 1 && report.removed == 1)
        let found = try #require(snapshot.location(of: memory.id))
        #expect(found.file === snapshot.delta && found.file.blob(at: found.row) == blob)
        try expectSameSearches(test, snapshot)
    }

    @Test func foldingTheDeltaGivesTheRebuiltFileByteForByte() throws {
        let test = try TestPool()
        let first = Make.mixed(30)
        try test.add(first)
        let index = VectorIndex(pool: test.pool, embedder: Self.segmented)
        index.segments = Self.neverFold
        _ = try index.open()
        try test.add(Make.mixed(10, offset: 300))
        try test.forget([first[1].id, first[2].id])
        _ = try index.open()
        #expect(FileManager.default.fileExists(atPath: index.deltaPath))

        // Past the bound: the next update folds everything into one new base.
        index.segments = SegmentPolicy(minimumBaseRows: 0, maximumDeltaFraction: 0.1)
        try test.add([Make.insight("one more habit", domain: "go", model: "model-new")])
        let (snapshot, report) = try index.open()
        #expect(report.action == .updated && !report.deltaOnly)
        #expect(snapshot.segmentCount == 1 && snapshot.count == 30 + 10 - 2 + 1)
        #expect(!FileManager.default.fileExists(atPath: index.deltaPath))
        let folded = try fileBytes(index.path)
        _ = try index.open(rebuild: true)
        #expect(try fileBytes(index.path) == folded)
    }

    @Test func aDeltaOfAnotherBaseOrOneFailingItsChecksIsNotUsed() throws {
        let test = try TestPool()
        try test.add(Make.mixed(20))
        let index = VectorIndex(pool: test.pool, embedder: Self.segmented)
        index.segments = Self.neverFold
        _ = try index.open()
        try test.add(Make.mixed(5, offset: 100))
        _ = try index.open()
        let staleDelta = try fileBytes(index.deltaPath)

        // A new base (a rebuild), then the old delta put back beside it.
        _ = try index.open(rebuild: true)
        try writeBytes(staleDelta, index.deltaPath)
        var opened = try index.openAsIs().get()
        #expect(opened.delta == nil)
        #expect(opened.ignoredDelta == .inconsistentLayout("the delta follows another base"))
        #expect(opened.commit == (try test.pool.tip())?.hex, "the base alone is up to date")

        // A delta that fails its checksum is left out, and the next update replaces it.
        try test.add(Make.mixed(3, offset: 200))
        _ = try index.open()
        var bytes = try fileBytes(index.deltaPath)
        bytes[bytes.count - 3] ^= 0x10
        try writeBytes(bytes, index.deltaPath)
        opened = try index.openAsIs().get()
        #expect(opened.delta == nil && opened.ignoredDelta == .vectorChecksumMismatch)
        try test.add(Make.mixed(2, offset: 400))
        let (snapshot, report) = try index.open()
        #expect(report.action == .updated && snapshot.delta != nil)
        try expectSameSearches(test, snapshot)
    }

    @Test func anUpdateReadsAndEmbedsOnlyWhatChanged() throws {
        let test = try TestPool()
        try test.add(Make.mixed(60))
        let counting = CountingEmbedder()
        let index = VectorIndex(pool: test.pool, embedder: counting)
        index.segments = Self.neverFold
        _ = try index.open()
        let baseIdentity = FileIdentity.current(index.path)
        #expect(counting.counter.texts == 60)
        for round in 0..<3 {
            try test.add(Make.mixed(2, offset: 1000 + 10 * round))
            let (snapshot, _) = try index.open()
            #expect(snapshot.delta?.count == 2 * (round + 1))
        }
        #expect(counting.counter.texts == 66)
        #expect(FileIdentity.current(index.path) == baseIdentity, "the base file is left as it was")
    }

    @Test func everyKernelSkipsTheRowsADeltaRemoves() throws {
        let test = try TestPool()
        let first = Make.mixed(60)
        try test.add(first)
        let index = VectorIndex(pool: test.pool, embedder: Self.segmented)
        index.segments = Self.neverFold
        _ = try index.open()
        try test.forget(first.prefix(20).map(\.id))
        let (snapshot, _) = try index.open()
        #expect(snapshot.delta?.removedCount == 20)
        let forgotten = Set(first.prefix(20).map(\.id))
        let query = try Self.segmented.embed(["parser tests habit"])[0]
        let everything = RankingPolicy(order: .score, minimumScore: -2, domainGuardMargin: 0)
        var results: [[SearchHit]] = []
        for kernel in VectorScan.Kernel.allCases where kernel.isAvailable {
            for skipping in [true, false] {
                let hits = snapshot.base.search(query, k: 100, filter: SearchFilter(), ranking: everything, parts: nil, kernel: kernel, skipping: skipping)
                #expect(hits.count == 40 && hits.allSatisfy { !forgotten.contains($0.id) }, "\(kernel), skipping \(skipping)")
                results.append(hits)
            }
        }
        // Every live row, whatever the kernel (their scores differ in the last bits, so compare ids).
        #expect(results.allSatisfy { Set($0.map(\.id)) == Set(results[0].map(\.id)) })
    }

    @Test func mergedResultsFollowTheRankingsOrder() throws {
        let blob = try #require(ObjectID(hex: String(repeating: "0", count: 40)))
        func hit(_ id: Character, _ kind: MemoryKind, _ score: Float) throws -> SearchHit {
            SearchHit(
                id: try #require(MemoryID(String(repeating: id, count: 40))), blob: blob, kind: kind, outcome: .success, domain: "d", model: nil,
                score: score, bar: 0)
        }
        let a = [try hit("1", .insight, 0.2), try hit("3", .insight, 0.2), try hit("5", .trajectory, 0.9)]
        let b = [try hit("2", .insight, 0.2), try hit("4", .summary, 0.8)]
        let kindFirst = RankingPolicy(order: .kindFirst).merge(a, b, k: 10).map { $0.id.rawValue.first }
        #expect(kindFirst == ["1", "2", "3", "4", "5"])
        let byScore = RankingPolicy(order: .score).merge(
            [a[2], a[0], a[1]], [b[1], b[0]], k: 4
        ).map { $0.id.rawValue.first }
        #expect(byScore == ["5", "4", "1", "2"])
    }
}
