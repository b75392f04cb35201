import Foundation
import MnemCore
import MnemEmbedding

/// Merges new insights into the pool's existing ones so that one pattern is one memory and two
/// insights that say the same thing never stand side by side.
///
/// - A candidate whose pattern an insight already states keeps that insight as it is when only
///   the counts behind it moved (its words are the same): identity is stable across runs. Only
///   new words supersede it, with the provenance of both.
/// - Several versions of one pattern at the tip (two teammates compacted independently, then
///   synced) are reconciled into one (`InsightMerge.reconcile`).
/// - A candidate that restates another insight (cosine ≥ 0.7 in the default embedder, carried
///   over to its scale by `NearDuplicateScale`, or, without an embedder, nearly the same words)
///   is absorbed into it, keeping both provenances.
public enum Consolidation {
    /// Without an embedder: Jaccard similarity of normalized title and description words.
    public static let threshold = 0.6

    public struct Changes: Sendable {
        public var add: [Memory] = []
        public var remove: [MemoryID] = []
    }

    /// - Parameters:
    ///   - candidates: new insight memories, in a deterministic order.
    ///   - existing: the insights at the tip.
    ///   - embedder: the default embedder, for near-duplicates; nil falls back to word overlap.
    public static func consolidate(_ candidates: [Memory], into existing: [Memory], embedder: (any Embedder)? = nil) throws -> Changes {
        let existingIDs = Set(existing.map(\.id))
        var current = existing.filter { $0.kind == .insight }.sorted { $0.id < $1.id }
        var vectors = Vectors(embedder: embedder)
        var added: [MemoryID: Memory] = [:]
        var removed = Set<MemoryID>()

        func replace(_ olds: [Memory], with new: Memory) {
            let oldIDs = Set(olds.map(\.id))
            current.removeAll { oldIDs.contains($0.id) }
            for id in oldIDs {
                if existingIDs.contains(id) { removed.insert(id) } else { added[id] = nil }
            }
            current.append(new)
            current.sort { $0.id < $1.id }
            if !existingIDs.contains(new.id) { added[new.id] = new }
            removed.remove(new.id)
        }
        /// What a merge supersedes: the written memories it replaces, and what in-run ones superseded.
        func superseded(_ olds: [Memory]) -> [MemoryID] {
            Array(Set(olds.flatMap { existingIDs.contains($0.id) ? [$0.id] : $0.supersedes })).sorted()
        }

        // First, one memory per pattern among what is already there.
        var seen = Set<MemoryID>()
        for memory in current where !seen.contains(memory.id) && !InsightMerge.patterns(memory).isEmpty {
            let versions = current.filter { InsightMerge.samePattern($0, memory) }
            versions.forEach { seen.insert($0.id) }
            if versions.count > 1, let merged = InsightMerge.reconcile(versions) { replace(versions, with: merged) }
        }

        for candidate in candidates where candidate.kind == .insight {
            let keys = InsightMerge.patterns(candidate)
            let stating = current.filter { !InsightMerge.patterns($0).isDisjoint(with: keys) }
            if !stating.isEmpty {
                let base = stating.count > 1 ? (InsightMerge.reconcile(stating) ?? stating[0]) : stating[0]
                if InsightMerge.words(base) == InsightMerge.words(candidate) {
                    // Only counts moved: the memory stays (or the reconciled one replaces the versions).
                    if stating.count > 1 { replace(stating, with: base) }
                    continue
                }
                // New words: the candidate's text with the provenance of both.
                var merged = InsightMerge.unite(candidate, with: [base])
                merged.supersedes = superseded(stating)
                merged.refreshID()
                replace(stating, with: merged)
                continue
            }
            if current.contains(where: { !InsightMerge.absorbed($0).isDisjoint(with: keys) }) {
                // Already absorbed as a near-duplicate of another insight: nothing new to say.
                continue
            }
            if let duplicate = try nearDuplicate(of: candidate, in: current, vectors: &vectors) {
                var merged = InsightMerge.absorb(candidate, into: duplicate, duplicateIsWritten: false)
                merged.supersedes = superseded([duplicate])
                merged.refreshID()
                replace([duplicate], with: merged)
                continue
            }
            if !current.contains(where: { $0.id == candidate.id }) { replace([], with: candidate) }
        }
        var changes = Changes()
        changes.add = added.values.sorted { $0.id < $1.id }
        changes.remove = removed.sorted()
        return changes
    }

    /// The existing insight `candidate` restates, if any (the most similar above the threshold).
    static func nearDuplicate(of candidate: Memory, in current: [Memory], vectors: inout Vectors) throws -> Memory? {
        guard case .insight(let insight) = candidate.body else { return nil }
        guard vectors.embedder != nil else {
            return current.first { other in
                guard case .insight(let o) = other.body else { return false }
                return similarity(insight, o) >= threshold
            }
        }
        let mine = try vectors.vector(candidate)
        var best: (Memory, Float)?
        for other in current where other.id != candidate.id {
            let score = zip(mine, try vectors.vector(other)).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            if score >= (try vectors.threshold()), score > (best?.1 ?? -1) { best = (other, score) }
        }
        return best?.0
    }

    /// Embeddings of insights' text, computed once per memory.
    struct Vectors {
        var embedder: (any Embedder)?
        var cache: [MemoryID: [Float]] = [:]
        var scale: Float?

        /// The duplicate threshold in this embedder's scale, measured once.
        mutating func threshold() throws -> Float {
            if let scale { return scale }
            let value = try embedder.map(NearDuplicateScale.threshold) ?? NearDuplicateScale.miniLMThreshold
            scale = value
            return value
        }

        mutating func vector(_ memory: Memory) throws -> [Float] {
            if let hit = cache[memory.id] { return hit }
            let text = InsightMerge.words(memory).joined(separator: "\n")
            let vector = try embedder?.embed([text]).first ?? []
            cache[memory.id] = vector
            return vector
        }
    }

    /// Jaccard similarity of the normalized title and description tokens.
    public static func similarity(_ a: Insight, _ b: Insight) -> Double {
        let ta = tokens(a.title + " " + a.description)
        let tb = tokens(b.title + " " + b.description)
        let union = ta.union(tb)
        guard !union.isEmpty else { return 0 }
        return Double(ta.intersection(tb).count) / Double(union.count)
    }

    static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "it", "is", "are", "be", "that", "this",
        "before", "after", "when", "so", "as", "at", "from", "your", "you", "its", "than", "then", "only", "once",
    ]

    static func tokens(_ text: String) -> Set<String> {
        var out = Set<String>()
        for raw in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            var word = String(raw)
            guard !stopwords.contains(word), !word.allSatisfy(\.isNumber) else { continue }
            // A crude stem: "edits", "edited", "editing" and "edit" are one token.
            for suffix in ["ing", "ed", "es", "s"] where word.count > suffix.count + 3 && word.hasSuffix(suffix) {
                word.removeLast(suffix.count)
                break
            }
            out.insert(word)
        }
        return out
    }
}
