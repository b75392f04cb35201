import Foundation
import MnemCore
import MnemGit

/// What opening the index did, for a `--verbose` line or a hook's log.
public struct IndexReport: Sendable, CustomStringConvertible {
    public enum Action: Sendable, Equatable {
        /// The sidecar already indexed the tip.
        case upToDate
        /// Brought up to date from the tree diff since the indexed commit.
        case updated
        /// Built from every memory at the tip, because of `reason` (nil when asked to).
        case rebuilt(reason: SidecarProblem?)
    }

    public var action: Action
    public var path: String
    public var commit: String
    public var count: Int
    public var added = 0
    public var removed = 0
    /// Memory files that could not be read, with why; they are left out of the index.
    public var skipped: [String] = []

    public var description: String {
        var text: String
        switch action {
        case .upToDate: text = "index up to date"
        case .updated: text = "index updated: +\(added) -\(removed)"
        case .rebuilt(let reason): text = "index rebuilt" + (reason.map { " (\($0))" } ?? "")
        }
        text += ", \(count) memories at \(commit.prefix(10)) in \(path)"
        if !skipped.isEmpty { text += "; skipped \(skipped.count) unreadable: \(skipped.prefix(3).joined(separator: "; "))" }
        return text
    }
}

/// An embedder that broke its contract (wrong number of vectors or wrong dimension).
public struct IndexError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The vector index of one pool for one embedder: keeps its sidecar in step with the pool's tip.
public final class VectorIndex {
    public let pool: Pool
    public let embedder: any VectorEmbedder
    /// The element type of a rebuilt sidecar; updates keep the type of the file they update.
    public let elementType: VectorElementType
    /// `<git dir>/mnem/index-<embedder id>.vec`.
    public let path: String
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

    /// Opens the sidecar, first bringing it up to date with the pool's tip.
    ///
    /// Up to date when its commit is the tip (O(1)); else updated from the tree diff since its
    /// commit (O(change) embeddings plus one copy of the file); rebuilt when missing, failing
    /// any check, or naming a commit the pool no longer has. A sidecar is never trusted blindly.
    /// - Parameters:
    ///   - rebuild: rebuild even a valid sidecar.
    ///   - verification: `.full` checks the vectors checksum even when the stamp says it passed.
    ///   - populate: map every page now, for a caller about to scan the whole file.
    /// - Throws: `GitError`, `PoolError`, `SidecarError`, `IndexError`, or what the embedder throws.
    public func open(rebuild: Bool = false, verification: Sidecar.Verification = .standard, populate: Bool = false) throws -> (Sidecar, IndexReport) {
        let tip = try pool.tip()
        let tipHex = tip?.hex ?? Sidecar.noCommit
        var problem: SidecarProblem?
        if !rebuild {
            switch try openSidecar(verification: verification, populate: populate) {
            case .success(let sidecar):
                if sidecar.commit == tipHex {
                    return (sidecar, IndexReport(action: .upToDate, path: path, commit: tipHex, count: sidecar.count))
                }
                if let report = try update(from: sidecar, to: tip) {
                    return (try reopened(populate: populate), report)
                }
                problem = .commitUnknown(sidecar.commit)
            case .failure(let found):
                problem = found
            }
        }
        var report = try fullRebuild(at: tip)
        report.action = .rebuilt(reason: problem)
        return (try reopened(populate: populate), report)
    }

    func openSidecar(verification: Sidecar.Verification, populate: Bool) throws(SidecarError) -> Result<Sidecar, SidecarProblem> {
        try Sidecar.open(path: path, embedderID: embedder.id, dimension: embedder.dimension, verification: verification, populate: populate)
    }

    private func reopened(populate: Bool) throws -> Sidecar {
        switch try openSidecar(verification: .justWritten, populate: populate) {
        case .success(let sidecar): return sidecar
        case .failure(let problem): throw SidecarError("the sidecar just written at \(path) does not validate: \(problem)")
        }
    }

    // MARK: Building

    /// Embeds every memory at `tip` and writes a new sidecar.
    func fullRebuild(at tip: ObjectID?) throws -> IndexReport {
        var report = IndexReport(action: .rebuilt(reason: nil), path: path, commit: tip?.hex ?? Sidecar.noCommit, count: 0)
        var files: [(blob: ObjectID, path: String)] = []
        if let tip {
            files = try pool.entries(tree: try pool.repository.commit(tip).tree).map { ($0.blob, $0.path) }
        }
        let entries = try embedSorted(read(files, report: &report))
        try write(entries, commit: report.commit, previous: nil, elementType: elementType)
        report.count = entries.count
        report.added = entries.count
        return report
    }

