import Foundation
import MnemCore
import MnemEmbedding
import Testing

@testable import MnemIndex

/// The relevance floor's background prompts are embedded once per pool and embedder, not once
/// per hook process: a transformer takes half a second for them.
@Suite struct BackgroundCacheTests {
    @Test func theBackgroundIsEmbeddedOnceAndReadAfterwards() throws {
        let test = try TestPool()
        try test.add(CodingPool.memories())
        let first = CountingEmbedder()
        _ = try Retriever(pool: test.pool, embedder: first).search("fix the failing date parser tests", k: 5)
        #expect(first.counter.texts >= BackgroundPrompts.prompts.count)

        // A new process: only the query (and nothing of the index, which is up to date) is embedded.
        let second = CountingEmbedder()
        let retriever = Retriever(pool: test.pool, embedder: second)
        let found = try retriever.search("fix the failing date parser tests", k: 5)
        #expect(second.counter.texts == 1)
        let again = try Retriever(pool: test.pool, embedder: first).search("fix the failing date parser tests", k: 5)
        #expect(found.map(\.hit.id) == again.map(\.hit.id))

        // A damaged or foreign file is recomputed, and replaced.
        let path = Retriever.backgroundPath(sidecarPath: retriever.index.path)
        #expect(path.hasSuffix("/mnem/background-" + String(first.id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }) + ".f32"), "\(path)")
        var bytes = try fileBytes(path)
        bytes[bytes.count / 2] ^= 0xff
        bytes.removeLast(4)
        try writeBytes(bytes, path)
        let third = CountingEmbedder()
        #expect(try Retriever(pool: test.pool, embedder: third).search("fix the failing date parser tests", k: 5).map(\.hit.id) == found.map(\.hit.id))
        #expect(third.counter.texts > BackgroundPrompts.prompts.count / 2)
        let fourth = CountingEmbedder()
        _ = try Retriever(pool: test.pool, embedder: fourth).search("fix the failing date parser tests", k: 5)
        #expect(fourth.counter.texts == 1)
    }

    @Test func anotherPromptSetOrEmbedderIsNotReadFromTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/background.f32"
        let embedder = CountingEmbedder()
        let made = try RelevanceFloor(embedder: embedder, cachePath: path, prompts: ["bake bread", "plan a trip"])
        #expect(made.count == 2 && embedder.counter.texts == 2)
        _ = try RelevanceFloor(embedder: embedder, cachePath: path, prompts: ["bake bread", "plan a trip"])
        #expect(embedder.counter.texts == 2)
        _ = try RelevanceFloor(embedder: embedder, cachePath: path, prompts: ["bake bread", "plan a long trip"])
        #expect(embedder.counter.texts == 4)
        let wider = try HashEmbedder(dimension: 128)
        let other = try RelevanceFloor(embedder: wider, cachePath: path, prompts: ["bake bread", "plan a long trip"])
        #expect(other.dimension == 128 && other.count == 2)
        // Nothing but the file is left: the temporary name was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["background.f32"])
    }
}
