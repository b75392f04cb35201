import Foundation
import MnemCore
import MnemGit

/// A trajectory's file in the tree.
struct TrajectoryFile: Sendable {
    var blob: ObjectID
    var path: String
}

extension OfflineCompactor {
    /// Trajectories read, analysed and written per batch: enough to keep the cores busy, few
    /// enough that a first compaction of 100,000 trajectories never holds them all.
    static let batchSize = 2_048
    /// How many of the added workflows and summaries the report and the commit message keep in full.
    static let described = 50

    /// Runs the compactor over `pool`, reading only what changed since the last run, and commits
    /// the result in one commit (or none).
    ///
    /// The compaction state (`CompactionState`) says which trajectories were already analysed and
    /// compacted at which commit; the tree diff since then says what is new. With nothing new
    /// since a complete compaction, the run reads the state's header and stops. New trajectories
    /// are read, analysed and their workflows and summaries written to the object database a
    /// batch at a time; insights are mined from the records of every trajectory; one commit adds
    /// it all.
    /// - Complexity: proportional to the trajectories added since the state's commit (plus the
    ///   records, read from one file, for mining), not to the pool's size.
    public func run(pool: Pool, author: CommitInfo? = nil, progress: (@Sendable (String) -> Void)? = nil) throws -> CompactionReport {
        let statePath = CompactionState.path(gitDirectory: pool.repository.gitDirectory)
        let tip = try pool.tip()
        let everyKind = options.kinds == [.workflow, .summary, .insight]
        var report = CompactionReport()
        if everyKind, let peek = CompactionState.peek(path: statePath), peek.complete, peek.commit == tip?.hex {
            report.trajectories = peek.trajectories
            report.upToDate = true
            return report
        }
        var (state, unread, removedTrajectories) = try refresh(pool: pool, tip: tip, statePath: statePath, progress: progress)
        let derivedKinds = [MemoryKind.workflow, .summary].filter { options.kinds.contains($0) }
        // What to read: trajectories without a record, and those still lacking a requested kind.
        var toRead = Set(unread.keys)
        for kind in derivedKinds {
            let done = state.compacted[kind] ?? []
            for id in state.records.keys where !done.contains(id) { toRead.insert(id) }
        }
        let trajectoryEntries = toRead.isEmpty ? [:] : try entriesByID(pool, unread: unread, wanted: toRead)
        var written: [WrittenMemory] = []
        var sample: [Memory] = []
        var counts: [MemoryKind: Int] = [:]
        var newlyCompacted: [MemoryKind: Set<MemoryID>] = [:]
        let ordered = toRead.sorted()
        var done = 0
        // Trajectories that a capture extended and took off the tip since the state's commit.
        var extended: [MemoryID] = []
        let files = pool.fileWriter()
        for start in stride(from: 0, to: ordered.count, by: Self.batchSize) {
            let batch = ordered[start..<min(ordered.count, start + Self.batchSize)].compactMap { trajectoryEntries[$0] }
            let compacted = state.compacted
            // Read, parsed and analysed on every core, each thread through its own handle.
            let results = try pool.mapBlobs(batch.map(\.blob)) { i, read -> Result<(MiningRecord, [Memory], [MemoryID]), any Error> in
                Result {
                    let memory = try Self.decode(try read.get(), path: batch[i].path)
                    let analysis = TrajectoryAnalysis(memory)
                    let derived = derivedKinds.filter { !(compacted[$0]?.contains(memory.id) ?? false) }.map { Self.derive($0, analysis) }
                    return (analysis.miningRecord, derived, memory.supersedes)
                }
            }.map { try $0.get() }
            var derived: [Memory] = []
            for (record, memories, supersedes) in results {
                if !memories.isEmpty { extended += supersedes.filter { removedTrajectories[$0] != nil } }
                state.records[record.id] = record
                for memory in memories {
                    newlyCompacted[memory.kind, default: []].insert(record.id)
                    counts[memory.kind, default: 0] += 1
                }
                derived += memories
            }
            if sample.count < Self.described { sample += derived.prefix(Self.described - sample.count) }
            if !options.dryRun, !derived.isEmpty { written += try files.write(derived) }
            done += batch.count
            progress?("compact: \(done) of \(ordered.count) trajectories read")
        }
        try files.finish()
        // What the state will say, but for its commit: encoded beside the mining and the commit.
        var final = state
        for (kind, ids) in newlyCompacted { final.compacted[kind, default: []].formUnion(ids) }
        let encodedBody = options.dryRun ? nil : BackgroundWork { [final] in final.encodeBody() }
        report.trajectories = state.records.count
        report.compacted = Set(newlyCompacted.values.flatMap { $0 }).count

        var insights = Consolidation.Changes()
        if options.kinds.contains(.insight) {
            progress?("insight: mining \(state.records.count) trajectories")
            let records = state.records.keys.sorted().compactMap { state.records[$0] }
            let candidates = InsightMiner.mine(records).map(Self.insightMemory)
            let existing = try pool.memories(kinds: [.insight])
            insights = try Consolidation.consolidate(candidates, into: existing, embedder: options.embedder)
        }
        // The workflow and summary of a trajectory a later capture extended go with it: its
        // successor's replace them, so one session keeps one of each however often it was captured.
        let retired = try retiredDerivations(extended, removed: removedTrajectories, state: state, kinds: derivedKinds, pool: pool)
        report.added = sample + insights.add
        var allIDs = written.map(\.id)
        if options.dryRun { allIDs = sample.map(\.id) }
        report.addedIDs = allIDs + insights.add.map(\.id)
        counts[.insight] = insights.add.count
        report.addedCounts = counts.filter { $0.value > 0 }
        report.removed = insights.remove + retired

        guard !options.dryRun else { return report }
        var newTip = tip
        if !written.isEmpty || !insights.add.isEmpty || !insights.remove.isEmpty || !retired.isEmpty {
            let info = Self.commitInfo(report, compactor: "offline", base: author)
            let all = written + (try pool.writeFiles(insights.add))
            let result = try pool.apply(written: all, removing: insights.remove + retired, described: sample + insights.add, info: info)
            if let commit = result.commit {
                report.commit = commit.hex
                // The state may name our commit only if nothing else landed under it.
                if try pool.repository.commit(commit).parents == (tip.map { [$0] } ?? []) { newTip = commit }
            }
        }
        state = final
        state.commit = newTip?.hex
        // Complete when the state's commit holds everything this run did and nothing it did not see.
        state.complete = everyKind && (report.commit == nil || newTip != tip)
        try state.save(path: statePath, body: encodedBody?.value)
        return report
    }

