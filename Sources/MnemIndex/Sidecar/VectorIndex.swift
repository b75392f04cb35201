import Foundation
import MnemCore
import MnemGit
import MnemEmbedding

/// What opening the index did, for a `--verbose` line or a hook's log.
public struct IndexReport: Sendable, CustomStringConvertible {
    public enum Action: Sendable, Equatable {
        /// The sidecar already indexed the tip.
        case upToDate
        /// Brought up to date from the tree diff since the indexed commit.
        case updated
        /// Built from every memory at the tip, because of `reason` (nil when asked to).
        case rebuilt(reason: SidecarProblem?)
        /// Left behind the tip: a caller that could not wait read it as it was (see `VectorIndex.openAsIs`).
        case stale
    }

    public var action: Action
    public var path: String
    public var commit: String
    public var count: Int
    public var added = 0
    public var removed = 0
    /// Memory files that could not be read, with why; they are left out of the index.
    public var skipped: [String] = []
    /// Whether the update went to the delta only (the base file was left as it was).
    public var deltaOnly = false
    /// What a caller that left the index behind did about it, for a log (see `VectorIndex.whenBehind`).
    public var note: String?

    public init(action: Action, path: String, commit: String, count: Int) {
        self.action = action
        self.path = path
        self.commit = commit
        self.count = count
    }

    public var description: String {
        if let note { return note }
        var text: String
        switch action {
        case .upToDate: text = "index up to date"
        case .updated: text = "index updated: +\(added) -\(removed)"
        case .rebuilt(let reason): text = "index rebuilt" + (reason.map { " (\($0))" } ?? "")
        case .stale: text = "index behind the pool (answered from the rows it has)"
        }
        text += ", \(count) memories at \(commit.prefix(10)) in \(path)"
        if !skipped.isEmpty { text += "; skipped \(skipped.count) unreadable: \(skipped.prefix(3).joined(separator: "; "))" }
        return text
    }
}

/// There is no index to read yet and the caller chose not to build one (see `VectorIndex.whenBehind`).
public struct IndexNotReady: Error, Sendable, CustomStringConvertible {
    /// What was done about it, for a log.
    public var report: IndexReport
    public init(report: IndexReport) { self.report = report }
    public var description: String { report.note ?? "the index is not built yet" }
}

/// An embedder that broke its contract (wrong number of vectors or wrong dimension).
public struct IndexError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// When an update writes a delta beside the base, and when it folds everything into a new base.
public struct SegmentPolicy: Sendable, Equatable {
    /// Below this many base rows an update rewrites the whole file: at most a few MB, and one
    /// file is simpler to read than two.
    public var minimumBaseRows: Int
    /// The delta is folded into a new base once its rows and the base rows it removes pass this
    /// fraction of the base. Each update rewrites the delta, so this bounds that cost to a
    /// fraction of the base, and the scan's extra rows with it.
    public var maximumDeltaFraction: Double

    public init(minimumBaseRows: Int = 16_384, maximumDeltaFraction: Double = 0.125) {
        self.minimumBaseRows = minimumBaseRows
        self.maximumDeltaFraction = maximumDeltaFraction
    }

    /// Whether a delta of `deltaRows` rows removing `removedRows` from a base of `baseRows` is folded.
    func folds(baseRows: Int, deltaRows: Int, removedRows: Int) -> Bool {
        baseRows < minimumBaseRows || Double(deltaRows + removedRows) > maximumDeltaFraction * Double(baseRows)
    }
}

/// The vector index of one pool for one embedder: keeps its files in step with the pool's tip.
///
/// The index is a base file and at most one delta (see `IndexSnapshot`). Updates take the
/// index's lock (see `IndexLock`), so one process does each update while the others wait for it
/// and find the work done.
public final class VectorIndex {
    public let pool: Pool
    public let embedder: any VectorEmbedder
    /// The element type of a rebuilt sidecar; updates keep the type of the file they update.
    public let elementType: VectorElementType
    /// `<git dir>/mnem/index-<embedder id>.vec`: the base.
    public let path: String
    /// The delta beside the base.
    public var deltaPath: String { path + ".delta" }
    /// The writers' lock.
    public var lockPath: String { path + ".lock" }
    public var segments = SegmentPolicy()
    /// What `open` does when the index is behind the tip, instead of updating it here: for a
    /// caller that cannot wait (a hook hands the work to a detached updater). It gets the index
    /// and the tip, and returns what to read (a stale snapshot, or a fresh one it waited for);
    /// it throws `IndexNotReady` when there is nothing to read yet. Not consulted by `rebuild`.
    public var whenBehind: ((VectorIndex, String) throws -> (IndexSnapshot, IndexReport))?
    /// Called by a full rebuild with every memory file it read (its path, blob, and the memory
    /// or why it is not one) and the commit, before embedding: a caller that keeps other
    /// derived files (the catalog) builds them from the same read instead of a second one.
    public var onFullRead: ((_ commit: String, _ files: [(path: String, blob: ObjectID, memory: Result<Memory, PoolError>)]) throws -> Void)?
    /// Texts per call to the embedder.
    static let batchSize = 256

