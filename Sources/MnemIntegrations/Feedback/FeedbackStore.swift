import Foundation
import MnemCore
import MnemGit
import MnemIndex

/// Feedback kept in the pool, beside the memories, and the ranking adjustment it gives.
///
/// Each report is its own canonical JSON file under `feedback/` (one file per report, named by
/// its content's hash, so teammates' pools merge as a union, like memories). The files are
/// committed through the same compare-and-swap loop as memories. `feedback/` is the one path
/// outside `memories/` that mnem writes; a sync that validates pulled paths must accept
/// `feedback/<2 hex>/<40 hex>/<40 hex>.json` holding this JSON.
///
/// Ranking: each memory's net score (reports that helped minus reports that did not, capped at
/// ±`cap`) adds `step` × net to its similarity; a memory at the negative cap is dropped.
public enum FeedbackStore {
    public static let root = Feedback.root
    public static let step: Float = 0.03
    public static let cap = 3

    /// Records `feedback` in one commit.
    ///
    /// - Returns: the commit, or nil when the same report was already there.
    @discardableResult
    public static func record(_ feedback: Feedback, in pool: Pool, author: Signature) throws -> ObjectID? {
        let repository = pool.repository
        let blob = try repository.writeBlob(CanonicalJSON.document(feedback.json))
        for attempt in 0..<200 {
            let parent = try pool.tip()
            let base = try parent.map { try repository.commit($0).tree }
            if let base, try repository.treeEntry(atPath: feedback.path, in: base) != nil { return nil }
            let tree = try repository.buildTree(base: base, edits: [.upsert(path: feedback.path, blob: blob)])
            let verdict = feedback.helped ? "helped" : "did not help"
            let message = "feedback: \(feedback.memory.short) \(verdict)\n\nMemory: \(feedback.memory.rawValue)\n" + (feedback.agent.map { "Agent: \($0)\n" } ?? "")
            let commit = try repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: author, committer: author, message: message)
            do {
                try repository.compareAndSwapReference(pool.branch, to: commit, expected: parent, logMessage: "mnem: feedback")
            } catch {
                guard error.isModified else { throw error }
                usleep(UInt32.random(in: 200...(2_000 * UInt32(min(attempt + 1, 20)))))
                continue
            }
            if !repository.isBare { try repository.checkout(tree: tree, baseline: try repository.indexTree()) }
            return commit
        }
        throw PoolError("gave up recording feedback: \(pool.branch) in \(pool.path) kept moving")
    }

    /// Net feedback per memory at the pool's tip: reports that helped minus those that did not.
    public static func netScores(_ pool: Pool) throws -> [MemoryID: Int] {
        guard let tree = try pool.tipTree(), let top = try pool.repository.treeEntry(atPath: root, in: tree) else { return [:] }
        var scores: [MemoryID: Int] = [:]
        let repository = pool.repository
        for fan in try repository.treeEntries(top.id) {
            for memoryDirectory in (try? repository.treeEntries(fan.id)) ?? [] {
                guard let id = MemoryID(memoryDirectory.name) else { continue }
                for file in (try? repository.treeEntries(memoryDirectory.id)) ?? [] {
                    guard let bytes = try? repository.readBlob(file.id), let json = try? JSONParser.parse(Data(bytes)),
                        let helped = json["helped"]?.boolValue
                    else { continue }
                    scores[id, default: 0] += helped ? 1 : -1
                }
            }
        }
        return scores
    }

    /// `found` with feedback applied: scores adjusted, memories at the negative cap dropped, and
    /// the order re-sorted by adjusted relevance when the retriever ranked by relevance (the
    /// feedback step counts as one background spread per 0.02 of similarity), else by adjusted
    /// score within each kind (the retriever's kind-first order stays).
    public static func rerank(_ found: [RetrievedMemory], scores: [MemoryID: Int]) -> [RetrievedMemory] {
        guard !scores.isEmpty else { return found }
        var adjusted: [(rank: Int, memory: RetrievedMemory)] = []
        var kindRank: [MemoryKind: Int] = [:]
        let byRelevance = found.contains { $0.hit.relevance != nil }
        for item in found {
            let net = max(-cap, min(cap, scores[item.hit.id] ?? 0))
            if net <= -cap { continue }
            var item = item
            item.hit.score += step * Float(net)
            if let relevance = item.hit.relevance { item.hit.relevance = relevance + step / 0.02 * Float(net) }
            let rank = byRelevance ? 0 : kindRank[item.hit.kind] ?? kindRank.count
            kindRank[item.hit.kind] = rank
            adjusted.append((rank, item))
        }
        return adjusted.sorted { a, b in
            let (x, y) = (a.memory.hit.relevance ?? a.memory.hit.score, b.memory.hit.relevance ?? b.memory.hit.score)
            return a.rank != b.rank ? a.rank < b.rank : x > y
        }.map(\.memory)
    }
}
