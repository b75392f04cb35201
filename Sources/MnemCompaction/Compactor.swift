import Foundation
import MnemCore
import MnemEmbedding
import MnemGit

/// What a compaction run should produce.
public struct CompactionOptions: Sendable {
    /// The kinds to produce: any of workflow, summary, insight.
    public var kinds: Set<MemoryKind>
    /// Compute everything, write nothing.
    public var dryRun: Bool
    /// The default embedder, for merging near-duplicate insights (nil: word overlap instead).
    public var embedder: (any Embedder)?

    public init(kinds: Set<MemoryKind> = [.workflow, .summary, .insight], dryRun: Bool = false, embedder: (any Embedder)? = nil) {
        self.kinds = kinds.intersection([.workflow, .summary, .insight])
        self.dryRun = dryRun
        self.embedder = embedder
    }
}

/// What a compaction run did (or, in a dry run, would do).
public struct CompactionReport: Sendable {
    /// Trajectories at the tip (superseded ones left out).
    public var trajectories = 0
    /// Trajectories that were given at least one new workflow or summary in this run.
    public var compacted = 0
    /// The memories added. A large run keeps only some of them here (its insights and the first
    /// few of the rest); `addedIDs` and `count(_:)` always cover all.
    public var added: [Memory] = [] {
        didSet {
            addedIDs = added.map(\.id)
            addedCounts = Dictionary(grouping: added, by: \.kind).mapValues(\.count)
        }
    }
    public var addedIDs: [MemoryID] = []
    public var addedCounts: [MemoryKind: Int] = [:]
    public var removed: [MemoryID] = []
    /// The commit made; nil when nothing changed or in a dry run.
    public var commit: String?
    /// Set when the run stopped early (an exhausted budget); what was finished is still committed.
    public var stoppedEarly: String?
    /// Nothing was new since the last complete compaction: the run read nothing else.
    public var upToDate = false
    /// LLM insights left out because they named something task-specific.
    public var rejected = 0

    public init() {}

    public func count(_ kind: MemoryKind) -> Int { addedCounts[kind] ?? 0 }

    public var json: JSONValue {
        var m: [String: JSONValue] = [
            "trajectories": .int(Int64(trajectories)),
            "compacted": .int(Int64(compacted)),
            "added": .object(Dictionary(uniqueKeysWithValues: [MemoryKind.workflow, .summary, .insight].map { ($0.rawValue, JSONValue.int(Int64(count($0)))) })),
            "addedIds": .array(addedIDs.map { .string($0.rawValue) }),
            "superseded": .array(removed.map { .string($0.rawValue) }),
            "commit": commit.map { .string($0) } ?? .null,
        ]
        if let stoppedEarly { m["stoppedEarly"] = .string(stoppedEarly) }
        if rejected > 0 { m["rejectedInsights"] = .int(Int64(rejected)) }
        return .object(m)
    }
}

/// Tags that mark who derived a memory and from which pattern.
public enum CompactionTag {
    public static let offline = "compactor:offline"
    public static let llm = "compactor:llm"
    public static func pattern(_ key: String) -> String { "pattern:\(key)" }
}

/// The pool as a compaction run sees it: the trajectories to learn from and what is already derived.
struct PoolSnapshot {
    var trajectories: [Memory]
    var insights: [Memory]
    /// For each kind, the trajectories a memory of that kind with `tag` is already derived from.
    var derived: [MemoryKind: Set<MemoryID>]

    init(_ memories: [Memory], tag: String) {
        let superseded = Set(memories.flatMap(\.supersedes))
        trajectories = memories.filter { $0.kind == .trajectory && !superseded.contains($0.id) }.sorted { $0.id < $1.id }
        insights = memories.filter { $0.kind == .insight }.sorted { $0.id < $1.id }
        var derived: [MemoryKind: Set<MemoryID>] = [:]
        for memory in memories where (memory.kind == .workflow || memory.kind == .summary) && memory.tags.contains(tag) {
            derived[memory.kind, default: []].formUnion(memory.derivedFrom)
        }
        self.derived = derived
    }

    /// The trajectories still lacking a memory of `kind`.
    func pending(_ kind: MemoryKind) -> [Memory] {
        let done = derived[kind] ?? []
        return trajectories.filter { !done.contains($0.id) }
    }
}

