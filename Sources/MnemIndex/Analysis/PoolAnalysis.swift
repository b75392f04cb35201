import Foundation
import MnemCore
import MnemGit

/// Memory Transfer Learning's analysis of a pool: per kind, how strongly its memories cluster
/// by a label in embedding space (DBI, LISI, each against a shuffled-label baseline), and a 2-D
/// projection to look at. A pool that abstracts has insights that mix across domains (LISI near
/// its baseline, DBI high) while its trajectories cluster (LISI near 1, DBI low).
///
/// `mnem analyze` prints it; `PoolAnalysis.svg()` draws it (for the HTML export too).
public struct PoolAnalysis: Sendable {
    /// What the memories are grouped by.
    public enum Label: String, Sendable, CaseIterable {
        /// The memory's domain.
        case domain
        /// The agent that produced the session.
        case agent
        /// The model the agent ran.
        case model
        /// The project the session worked in (repository, else working directory, else the transcript format).
        case source
    }

    /// One point of the projection.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var label: String
        public var id: MemoryID
    }

    /// The statistics of one kind.
    public struct KindResult: Sendable {
        public var kind: MemoryKind
        public var count: Int
        /// Distinct labels among the kind's memories.
        public var labels: Int
        /// nil when the kind has fewer than two labels, or as many labels as memories.
        public var daviesBouldin: Double?
        /// The mean DBI over label shuffles (same labels, randomly reassigned among the kind's memories).
        public var daviesBouldinShuffled: Double?
        /// The mean LISI; nil with fewer than 4 memories.
        public var lisi: Double?
        public var lisiShuffled: Double?
        /// The perplexity LISI used (30, or less for a small kind).
        public var perplexity: Double
        public var points: [Point]
    }

    public var label: Label
    public var embedderID: String
    public var commit: String
    /// In the paper's order, concrete to abstract; kinds with no memory are left out.
    public var kinds: [KindResult]

    /// A label for memories that have none (no model recorded, say).
    public static let none = "(none)"

    /// Analyzes the pool's memories at its tip, with the vectors of its index for `embedder`.
    ///
    /// A memory without the label of its own (an insight has no agent; most compacted memories
    /// have the domain `general`), and any derived memory for `.source`, takes the most common
    /// label of the memories it derives from, followed down to the trajectories: the label of
    /// the sessions it came from.
    /// - Parameters:
    ///   - shuffles: label shuffles averaged for each baseline.
    ///   - seed: the shuffles' random seed (the same seed gives the same figures).
    /// - Throws: what opening the index or reading a memory throws.
    /// - Complexity: O(n² × d) per kind (LISI's neighbours, brute force), times `shuffles` + 1.
    public static func run(
        pool: Pool, embedder: any VectorEmbedder, by label: Label, shuffles: Int = 10, seed: UInt64 = 1
    ) throws -> PoolAnalysis {
        let (snapshot, report) = try VectorIndex(pool: pool, embedder: embedder).open()
        var memories: [MemoryID: Memory] = [:]
        var rows: [(file: Sidecar, row: Int, memory: Memory)] = []
        for (sidecar, row) in snapshot.rows() {
            guard let id = sidecar.id(at: row), let blob = sidecar.blob(at: row), let kind = sidecar.kind(at: row) else { continue }
            let memory = try pool.readMemory(blob: blob, path: MemoryPath.path(kind: kind, id: id))
            memories[id] = memory
            rows.append((sidecar, row, memory))
        }
        var cache: [MemoryID: String] = [:]
        func labelOf(_ memory: Memory, depth: Int = 0) -> String {
            if let known = cache[memory.id] { return known }
            var value = ownLabel(memory, label)
            if value == nil, depth < 8 {
                var counts: [String: Int] = [:]
                for parent in memory.derivedFrom {
                    guard let source = memories[parent] else { continue }
                    let inherited = labelOf(source, depth: depth + 1)
                    if inherited != none { counts[inherited, default: 0] += 1 }
                }
                value = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
            }
            let result = value ?? none
            cache[memory.id] = result
            return result
        }
        var kinds: [KindResult] = []
        var random = SplitMix64(seed: seed)
        for kind in MemoryKind.allCases.sorted(by: { $0.abstraction < $1.abstraction }) {
            let members = rows.filter { $0.memory.kind == kind }
            guard !members.isEmpty else { continue }
            let points = members.map { $0.file.vector(at: $0.row).map(Double.init) }
            let names = members.map { labelOf($0.memory) }
            let distinct = Array(Set(names)).sorted()
            let codes = names.map { name in distinct.firstIndex(of: name) ?? 0 }
            let perplexity = ClusterStatistics.effectivePerplexity(30, count: points.count)
            func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
            let dbi = ClusterStatistics.daviesBouldin(points, labels: codes)
            let lisi = mean(ClusterStatistics.lisi(points, labels: codes, perplexity: 30))
            var shuffledDBI: [Double] = []
            var shuffledLISI: [Double] = []
            if distinct.count >= 2 {
                for _ in 0..<max(1, shuffles) {
                    let shuffled = random.shuffled(codes)
                    if let value = ClusterStatistics.daviesBouldin(points, labels: shuffled) { shuffledDBI.append(value) }
                    if let value = mean(ClusterStatistics.lisi(points, labels: shuffled, perplexity: 30)) { shuffledLISI.append(value) }
                }
            } else if let lisi {
                // One label: every shuffle is the same labelling.
                shuffledLISI = [lisi]
            }
            let projection = ClusterStatistics.principalComponents(points)
            kinds.append(
                KindResult(
                    kind: kind, count: members.count, labels: distinct.count, daviesBouldin: dbi, daviesBouldinShuffled: mean(shuffledDBI),
                    lisi: lisi, lisiShuffled: mean(shuffledLISI), perplexity: max(perplexity, 0),
                    points: zip(projection, zip(names, members)).map { Point(x: $0.0.x, y: $0.0.y, label: $0.1.0, id: $0.1.1.memory.id) }))
        }
        return PoolAnalysis(label: label, embedderID: embedder.id, commit: report.commit, kinds: kinds)
    }

    /// The memory's own value of `label`, nil when it has none worth grouping by.
    static func ownLabel(_ memory: Memory, _ label: Label) -> String? {
        func given(_ text: String?) -> String? {
            guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        switch label {
        case .domain:
            return DomainMatch.isUnknown(memory.domain.lowercased()) ? nil : memory.domain
        case .agent:
            return given(memory.source.agent)
        case .model:
            return given(memory.source.model)
        case .source:
            // A workflow, summary or insight is from the project of the sessions it came from.
            if memory.kind != .trajectory, !memory.derivedFrom.isEmpty { return nil }
            let s = memory.source
            let place = given(s.repository) ?? given(s.workingDirectory)
            return place.map { ($0 as NSString).lastPathComponent } ?? given(s.format)
        }
    }
}
