import MnemCore

/// Which memories a search may return; an empty set places no constraint.
public struct SearchFilter: Sendable, Equatable {
    public var kinds: Set<MemoryKind>
    public var domains: Set<String>
    public var excludedDomains: Set<String>
    public var outcomes: Set<Outcome>
    public var models: Set<String>
    public var excludedModels: Set<String>

    public init(
        kinds: Set<MemoryKind> = [], domains: Set<String> = [], excludedDomains: Set<String> = [], outcomes: Set<Outcome> = [],
        models: Set<String> = [], excludedModels: Set<String> = []
    ) {
        self.kinds = kinds
        self.domains = domains
        self.excludedDomains = excludedDomains
        self.outcomes = outcomes
        self.models = models
        self.excludedModels = excludedModels
    }
}

/// How eligible memories are ordered: relevance to the task first, with the paper's preference
/// for abstract kinds as a prior and its warning about concrete memories from other domains.
///
/// The rule, exactly:
/// 1. A memory passing the filter is *eligible* when its cosine similarity `s` to the query is at
///    least its bar: `minimumScore`, plus `domainGuardMargin` when it is a trajectory or a
///    workflow, the query's domain is known, and the memory's domain does not match it (see
///    `DomainMatch`). Memory Transfer Learning found concrete memories from other domains can
///    cause negative transfer; an insight or a summary from another domain needs no extra margin.
/// 2. With `.relevance` (the default) and a `floorMargin`, the query must be closer to some
///    eligible memory than to every everyday background prompt (else nothing is returned), and
///    the memory must clear its calibrated floor (`RelevanceFloor`: the mean similarity of the
///    background prompts to it plus `floorMargin` standard deviations of them), raised by the
///    domain guard's margin where that applies. Eligible memories are ordered by *relevance*: how many background spreads `s` lies
///    above that floor, plus the kind's prior (`kindPrior`: a bonus for abstract kinds). The
///    abstraction finding thus breaks near-ties without putting an unrelated insight above a
///    relevant summary. Without a `floorMargin`, relevance is `s` plus the prior.
/// 3. With `.kindFirst` eligible memories are ordered by the position of their kind in `kindOrder`
///    (insight, summary, workflow, trajectory: the paper's transfer ranking), then by `s`
///    descending, then by id; kinds missing from `kindOrder` follow, most abstract first.
///    With `.score` they are ordered by `s` alone, then id. The first k are returned.
public struct RankingPolicy: Sendable, Equatable {
    public enum Order: String, Sendable, CaseIterable {
        case relevance
        case kindFirst = "kind"
        case score
    }

    /// The kind prior of `.relevance`, in background spreads: abstract kinds get a bonus,
    /// trajectories (which the paper found can transfer negatively) a malus.
    public static let paperKindPrior: [MemoryKind: Float] = [.insight: 0.6, .summary: 0.3, .workflow: 0, .trajectory: -0.3]

    public static let paperKindOrder: [MemoryKind] = [.insight, .summary, .workflow, .trajectory]

    public var order: Order
    public var kindOrder: [MemoryKind]
    public var minimumScore: Float
    public var domainGuardMargin: Float
    /// The domain of the task the query is for, when known (`--query-domain`, or inferred from the repository).
    public var queryDomain: String?
    /// The project the query is made in, when known: capture names a trajectory's domain after
    /// its project (`django`, `ledger`), so a concrete memory whose domain is this project is of
    /// the same domain whatever the query's language.
    public var queryProject: String?
    /// `.relevance`: the calibrated floor's margin over the background prompts' mean similarity
    /// to a memory, in their standard deviations; nil turns the floor and the query test off.
    public var floorMargin: Float?
    /// `.relevance`: the bonus of each kind, in background spreads (a kind not listed gets 0).
    public var kindPrior: [MemoryKind: Float]

    public init(
        order: Order = .relevance, kindOrder: [MemoryKind] = RankingPolicy.paperKindOrder, minimumScore: Float = 0.1,
        domainGuardMargin: Float = 0.15, queryDomain: String? = nil, floorMargin: Float? = RelevanceFloor.defaultMargin,
        kindPrior: [MemoryKind: Float] = RankingPolicy.paperKindPrior
    ) {
        self.order = order
        self.kindOrder = kindOrder
        self.minimumScore = minimumScore
        self.domainGuardMargin = domainGuardMargin
        self.queryDomain = queryDomain
        self.floorMargin = floorMargin
        self.kindPrior = kindPrior
    }

    /// The rank of each kind code (0 first), for `.kindFirst`.
    func rankByKindCode() -> [Int] {
        var ranks = [Int](repeating: 0, count: 4)
        let listed = kindOrder.reduce(into: [MemoryKind]()) { if !$0.contains($1) { $0.append($1) } }
        let rest = MemoryKind.allCases.filter { !listed.contains($0) }.sorted { $0.abstraction > $1.abstraction }
        for (rank, kind) in (listed + rest).enumerated() { ranks[kind.abstraction] = rank }
        return ranks
    }

    /// Whether `kind` must clear the domain guard's margin.
    static func isConcrete(_ kind: MemoryKind) -> Bool { kind == .trajectory || kind == .workflow }

    /// Whether the domain guard applies: the query's domain is known. The project alone only
    /// ever lifts the guard, never adds one.
    var guardsDomains: Bool { queryDomain != nil }

    /// Whether a memory of `domain` is of another domain than the query's: it matches neither
    /// the query's domain (`DomainMatch`) nor its project.
    func isOtherDomain(_ domain: String) -> Bool {
        guard let queryDomain else { return false }
        if let queryProject, !queryProject.isEmpty, domain.lowercased() == queryProject.lowercased() { return false }
        return !DomainMatch.matches(queryDomain, domain)
    }
}

/// When two domains count as the same for the domain guard.
///
/// Equal, or equal in their first `/`-separated component (`javascript` and `javascript/react`),
/// ignoring case. An empty domain or `general` is unknown and matches everything: no guard.
public enum DomainMatch {
    public static func matches(_ a: String, _ b: String) -> Bool {
        let x = a.lowercased()
        let y = b.lowercased()
        if isUnknown(x) || isUnknown(y) { return true }
        return x == y || family(x) == family(y)
    }

    static func isUnknown(_ domain: String) -> Bool { domain.isEmpty || domain == "general" || domain == "unknown" }

    static func family(_ domain: String) -> Substring {
        domain.split(separator: "/", maxSplits: 1).first ?? Substring(domain)
    }
}