    public init(pool: Pool, embedder: any VectorEmbedder, elementType: VectorElementType = .float16) {
        self.pool = pool
        self.embedder = embedder
        self.elementType = elementType
        self.path = Self.sidecarPath(gitDirectory: pool.repository.gitDirectory, embedderID: embedder.id)
    }

    /// Where the sidecar of `embedderID` lives: never committed, as git ignores its own directory.
    public static func sidecarPath(gitDirectory: String, embedderID: String) -> String {
        let safe = String(embedderID.unicodeScalars.map { c -> Character in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == ".") ? Character(c) : "_"
        })
        let directory = gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/"
        return "\(directory)mnem/index-\(safe).vec"
    }

    /// Opens the index, first bringing it up to date with the pool's tip.
    ///
    /// Up to date when its commit is the tip (O(1)); else updated from the tree diff since its
    /// commit (O(change) embeddings, and the delta rewritten); rebuilt when missing, failing any
    /// check, or naming a commit the pool no longer has. An index is never trusted blindly.
    /// - Parameters:
    ///   - rebuild: rebuild even a valid index.
    ///   - verification: `.full` checks the vectors checksums even when the stamps say they passed.
    ///   - populate: map every page now, for a caller about to scan the whole file.
    ///   - lock: the writers' lock when the caller holds it already (a detached updater).
    /// - Throws: `GitError`, `PoolError`, `SidecarError`, `IndexError`, or what the embedder throws.
    public func open(
        rebuild: Bool = false, verification: Sidecar.Verification = .standard, populate: Bool = false, lock: IndexLock? = nil
    ) throws -> (IndexSnapshot, IndexReport) {
        if !rebuild, lock == nil, let tip = try? pool.tip()?.hex ?? Sidecar.noCommit,
            case .success(let snapshot) = try openSnapshot(verification: verification, populate: populate), snapshot.commit == tip
        {
            return (snapshot, IndexReport(action: .upToDate, path: path, commit: tip, count: snapshot.count))
        }
        if !rebuild, lock == nil, let whenBehind {
            return try whenBehind(self, try pool.tip()?.hex ?? Sidecar.noCommit)
        }
        let held: IndexLock
        if let lock {
            held = lock
        } else if let taken = try IndexLock.acquire(path: lockPath, wait: true) {
            held = taken
        } else {
            throw SidecarError("cannot lock \(lockPath)")
        }
        return try withExtendedLifetime(held) {
            // Another writer may have done the work while this one waited for the lock.
            let tip = try pool.tip()
            let tipHex = tip?.hex ?? Sidecar.noCommit
            var problem: SidecarProblem?
            if !rebuild {
                switch try openSnapshot(verification: verification, populate: populate) {
                case .success(let snapshot):
                    if snapshot.commit == tipHex {
                        return (snapshot, IndexReport(action: .upToDate, path: path, commit: tipHex, count: snapshot.count))
                    }
                    if let report = try update(from: snapshot, to: tip) {
                        return (try reopened(populate: populate), report)
                    }
                    problem = .commitUnknown(snapshot.commit)
                case .failure(let found):
                    problem = found
                }
            }
            var report = try fullRebuild(at: tip)
            report.action = .rebuilt(reason: problem)
            return (try reopened(populate: populate), report)
        }
    }

    /// The index as it is on disk, whatever commit it names: for a caller that cannot wait for
    /// an update (a hook), or wants to know how far behind it is.
    ///
    /// - Returns: the snapshot, or why there is none to trust.
    public func openAsIs(populate: Bool = false) throws(SidecarError) -> Result<IndexSnapshot, SidecarProblem> {
        try openSnapshot(verification: .standard, populate: populate)
    }

    func openSnapshot(verification: Sidecar.Verification, populate: Bool) throws(SidecarError) -> Result<IndexSnapshot, SidecarProblem> {
        try IndexSnapshot.open(
            path: path, deltaPath: deltaPath, embedderID: embedder.id, dimension: embedder.dimension, verification: verification,
            populate: populate)
    }

    private func reopened(populate: Bool) throws -> IndexSnapshot {
        switch try openSnapshot(verification: .justWritten, populate: populate) {
        case .success(let snapshot): return snapshot
        case .failure(let problem): throw SidecarError("the index just written at \(path) does not validate: \(problem)")
        }
    }

    // MARK: Building

    /// Embeds every memory at `tip` and writes a new base (and removes any delta).
    func fullRebuild(at tip: ObjectID?) throws -> IndexReport {
        var report = IndexReport(action: .rebuilt(reason: nil), path: path, commit: tip?.hex ?? Sidecar.noCommit, count: 0)
        var files: [(blob: ObjectID, path: String)] = []
        if let tip {
            files = try pool.entries(tree: try pool.repository.commit(tip).tree).map { ($0.blob, $0.path) }
        }
        let commit = report.commit
        let entries = try embedSorted(files, report: &report, label: "indexing") { parsed in
            try self.onFullRead?(commit, zip(files, parsed).map { (path: $0.path, blob: $0.blob, memory: $1) })
        }
        try write(entries, commit: report.commit, previous: [], elementType: elementType, to: path)
        removeDelta()
        report.count = entries.count
        report.added = entries.count
        return report
    }

    /// Applies the tree diff from the snapshot's commit to `tip`; nil when that commit is gone.
    ///
    /// The new rows, with those of the current delta that stay, go to a new delta that also
    /// lists the base rows removed so far; the base file is not touched. When the delta would
    /// pass `segments`' bound, or the base is small, everything is folded into a new base, its
    /// rows copied rather than re-embedded.
    func update(from snapshot: IndexSnapshot, to tip: ObjectID?) throws -> IndexReport? {
        let repository = pool.repository
        var oldTree: ObjectID?
        if snapshot.commit != Sidecar.noCommit {
            guard let oldCommit = ObjectID(hex: snapshot.commit), let commit = try? repository.commit(oldCommit) else { return nil }
            oldTree = commit.tree
        }
        let newTree = try tip.map { (t) throws(GitError) in try repository.commit(t).tree }
        var report = IndexReport(action: .updated, path: path, commit: tip?.hex ?? Sidecar.noCommit, count: 0)
        var leaving = Set<PackedID>()
        var addedFiles: [(blob: ObjectID, path: String)] = []
        // Most of a diff is zlib inflating the differing trees (all 256 fan-out directories of a
        // kind when 1,000 memories arrive), so it runs on every core.
        for delta in try repository.changedFiles(oldTree, newTree, workers: min(4, ProcessInfo.processInfo.activeProcessorCount)) {
            guard let (_, pathID) = MemoryPath.parse(delta.path), let packed = PackedID(hex: pathID.rawValue) else { continue }
            if delta.status != .added {
                leaving.insert(packed)
            }
            if delta.status != .deleted, delta.newMode == .blob || delta.newMode == .executable {
                addedFiles.append((delta.newID, delta.path))
            }
        }
        let added = try embedSorted(addedFiles, report: &report, label: "indexing new memories")
        // A re-added id (a changed file) replaces its row wherever it is.
        for entry in added { leaving.insert(entry.id) }

        let base = snapshot.base
        let delta = snapshot.delta
        // The base rows gone so far: the current delta's, and those leaving now.
        var removed = Set<Int>()
        if let delta { for n in 0..<delta.removedCount { removed.insert(delta.removedRow(n)) } }
        for id in leaving {
            if let row = base.row(of: id), !base.isHidden(row) { removed.insert(row) }
        }
        // The delta's rows that stay, merged with the new rows by id (both are sorted).
        var rows: [SidecarEntry] = []
        rows.reserveCapacity((delta?.count ?? 0) + added.count)
        var next = 0
        if let delta {
            for row in 0..<delta.count {
                let id = delta.packedID(at: row)
                if leaving.contains(id) { continue }
                while next < added.count && added[next].id < id {
                    rows.append(added[next])
                    next += 1
                }
                rows.append(SidecarEntry(id: id, source: .copied(segment: 1, row: row)))
            }
        }
        rows.append(contentsOf: added[next...])
        let previous = [base] + (delta.map { [$0] } ?? [])
        let elementType = base.elementType

        if segments.folds(baseRows: base.count, deltaRows: rows.count, removedRows: removed.count) {
            // One new base: the base rows that stay, merged with the delta's rows.
            var merged: [SidecarEntry] = []
            merged.reserveCapacity(base.count - removed.count + rows.count)
            let stringCount = base.strings.count
            var r = 0
            for row in 0..<base.count where !removed.contains(row) {
                // A row is kept as its bytes; one whose columns do not decode is dropped, as a rebuild would.
                guard base.kind(at: row) != nil, base.outcome(at: row) != nil, Int(base.domainIndex(at: row)) < stringCount else { continue }
                let id = base.packedID(at: row)
                while r < rows.count && rows[r].id < id {
                    merged.append(rows[r])
                    r += 1
                }
                merged.append(SidecarEntry(id: id, source: .copied(segment: 0, row: row)))
            }
            merged.append(contentsOf: rows[r...])
            try write(merged, commit: report.commit, previous: previous, elementType: elementType, to: path)
            removeDelta()
            report.count = merged.count
        } else {
            let rowsRemoved = removed.sorted().map { UInt32($0) }
            try write(
                rows, commit: report.commit, previous: previous, elementType: elementType, removedRows: rowsRemoved,
                baseLink: base.headerChecksum, to: deltaPath)
            report.deltaOnly = true
            report.count = base.count - removed.count + rows.count
        }
        report.added = added.count
        report.removed = snapshot.count + added.count - report.count
        return report
    }

    private func write(
        _ entries: [SidecarEntry], commit: String, previous: [Sidecar], elementType: VectorElementType, removedRows: [UInt32] = [],
        baseLink: UInt64 = 0, to target: String
    ) throws {
        let directory = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try SidecarWriter.write(
            entries: entries, commit: commit, embedderID: embedder.id, dimension: embedder.dimension, elementType: elementType,
            previous: previous, removedRows: removedRows, baseLink: baseLink, to: target)
    }

    /// Removes the delta and its stamp, after a new base made them stale.
    private func removeDelta() {
        unlink(deltaPath)
        unlink(deltaPath + ".verified")
    }

    /// Embeds memories in batches; the result is in the memories' order.
    func embedEntries(_ memories: [(memory: Memory, blob: ObjectID)]) throws -> [SidecarEntry] {
        var entries: [SidecarEntry] = []
        entries.reserveCapacity(memories.count)
        var start = 0
        while start < memories.count {
            let batch = memories[start..<min(start + Self.batchSize, memories.count)]
            entries += try embedBatch(batch)
            start += Self.batchSize
        }
        return entries
    }

    /// One call to the embedder, its answer checked.
    private func embedBatch(_ batch: ArraySlice<(memory: Memory, blob: ObjectID)>) throws -> [SidecarEntry] {
        let vectors = try embedder.embed(batch.map { embeddingText(for: $0.memory) })
        guard vectors.count == batch.count else {
            throw IndexError("embedder \(embedder.id) returned \(vectors.count) vectors for \(batch.count) texts")
        }
        var entries: [SidecarEntry] = []
        entries.reserveCapacity(batch.count)
        for ((memory, blob), vector) in zip(batch, vectors) {
            guard vector.count == embedder.dimension else {
                throw IndexError("embedder \(embedder.id) returned a vector of \(vector.count) elements, not \(embedder.dimension)")
            }
            guard let id = PackedID(hex: memory.id.rawValue), let blob = PackedID(hex: blob.hex) else { continue }
            entries.append(
                SidecarEntry(
                    id: id, blob: blob, kind: memory.kind, outcome: memory.outcome, domain: memory.domain, model: memory.source.model,
                    vector: .floats(vector)))
        }
        return entries
    }

    /// Reads, parses and embeds memory files into entries sorted by id, a repeated id (one
    /// memory file at two paths) kept once; a file that cannot be read is left out and named in
    /// the report.
    ///
    /// Reading and parsing run on every core (`Pool.mapBlobs`); so does embedding, except for an
    /// embedder that sends requests (one request at a time is what a server expects of us).
    private func embedSorted(
        _ files: [(blob: ObjectID, path: String)], report: inout IndexReport, label: String,
        whenRead: (([Result<Memory, PoolError>]) throws -> Void)? = nil
    ) throws -> [SidecarEntry] {
        let progress = WorkProgress.start(label, total: files.count)
        defer { progress.finish() }
        let paths = files.map(\.path)
        let parsed = try pool.mapBlobs(files.map(\.blob), progress: progress) { i, bytes -> Result<Memory, PoolError> in
            do {
                return .success(try Pool.parseMemory(bytes.get(), path: paths[i]))
            } catch {
                return .failure(PoolError(error.oneLine))
            }
        }
        try whenRead?(parsed)
        var memories: [(memory: Memory, blob: ObjectID)] = []
        memories.reserveCapacity(files.count)
        for (i, result) in parsed.enumerated() {
            switch result {
            case .success(let memory): memories.append((memory, files[i].blob))
            case .failure(let error): report.skipped.append(error.oneLine)
            }
        }
        let entries: [SidecarEntry]
        if memories.count > Self.batchSize * 2, !(embedder is HTTPEmbedder) {
            let batches = stride(from: 0, to: memories.count, by: Self.batchSize).map { memories[$0..<min($0 + Self.batchSize, memories.count)] }
            entries = try batches.parallelMap(minimumCount: 2) { try self.embedBatch($0) }.flatMap { $0 }
        } else {
            entries = try embedEntries(memories)
        }
        var out: [SidecarEntry] = []
        out.reserveCapacity(entries.count)
        for entry in entries.sorted(by: { $0.id < $1.id }) where out.last?.id != entry.id { out.append(entry) }
        return out
    }
}
