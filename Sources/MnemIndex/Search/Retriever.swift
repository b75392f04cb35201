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
        let hits = sidecar.search(query, k: k, filter: filter, ranking: ranking)
        return try memories(for: hits)
    }

    /// Reads the memories `hits` name, straight from their blobs: no tree is walked.
    func memories(for hits: [SearchHit]) throws -> [RetrievedMemory] {
        try hits.map { hit in
            RetrievedMemory(hit: hit, memory: try index.pool.readMemory(blob: hit.blob, path: MemoryPath.path(kind: hit.kind, id: hit.id)))
        }
    }
}