    /// The state brought up to the tip: from the tree diff since its commit, or rebuilt from the
    /// tree when missing, failing its checks, or naming a commit the pool no longer has.
    /// - Returns: the state, the trajectories at the tip it has no record of (by id), and the
    ///   trajectories taken off the tip since its commit (their files as they were).
    func refresh(
        pool: Pool, tip: ObjectID?, statePath: String, progress: (@Sendable (String) -> Void)?
    ) throws -> (CompactionState, [MemoryID: TrajectoryFile], [MemoryID: TrajectoryFile]) {
        let repository = pool.repository
        guard let tip else { return (CompactionState(), [:], [:]) }
        let tipTree = try repository.commit(tip).tree
        if var state = CompactionState.load(path: statePath), let old = state.commit.flatMap(ObjectID.init(hex:)), repository.hasObject(old),
            let oldTree = try? repository.commit(old).tree
        {
            state.complete = false
            if old == tip { return (state, [:], [:]) }
            var unread: [MemoryID: TrajectoryFile] = [:]
            var removed: [MemoryID: TrajectoryFile] = [:]
            for delta in try repository.changedFiles(oldTree, tipTree, workers: min(4, ProcessInfo.processInfo.activeProcessorCount)) {
                guard let (kind, id) = MemoryPath.parse(delta.path) else { continue }
                switch kind {
                case .trajectory:
                    // A forgotten trajectory's workflow stays, so it stays compacted should it come back.
                    if delta.newID.isZero {
                        state.records[id] = nil
                        removed[id] = TrajectoryFile(blob: delta.oldID, path: delta.path)
                    } else {
                        state.records[id] = nil
                        unread[id] = TrajectoryFile(blob: delta.newID, path: delta.path)
                    }
                case .workflow, .summary:
                    // A teammate's offline compaction counts as ours: the same trajectory is not compacted twice.
                    if !delta.oldID.isZero, let old = try? Self.decode(try repository.readBlob(delta.oldID), path: delta.path), old.tags.contains(CompactionTag.offline) {
                        for parent in old.derivedFrom { state.compacted[kind]?.remove(parent) }
                    }
                    if !delta.newID.isZero, let new = try? Self.decode(try repository.readBlob(delta.newID), path: delta.path), new.tags.contains(CompactionTag.offline) {
                        state.compacted[kind, default: []].formUnion(new.derivedFrom)
                    }
                case .insight:
                    continue
                }
            }
            return (state, unread, removed)
        }
        // Rebuild: every trajectory is unread; what is compacted is read from the offline workflows and summaries.
        progress?("compact: building the compaction state")
        var state = CompactionState()
        var unread: [MemoryID: TrajectoryFile] = [:]
        var derivedEntries: [MemoryEntry] = []
        for entry in try pool.entries(kinds: [.trajectory, .workflow, .summary], tree: tipTree) {
            if entry.kind == .trajectory { unread[entry.id] = TrajectoryFile(blob: entry.blob, path: entry.path) } else { derivedEntries.append(entry) }
        }
        for start in stride(from: 0, to: derivedEntries.count, by: Self.batchSize) {
            let batch = Array(derivedEntries[start..<min(derivedEntries.count, start + Self.batchSize)])
            let blobs = try batch.map { try repository.readBlob($0.blob) }
            let parents = try zip(batch, blobs).map { ($0.0, $0.1) }.parallelMap(minimumCount: 16) { (entry, bytes) throws -> (MemoryKind, [MemoryID]) in
                let memory = try Self.decode(bytes, path: entry.path)
                return (entry.kind, memory.tags.contains(CompactionTag.offline) ? memory.derivedFrom : [])
            }
            for (kind, ids) in parents { state.compacted[kind, default: []].formUnion(ids) }
        }
        return (state, unread, [:])
    }

