import Foundation
import MnemCore

/// Merges new insights into the pool's existing ones so that two near-identical insights never
/// stand side by side.
///
/// A new insight restates an existing one when both are about the same pattern (the same
/// `pattern:` tag) or when their normalized title and description tokens overlap with a Jaccard
/// similarity of at least `threshold`. The merged insight takes the new text, the union of the
/// evidence and provenance, and names the old ones in `supersedes`; the caller removes the old
/// ones from the tip in the same commit. When the merge would equal the existing insight, nothing changes.
public enum Consolidation {
    public static let threshold = 0.6
    static let maxEvidence = 500

    public struct Changes: Sendable {
        public var add: [Memory] = []
        public var remove: [MemoryID] = []
    }

    /// - Parameters:
    ///   - candidates: new insight memories, in a deterministic order.
    ///   - existing: the insights at the tip.
    public static func consolidate(_ candidates: [Memory], into existing: [Memory]) -> Changes {
        var current = existing.filter { $0.kind == .insight }.sorted { $0.id < $1.id }
        var changes = Changes()
        for candidate in candidates {
            guard case .insight(let newInsight) = candidate.body else { continue }
            let matches = current.filter { restates(candidate, $0) }
            if matches.isEmpty {
                if !current.contains(where: { $0.id == candidate.id }) {
                    changes.add.append(candidate)
                    current.append(candidate)
                }
                continue
            }
            var merged = candidate
            var evidence = newInsight.evidence ?? InsightEvidence(memories: [], domains: [])
            var derived = Set(candidate.derivedFrom)
            var tags = Set(candidate.tags)
            for match in matches {
                derived.formUnion(match.derivedFrom)
                if case .insight(let old) = match.body, let oldEvidence = old.evidence {
                    evidence.memories = Array(Set(evidence.memories).union(oldEvidence.memories)).sorted()
                    evidence.domains = Array(Set(evidence.domains).union(oldEvidence.domains)).sorted()
                }
                tags.formUnion(match.tags.filter { $0.hasPrefix("pattern:") || $0.hasPrefix("compactor:") })
            }
            evidence.memories = Array(evidence.memories.prefix(maxEvidence))
            merged.body = .insight(Insight(title: newInsight.title, description: newInsight.description, content: newInsight.content, evidence: evidence))
            merged.derivedFrom = Array(derived).sorted().prefix(maxEvidence).map { $0 }
            merged.tags = Array(tags).sorted()
            if matches.count == 1, let only = matches.first, sameContent(merged, only) { continue }
            // Supersede what is in the pool; an insight proposed earlier in this run was never
            // written, so the merge inherits what that one superseded instead.
            let existingIDs = Set(existing.map(\.id))
            merged.supersedes = Array(Set(matches.flatMap { existingIDs.contains($0.id) ? [$0.id] : $0.supersedes })).sorted()
            merged.refreshID()
            let removed = Set(matches.map(\.id))
            changes.remove.append(contentsOf: matches.map(\.id))
            changes.add.removeAll { removed.contains($0.id) }
            changes.add.append(merged)
            current.removeAll { removed.contains($0.id) }
            current.append(merged)
        }
        let added = Set(changes.add.map(\.id))
        changes.remove = Array(Set(changes.remove).subtracting(added)).sorted()
        // A memory added earlier in this run and then merged away needs no removal from the tip.
        let existingIDs = Set(existing.map(\.id))
        changes.remove = changes.remove.filter { existingIDs.contains($0) }
        return changes
    }

    /// Whether `a` restates `b`: the same pattern, or title and description nearly the same words.
    public static func restates(_ a: Memory, _ b: Memory) -> Bool {
        guard case .insight(let x) = a.body, case .insight(let y) = b.body else { return false }
        let patternsA = Set(a.tags.filter { $0.hasPrefix("pattern:") })
        let patternsB = Set(b.tags.filter { $0.hasPrefix("pattern:") })
        // Mined insights carry the pattern they are about: that is their identity, and two
        // different patterns (two recoveries from one error class) are never the same insight.
        if !patternsA.isEmpty && !patternsB.isEmpty { return !patternsA.isDisjoint(with: patternsB) }
        return similarity(x, y) >= threshold
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

    static func sameContent(_ a: Memory, _ b: Memory) -> Bool {
        a.body == b.body && a.tags == b.tags && a.derivedFrom == b.derivedFrom && a.outcome == b.outcome && a.task == b.task
            && a.domain == b.domain
    }
}