/// The offline compactor: deterministic, no network; the same pool gives the same bytes.
public struct OfflineCompactor: Sendable {
    public var options: CompactionOptions

    public init(options: CompactionOptions = CompactionOptions()) { self.options = options }

    /// The memories to add and remove, computed from the memories at the tip. Pure.
    public func plan(_ memories: [Memory], progress: (@Sendable (String) -> Void)? = nil) throws -> (report: CompactionReport, remove: [MemoryID]) {
        let snapshot = PoolSnapshot(memories, tag: CompactionTag.offline)
        var report = CompactionReport()
        report.trajectories = snapshot.trajectories.count
        let analyses = try snapshot.trajectories.parallelMap(minimumCount: 8) { TrajectoryAnalysis($0) }
        let byID = Dictionary(uniqueKeysWithValues: analyses.map { ($0.memory.id, $0) })
        var compacted = Set<MemoryID>()
        for kind in [MemoryKind.workflow, .summary] where options.kinds.contains(kind) {
            let pending = snapshot.pending(kind)
            progress?("\(kind.rawValue): \(pending.count) trajectories to compact")
            for trajectory in pending {
                guard let analysis = byID[trajectory.id] else { continue }
                report.added.append(Self.derive(kind, analysis))
                compacted.insert(trajectory.id)
            }
        }
        report.compacted = compacted.count
        var remove: [MemoryID] = []
        if options.kinds.contains(.insight) {
            progress?("insight: mining \(analyses.count) trajectories")
            let candidates = InsightMiner.mine(analyses.map(\.miningRecord)).map(Self.insightMemory)
            let changes = try Consolidation.consolidate(candidates, into: snapshot.insights, embedder: options.embedder)
            report.added += changes.add
            remove = changes.remove
        }
        let existing = Set(memories.map(\.id))
        report.added.removeAll { existing.contains($0.id) }
        report.removed = remove
        return (report, remove)
    }

    static func commitInfo(_ report: CompactionReport, compactor: String, base: CommitInfo?) -> CommitInfo {
        var parts: [String] = []
        for kind in [MemoryKind.workflow, .summary, .insight] {
            let n = report.count(kind)
            if n > 0 { parts.append("\(n) \(n == 1 ? kind.rawValue : kind.plural)") }
        }
        if !report.removed.isEmpty { parts.append("\(report.removed.count) superseded") }
        var info = base ?? CommitInfo(summary: "")
        info.summary = "compact (\(compactor)): " + (parts.isEmpty ? "no change" : parts.joined(separator: ", "))
        info.trailers.append(("Mnem-Compactor", compactor))
        return info
    }

    /// The offline workflow or summary of an analysed trajectory.
    static func derive(_ kind: MemoryKind, _ analysis: TrajectoryAnalysis) -> Memory {
        let body: MemoryBody = kind == .workflow ? .workflow(WorkflowBuilder.workflow(analysis)) : .summary(SummaryBuilder.summary(analysis))
        return derived(body, from: analysis.memory, tag: CompactionTag.offline)
    }

    /// A workflow or summary derived from one trajectory: same task, domain and outcome, the
    /// trajectory's agent, model and session, and the trajectory in `derivedFrom`.
    static func derived(_ body: MemoryBody, from trajectory: Memory, tag: String) -> Memory {
        let s = trajectory.source
        let source = MemorySource(agent: s.agent, agentVersion: s.agentVersion, model: s.model, models: s.models, sessionId: s.sessionId, format: s.format)
        let evidence = trajectory.outcomeEvidence.map { OutcomeEvidence(signal: .derived, detail: "\($0.signal.rawValue): \($0.detail)") }
        return Memory(
            body: body, task: trajectory.task, domain: trajectory.domain, domainInference: trajectory.domainInference,
            outcome: trajectory.outcome, outcomeEvidence: evidence, source: source, derivedFrom: [trajectory.id], tags: [tag])
    }

    static func insightMemory(_ candidate: InsightCandidate) -> Memory {
        Memory(
            body: .insight(candidate.insight), task: candidate.insight.description, domain: "general", outcome: candidate.outcome,
            derivedFrom: candidate.supporting, tags: [CompactionTag.offline, CompactionTag.pattern(candidate.key)].sorted())
    }
}
