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
        let (sidecar, report) = try index.open(populate: true)
        lastReport = report
        let hits = sidecar.search(query, k: k, filter: filter, ranking: ranking)
        return try memories(for: hits, commit: sidecar.commit)
    }

    /// Reads the memories `hits` name from the tree of the indexed commit.
    func memories(for hits: [SearchHit], commit: String) throws -> [RetrievedMemory] {
        guard !hits.isEmpty, let commitID = ObjectID(hex: commit) else { return [] }
        let pool = index.pool
        let tree = try pool.repository.commit(commitID).tree
        var out: [RetrievedMemory] = []
        for hit in hits {
            let path = MemoryPath.path(kind: hit.kind, id: hit.id)
            guard let entry = try pool.repository.treeEntry(atPath: path, in: tree) else { continue }
            out.append(RetrievedMemory(hit: hit, memory: try pool.readMemory(blob: entry.id, path: path)))
        }
        return out
    }
}
