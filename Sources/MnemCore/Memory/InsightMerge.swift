/// How insights about one pattern, or two insights that say the same thing, become one memory.
///
/// A mined insight carries the pattern it states as a `pattern:<key>` tag; that is its identity.
/// Two teammates who compact on their own each write their version of a pattern (same words,
/// different supporting trajectories); when a pull brings both together, `reconcile` makes one
/// memory of them. It is a pure function of the set of versions, so every pool that meets the
/// same versions writes the same bytes and the next sync finds nothing to do.
/// A near-duplicate (another pattern, or an insight without one, saying the same thing) is
/// absorbed: the kept memory's words stay, the provenance of both is united, and the absorbed
/// pattern is remembered as an `absorbed:<key>` tag so it is never proposed again.
public enum InsightMerge {
    /// The most memories an insight's evidence and `derivedFrom` keep (the smallest ids first).
    public static let maxEvidence = 500

    public static let patternPrefix = "pattern:"
    public static let absorbedPrefix = "absorbed:"

    /// The pattern keys an insight states.
    public static func patterns(_ memory: Memory) -> Set<String> {
        Set(memory.tags.filter { $0.hasPrefix(patternPrefix) }.map { String($0.dropFirst(patternPrefix.count)) })
    }

    /// The pattern keys an insight has absorbed as near-duplicates.
    public static func absorbed(_ memory: Memory) -> Set<String> {
        Set(memory.tags.filter { $0.hasPrefix(absorbedPrefix) }.map { String($0.dropFirst(absorbedPrefix.count)) })
    }

    /// Whether two insights are versions of one pattern.
    public static func samePattern(_ a: Memory, _ b: Memory) -> Bool {
        let pa = patterns(a)
        return !pa.isEmpty && !pa.isDisjoint(with: patterns(b))
    }

    /// One memory from several versions of one pattern.
    ///
    /// The words (and rates) of the best supported version are kept (ties: the smaller id);
    /// evidence, domains, `derivedFrom` and tags are united; the result supersedes every version.
    /// - Precondition: `versions` are insights; the caller groups them by `samePattern`.
    public static func reconcile(_ versions: [Memory]) -> Memory? {
        let sorted = versions.filter { $0.kind == .insight }.sorted { $0.id < $1.id }
        guard let first = sorted.first else { return nil }
        if sorted.count == 1 { return first }
        let kept = sorted.max { a, b in
            let (sa, sb) = (support(a), support(b))
            return sa != sb ? sa < sb : a.id > b.id
        } ?? first
        var merged = unite(kept, with: sorted.filter { $0.id != kept.id })
        merged.supersedes = sorted.map(\.id)
        merged.refreshID()
        return merged
    }

    /// `duplicate` absorbed into `kept`: kept's words, both provenances, and `duplicate`'s patterns
    /// remembered as absorbed. The result supersedes `kept` (and `duplicate`, when it was written).
    public static func absorb(_ duplicate: Memory, into kept: Memory, duplicateIsWritten: Bool) -> Memory {
        var merged = unite(kept, with: [duplicate])
        var tags = Set(merged.tags)
        for key in patterns(duplicate).subtracting(patterns(kept)) {
            tags.remove(patternPrefix + key)
            tags.insert(absorbedPrefix + key)
        }
        merged.tags = tags.sorted()
        merged.supersedes = ([kept.id] + (duplicateIsWritten ? [duplicate.id] : [])).sorted()
        merged.refreshID()
        return merged
    }

    /// `base` with the evidence, provenance and tags of `others` added; words unchanged.
    public static func unite(_ base: Memory, with others: [Memory]) -> Memory {
        var merged = base
        var derived = Set(base.derivedFrom)
        var tags = Set(base.tags)
        var memories = Set<String>()
        var domains = Set<String>()
        var evidence: InsightEvidence?
        if case .insight(let insight) = base.body { evidence = insight.evidence }
        for memory in [base] + others {
            derived.formUnion(memory.derivedFrom)
            tags.formUnion(memory.tags.filter { $0.hasPrefix(patternPrefix) || $0.hasPrefix(absorbedPrefix) || $0.hasPrefix("compactor:") })
            if case .insight(let insight) = memory.body, let e = insight.evidence {
                memories.formUnion(e.memories)
                domains.formUnion(e.domains)
            }
        }
        // A pattern absorbed anywhere is absorbed, unless this memory states it.
        for key in tags.filter({ $0.hasPrefix(absorbedPrefix) }) where tags.contains(patternPrefix + String(key.dropFirst(absorbedPrefix.count))) {
            tags.remove(key)
        }
        if case .insight(var insight) = base.body {
            if evidence != nil || !memories.isEmpty {
                var e = evidence ?? InsightEvidence(memories: [], domains: [])
                e.memories = Array(memories.sorted().prefix(maxEvidence))
                e.domains = domains.sorted()
                insight.evidence = e
            }
            merged.body = .insight(insight)
        }
        merged.derivedFrom = Array(derived.sorted().prefix(maxEvidence))
        merged.tags = tags.sorted()
        return merged
    }

    /// How many memories support an insight (its evidence, else its `derivedFrom`).
    static func support(_ memory: Memory) -> Int {
        if case .insight(let insight) = memory.body, let evidence = insight.evidence { return max(evidence.memories.count, memory.derivedFrom.count) }
        return memory.derivedFrom.count
    }

    /// The insight's words, the part whose change is material.
    public static func words(_ memory: Memory) -> [String] {
        guard case .insight(let insight) = memory.body else { return [] }
        return [insight.title, insight.description, insight.content]
    }
}
