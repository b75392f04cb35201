import Foundation
import MnemCore
import MnemGit
import MnemEmbedding
import Testing

@testable import MnemIndex

@Suite struct SidecarTests {
    @Test(arguments: [VectorElementType.float16, .float32])
    func roundTrip(elementType: VectorElementType) throws {
        let test = try TestPool()
        let memories = Make.mixed(12)
        try test.add(memories)
        let embedder = (try HashEmbedder(dimension: 100))  // not a multiple of 64 bytes: exercises padding
        let index = VectorIndex(pool: test.pool, embedder: embedder, elementType: elementType)
        let (snapshot, report) = try index.open()
        let sidecar = snapshot.base
        #expect(report.action == .rebuilt(reason: .missing))
        #expect(sidecar.count == 12)
        #expect(sidecar.elementType == elementType)
        #expect(sidecar.commit == (try test.pool.tip())?.hex)
        #expect(index.path.hasPrefix(test.pool.repository.gitDirectory))

        let byID = Dictionary(uniqueKeysWithValues: memories.map { ($0.id, $0) })
        var previous: MemoryID?
        for row in 0..<sidecar.count {
            let id = try #require(sidecar.id(at: row))
            if let previous { #expect(previous < id) }
            previous = id
            let memory = try #require(byID[id])
            #expect(sidecar.kind(at: row) == memory.kind)
            #expect(sidecar.outcome(at: row) == memory.outcome)
            #expect(sidecar.domain(at: row) == memory.domain)
            #expect(sidecar.model(at: row) == memory.source.model)
            let expected = try embedder.embed([embeddingText(for: memory)])[0]
            let stored = sidecar.vector(at: row)
            let tolerance: Float = elementType == .float16 ? 1e-3 : 1e-6
            for (a, b) in zip(expected, stored) { #expect(abs(a - b) <= tolerance) }
        }

        // Opened again, nothing is rebuilt and the same rows come back.
        let (again, secondReport) = try index.open()
        #expect(secondReport.action == .upToDate)
        #expect(again.count == 12)
    }

    @Test func emptyPoolHasAnEmptySidecar() throws {
        let test = try TestPool()
        let index = VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 256)))
        let (sidecar, _) = try index.open()
        #expect(sidecar.count == 0)
        #expect(sidecar.commit == Sidecar.noCommit)
        let probe = try HashEmbedder(dimension: 256).embed(["anything"])[0]
        #expect(sidecar.search(probe, k: 5).isEmpty)
        try test.add(Make.mixed(3))
        let (updated, report) = try index.open()
        #expect(report.action == .updated)
        #expect(updated.count == 3)
    }

    @Test func scanMatchesScalarDotProducts() throws {
        let test = try TestPool()
        try test.add(Make.mixed(40))
        let embedder = (try HashEmbedder(dimension: 256))
        for type in VectorElementType.allCases {
            let sidecar = try VectorIndex(pool: test.pool, embedder: embedder, elementType: type).open(rebuild: true).0.base
            let query = try embedder.embed(["parser tests habit fix"])[0]
            let hits = sidecar.scanAll(query, k: 40)
            #expect(hits.count == 40)
            for (score, row) in hits {
                let stored = sidecar.vector(at: Int(row))
                let exact = zip(stored, query).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(abs(exact - score) < 1e-3)
            }
        }
    }

    @Test func checksumDetectsEverySingleByteFlip() {
        var bytes = [UInt8](repeating: 0, count: 203)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        let original = bytes.withUnsafeBytes { SidecarChecksum.hash($0) }
        for i in bytes.indices {
            bytes[i] ^= 0x10
            #expect(bytes.withUnsafeBytes { SidecarChecksum.hash($0) } != original)
            bytes[i] ^= 0x10
        }
    }

    @Test func checksumKeepsItsValueAndAnySplitAgrees() {
        let bytes = (0..<203).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = bytes.withUnsafeBytes { SidecarChecksum.hash($0) }
        // Pinned: the files already on disk were written with this function.
        #expect(whole == 0xF52C_ACD2_FAFF_E7E3)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var stream = SidecarChecksum.Stream()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + Int.random(in: 0...70, using: &rng))
                bytes[start..<end].withUnsafeBytes { stream.update($0) }
                start = end
            }
            #expect(stream.finish() == whole)
        }
    }

    @Test func packedIDsKeepHexOrder() throws {
        let ids = Make.mixed(20).map(\.id).sorted()
        let packed = try ids.map { try #require(PackedID(hex: $0.rawValue)) }
        #expect(packed == packed.sorted())
        #expect(packed.map(\.hex) == ids.map(\.rawValue))
        #expect(PackedID(hex: "xyz") == nil)
    }
}

