import Foundation
import MnemCore
import MnemEmbedding
import MnemGit
import Testing

@testable import MnemIndex

@Suite struct CatalogTests {
    @Test func aFullRebuildWritesTheCatalogFromTheSameRead() throws {
        let test = try TestPool()
        try test.add(Make.mixed(40))
        let junk = try test.pool.repository.writeBlob(Array("{not json".utf8))
        try UpdateEdgeTests().commit(test, [.upsert(path: "memories/insight/ab/" + String(repeating: "ab", count: 20) + ".json", blob: junk)])
        let index = VectorIndex(pool: test.pool, embedder: try HashEmbedder(dimension: 64))
        index.onFullRead = { commit, files in try Catalog.write(pool: test.pool, commit: commit, files: files) }
        _ = try index.open()
        let (catalog, read) = try Catalog.open(pool: test.pool)
        #expect(read == 0, "the catalog was current: no file read again")
        #expect(catalog.count == 41 && catalog.validCount == 40)
        // The same rows a catalog built on its own has.
        let shared = try Data(contentsOf: URL(fileURLWithPath: Catalog.path(gitDirectory: test.pool.repository.gitDirectory)))
        try FileManager.default.removeItem(atPath: Catalog.path(gitDirectory: test.pool.repository.gitDirectory))
        let (_, reread) = try Catalog.open(pool: test.pool)
        #expect(reread == 41)
        #expect(try Data(contentsOf: URL(fileURLWithPath: Catalog.path(gitDirectory: test.pool.repository.gitDirectory))) == shared)
    }
}