    /// Applies the tree diff from the sidecar's commit to `tip`; nil when that commit is gone.
    func update(from sidecar: Sidecar, to tip: ObjectID?) throws -> IndexReport? {
        let repository = pool.repository
        var oldTree: ObjectID?
        if sidecar.commit != Sidecar.noCommit {
            guard let oldCommit = ObjectID(hex: sidecar.commit), let commit = try? repository.commit(oldCommit) else { return nil }
            oldTree = commit.tree
        }
        let newTree = try tip.map { (t) throws(GitError) in try repository.commit(t).tree }
        var report = IndexReport(action: .updated, path: path, commit: tip?.hex ?? Sidecar.noCommit, count: 0)
        var removedIDs = Set<PackedID>()
        var addedFiles: [(blob: ObjectID, path: String)] = []
        // Most of a diff is zlib inflating the differing trees (all 256 fan-out directories of a
        // kind when 1,000 memories arrive), so it runs on every core.
        for delta in try repository.changedFiles(oldTree, newTree, workers: min(4, ProcessInfo.processInfo.activeProcessorCount)) {
            guard let (_, pathID) = MemoryPath.parse(delta.path), let packed = PackedID(hex: pathID.rawValue) else { continue }
            if delta.status != .added {
                removedIDs.insert(packed)
            }
            if delta.status != .deleted, delta.newMode == .blob || delta.newMode == .executable {
                addedFiles.append((delta.newID, delta.path))
            }
        }
        let added = try embedSorted(read(addedFiles, report: &report))

        // Old rows are sorted by id: merge them with the sorted new rows, copying old vectors.
        var merged: [SidecarEntry] = []
        merged.reserveCapacity(sidecar.count + added.count)
        let stringCount = sidecar.strings.count
        var next = 0
        var kept = 0
        for row in 0..<sidecar.count {
            let id = sidecar.packedID(at: row)
            if !removedIDs.isEmpty && removedIDs.contains(id) { continue }
            // A row is kept as its bytes; one whose columns do not decode is dropped, as a rebuild would.
            guard sidecar.kind(at: row) != nil, sidecar.outcome(at: row) != nil, Int(sidecar.domainIndex(at: row)) < stringCount else { continue }
            while next < added.count && added[next].id < id {
                merged.append(added[next])
                next += 1
            }
            // Re-added under the same id (a changed file): the new entry, appended next, replaces it.
            if next < added.count && added[next].id == id { continue }
            merged.append(SidecarEntry(id: id, source: .previousRow(row)))
            kept += 1
        }
        merged.append(contentsOf: added[next...])
        // An update keeps the element type the sidecar was built with; only a rebuild changes it.
        try write(merged, commit: report.commit, previous: sidecar, elementType: sidecar.elementType)
        report.count = merged.count
        report.added = added.count
        report.removed = sidecar.count - kept
        return report
    }

    private func write(_ entries: [SidecarEntry], commit: String, previous: Sidecar?, elementType: VectorElementType) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try SidecarWriter.write(
            entries: entries, commit: commit, embedderID: embedder.id, dimension: embedder.dimension, elementType: elementType,
            previous: previous, to: path)
    }

    /// Embeds memories in batches; the result is in the memories' order.
    func embedEntries(_ memories: [(memory: Memory, blob: ObjectID)]) throws -> [SidecarEntry] {
        var entries: [SidecarEntry] = []
        entries.reserveCapacity(memories.count)
        var start = 0
        while start < memories.count {
            let batch = memories[start..<min(start + Self.batchSize, memories.count)]
            let vectors = try embedder.embed(batch.map { embeddingText(for: $0.memory) })
            guard vectors.count == batch.count else {
                throw IndexError("embedder \(embedder.id) returned \(vectors.count) vectors for \(batch.count) texts")
            }
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
            start += Self.batchSize
        }
        return entries
    }

    /// Reads memory files; one that cannot be read is left out and named in the report.
    private func read(_ files: [(blob: ObjectID, path: String)], report: inout IndexReport) -> [(memory: Memory, blob: ObjectID)] {
        var memories: [(memory: Memory, blob: ObjectID)] = []
        memories.reserveCapacity(files.count)
        for file in files {
            do {
                memories.append((try pool.readMemory(blob: file.blob, path: file.path), file.blob))
            } catch {
                report.skipped.append(error.oneLine)
            }
        }
        return memories
    }

    /// Embeds memories into entries sorted by id, a repeated id (one memory file at two paths) kept once.
    private func embedSorted(_ memories: [(memory: Memory, blob: ObjectID)]) throws -> [SidecarEntry] {
        var out: [SidecarEntry] = []
        out.reserveCapacity(memories.count)
        for entry in try embedEntries(memories).sorted(by: { $0.id < $1.id }) where out.last?.id != entry.id { out.append(entry) }
        return out
    }
}