@Suite struct IncrementalTests {
    @Test func incrementalUpdateEqualsFullRebuild() throws {
        let test = try TestPool()
        let first = Make.mixed(30)
        try test.add(first)
        let embedder = (try HashEmbedder(dimension: 256))
        let index = VectorIndex(pool: test.pool, embedder: embedder)
        _ = try index.open()

        // Adds and forgets over two commits, then one update.
        try test.add(Make.mixed(25, offset: 100))
        try test.forget([first[0].id, first[7].id, first[29].id])
        try test.add([Make.insight("brand new habit", domain: "go")])
        let (updated, report) = try index.open()
        #expect(report.action == .updated)
        #expect(report.added == 26)
        #expect(report.removed == 3)
        #expect(updated.count == 30 + 25 + 1 - 3)
        let incremental = try fileBytes(index.path)

        let (rebuilt, rebuildReport) = try index.open(rebuild: true)
        #expect(rebuildReport.action == .rebuilt(reason: nil))
        #expect(rebuilt.count == updated.count)
        // Same ids, columns, string table and vector bytes: the whole file is identical.
        #expect(try fileBytes(index.path) == incremental)
    }

    @Test func anUpdateThatDropsAndAddsStringsEqualsARebuild() throws {
        let test = try TestPool()
        let rust = [Make.insight("borrow checker habit", domain: "rust", model: "model-r"), Make.insight("cargo habit", domain: "rust", model: nil)]
        try test.add(Make.mixed(12, offset: 300).filter { $0.domain != "rust" } + rust)
        let index = VectorIndex(pool: test.pool, embedder: try HashEmbedder(dimension: 64))
        _ = try index.open()
        // Every "rust" row and the only "model-r" row go; a new domain and model arrive.
        try test.forget(rust.map(\.id))
        try test.add([Make.insight("goroutine habit", domain: "go", model: "model-z")])
        let (updated, report) = try index.open()
        #expect(report.action == .updated)
        #expect(!updated.base.strings.contains("rust") && !updated.base.strings.contains("model-r"))
        #expect(updated.base.strings.contains("go") && updated.base.strings.contains("model-z"))
        let incremental = try fileBytes(index.path)
        _ = try index.open(rebuild: true)
        #expect(try fileBytes(index.path) == incremental)
    }

    @Test func updateCopiesVectorsInsteadOfReembedding() throws {
        let test = try TestPool()
        try test.add(Make.mixed(20))
        let counting = CountingEmbedder()
        let index = VectorIndex(pool: test.pool, embedder: counting)
        _ = try index.open()
        #expect(counting.counter.texts == 20)
        try test.add(Make.mixed(3, offset: 500))
        _ = try index.open()
        #expect(counting.counter.texts == 23)
    }

    @Test func aReplacedSidecarLeavesNoFileBehindAndOpenMappingsIntact() throws {
        let test = try TestPool()
        try test.add(Make.mixed(10))
        let index = VectorIndex(pool: test.pool, embedder: try HashEmbedder(dimension: 64))
        let before = try index.open().0.base
        let firstVector = before.vector(at: 0)
        for round in 0..<3 {
            try test.add(Make.mixed(4, offset: 700 + round * 10))
            let (after, report) = try index.open()
            #expect(report.action == .updated)
            #expect(after.count == 10 + 4 * (round + 1))
        }
        // The mapping opened before the replacements still reads the file it mapped.
        #expect(before.count == 10 && before.vector(at: 0) == firstVector)
        let directory = (index.path as NSString).deletingLastPathComponent
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        let base = (index.path as NSString).lastPathComponent
        #expect(names == [base, base + ".lock", base + ".verified"], "no temporary or replaced file is left: \(names)")
    }

    @Test func aSidecarOfAVanishedCommitIsRebuilt() throws {
        let test = try TestPool()
        try test.add(Make.mixed(5))
        let index = VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 256)))
        let (sidecar, _) = try index.open()
        // Forge the sidecar to name a commit that does not exist.
        var bytes = try fileBytes(index.path)
        let fake = Array(String(repeating: "ab", count: 20).utf8)
        bytes.replaceSubrange(SidecarLayout.Field.commit..<(SidecarLayout.Field.commit + 40), with: fake)
        let headerHash = bytes.withUnsafeBytes { SidecarChecksum.hash(UnsafeRawBufferPointer(rebasing: $0[0..<SidecarLayout.Field.headerChecksum])) }
        withUnsafeBytes(of: headerHash.littleEndian) { bytes.replaceSubrange(SidecarLayout.Field.headerChecksum..<256, with: $0) }
        try writeBytes(bytes, index.path)
        try test.add(Make.mixed(2, offset: 50))
        let (rebuilt, report) = try index.open()
        #expect(report.action == .rebuilt(reason: .commitUnknown(String(repeating: "ab", count: 20))))
        #expect(rebuilt.count == sidecar.count + 2)
    }
}