    /// The offline workflows and summaries of `extended` (trajectories taken off the tip because
    /// a new capture extends them), derived again from their files as they were: the same
    /// trajectory and the same builders give the same ids. Those no longer at the tip, or made
    /// by another version of the builders, are simply not found.
    /// - Complexity: one read and analysis per extended trajectory; none when there is none.
    func retiredDerivations(
        _ extended: [MemoryID], removed: [MemoryID: TrajectoryFile], state: CompactionState, kinds: [MemoryKind], pool: Pool
    ) throws -> [MemoryID] {
        var retired: [MemoryID] = []
        for id in Set(extended).sorted() {
            guard let file = removed[id], kinds.contains(where: { state.compacted[$0]?.contains(id) ?? false }),
                let memory = try? Self.decode(try pool.repository.readBlob(file.blob), path: file.path)
            else { continue }
            let analysis = TrajectoryAnalysis(memory)
            retired += kinds.filter { state.compacted[$0]?.contains(id) ?? false }.map { Self.derive($0, analysis).id }
        }
        return retired
    }

    /// The tip's entries for `wanted`: the unread ones are known from the diff, the rest are listed.
    func entriesByID(_ pool: Pool, unread: [MemoryID: TrajectoryFile], wanted: Set<MemoryID>) throws -> [MemoryID: TrajectoryFile] {
        var out = unread.filter { wanted.contains($0.key) }
        guard out.count < wanted.count else { return out }
        for entry in try pool.entries(kinds: [.trajectory]) where wanted.contains(entry.id) { out[entry.id] = TrajectoryFile(blob: entry.blob, path: entry.path) }
        return out
    }

    /// A memory file, checked as every read is.
    static func decode(_ bytes: [UInt8], path: String) throws -> Memory { try Pool.parseMemory(bytes, path: path) }
}