/// Counts the texts embedded, to show an update does not re-embed unchanged memories.
final class EmbedCounter: @unchecked Sendable {
    // @unchecked: used from one test's thread only.
    var texts = 0
}

struct CountingEmbedder: VectorEmbedder {
    let counter = EmbedCounter()
    var id: String { "counting:64" }
    var dimension: Int { 64 }
    func embed(_ texts: [String]) throws -> [[Float]] {
        counter.texts += texts.count
        return try HashEmbedder(dimension: 64).embed(texts)
    }
}

@Suite struct ParallelScanTests {
    @Test func splittingTheScanChangesNothing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/synthetic.vec"
        // 20k × 512 bytes: above the threshold for a parallel scan.
        try Sidecar.writeSynthetic(count: 20_000, dimension: 256, seed: 3, embedderID: "bench:256", to: path)
        let sidecar = try Sidecar.open(path: path, embedderID: "bench:256", dimension: 256)
        let query = (0..<256).map { Float(($0 * 37) % 11) - 5 }
        for ranking in [RankingPolicy(minimumScore: -1), RankingPolicy(order: .score, minimumScore: 0)] {
            let single = sidecar.search(query, k: 25, filter: SearchFilter(), ranking: ranking, parts: 1)
            for parts in [2, 3, 7] {
                #expect(sidecar.search(query, k: 25, filter: SearchFilter(), ranking: ranking, parts: parts) == single)
            }
            #expect(sidecar.search(query, k: 25, ranking: ranking) == single)
            #expect(single.count == 25)
        }
    }
}

@Suite struct UpdateEdgeTests {
    /// Commits `edits` on the pool's branch directly, as a hand edit or another tool would.
    func commit(_ test: TestPool, _ edits: [TreeEdit]) throws {
        let repository = test.pool.repository
        let parent = try test.pool.tip()
        let base = try parent.map { (p) throws(GitError) in try repository.commit(p).tree }
        let tree = try repository.buildTree(base: base, edits: edits)
        let signature = Signature(name: "test", email: "test@localhost")
        let commit = try repository.createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: signature, committer: signature, message: "hand edit\n")
        try repository.compareAndSwapReference(test.pool.branch, to: commit, expected: parent, logMessage: "test")
    }

    @Test func aChangedFileUnderTheSameIDReplacesItsRow() throws {
        let test = try TestPool()
        var memory = Make.summary("the same memory", domain: "python")
        try test.add(Make.mixed(6) + [memory])
        let index = VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 256)))
        _ = try index.open()

        // capturedAt is not part of the id: a new blob at the same path, for the same id.
        memory.source.capturedAt = "2030-01-01T00:00:00Z"
        let blob = try test.pool.repository.writeBlob(memory.canonicalBytes())
        // And an unreadable file beside it, which is skipped and reported.
        let junk = try test.pool.repository.writeBlob(Array("{not json".utf8))
        let junkPath = "memories/insight/ab/" + String(repeating: "ab", count: 20) + ".json"
        try commit(test, [.upsert(path: memory.path, blob: blob), .upsert(path: junkPath, blob: junk)])

        let (sidecar, report) = try index.open()
        #expect(report.action == .updated)
        #expect(report.skipped.count == 1)
        #expect(sidecar.count == 7)
        let row = try #require(sidecar.base.rowOf(memory.id))
        #expect(sidecar.base.blob(at: row) == blob)
        let incremental = try fileBytes(index.path)
        let (_, rebuilt) = try index.open(rebuild: true)
        #expect(rebuilt.skipped.count == 1)
        #expect(try fileBytes(index.path) == incremental)
    }

    @Test func updatesKeepTheElementTypeOfTheFile() throws {
        let test = try TestPool()
        try test.add(Make.mixed(5))
        _ = try VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 256)), elementType: .float32).open()
        try test.add(Make.mixed(3, offset: 40))
        // A float16 index object (as search uses) updates the float32 file as float32.
        let (sidecar, report) = try VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 256))).open()
        #expect(report.action == .updated)
        #expect(sidecar.elementType == .float32)
        #expect(sidecar.count == 8)
    }
}
