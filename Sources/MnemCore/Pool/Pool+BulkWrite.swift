import Foundation
import MnemGit

/// A memory whose file is already in the object database, ready to be placed in a tree.
public struct WrittenMemory: Sendable, Hashable {
    public var id: MemoryID
    public var kind: MemoryKind
    public var blob: ObjectID

    public init(id: MemoryID, kind: MemoryKind, blob: ObjectID) {
        self.id = id
        self.kind = kind
        self.blob = blob
    }

    public var path: String { MemoryPath.path(kind: kind, id: id) }
}

extension Pool {
    /// Writes memories' files into the object database now, as one pack when there are many,
    /// and returns where they are; `apply(written:…)` commits them later.
    ///
    /// For writers that produce more memories than they want to hold (a first compaction of a
    /// large pool writes a batch at a time and keeps only the ids and blobs).
    public func writeFiles(_ memories: [Memory]) throws -> [WrittenMemory] {
        let bytes = try memories.parallelMap(minimumCount: 64) { $0.canonicalBytes() }
        let blobs = try repository.writeBlobs(bytes)
        return zip(memories, blobs).map { WrittenMemory(id: $0.0.id, kind: $0.0.kind, blob: $0.1) }
    }

    /// A writer that puts the files of many batches of memories into one pack; see `MemoryFileWriter`.
    public func fileWriter() -> MemoryFileWriter { MemoryFileWriter(repository: repository) }

    /// `apply(adding:removing:info:)` for files already written: one commit that adds `written`
    /// (those not at the tip) and removes `ids`.
    ///
    /// - Parameter described: the added memories the commit message lists and takes its
    ///   trailers from (any subset, usually the first few).
    public func apply(written: [WrittenMemory], removing ids: [MemoryID], described: [Memory], info: CommitInfo) throws -> WriteResult {
        var unique: [MemoryID: WrittenMemory] = [:]
        var order: [MemoryID] = []
        for memory in written where unique[memory.id] == nil {
            unique[memory.id] = memory
            order.append(memory.id)
        }
        let adding = Set(order)
        let removing = Array(Set(ids).subtracting(adding)).sorted()
        return try transact(info: info, memories: described) { tree throws -> ([TreeEdit], WriteResult) in
            var result = WriteResult(commit: nil, added: [], unchanged: [], removed: [], retries: 0)
            var edits: [TreeEdit] = []
            edits.reserveCapacity(order.count + removing.count)
            // Many files: one listing of their kinds beats a path lookup per file.
            var present: Set<MemoryID>?
            if order.count > 1_000, let tree {
                let kinds = Set(unique.values.map(\.kind))
                present = Set(try entries(kinds: kinds, tree: tree).map(\.id))
            }
            for id in order {
                guard let memory = unique[id] else { continue }
                let there: Bool
                if let present { there = present.contains(id) } else if let tree { there = try repository.treeEntry(atPath: memory.path, in: tree) != nil } else { there = false }
                if there {
                    result.unchanged.append(id)
                } else {
                    edits.append(.upsert(path: memory.path, blob: memory.blob))
                    result.added.append(id)
                }
            }
            for id in removing {
                if let tree, let path = try self.path(of: id, in: tree) {
                    edits.append(.remove(path: path))
                    result.removed.append(id)
                }
            }
            return (edits, result)
        }
    }
}

/// Writes memories' files a batch at a time into one pack (a new one past 1 GiB), for writers
/// that produce more memories than they want to hold: a first compaction of 100,000 trajectories
/// writes one pack instead of fifty, which storage maintenance would then merge.
///
/// The ids are known as soon as `write` returns; the files become readable at `finish`, which
/// must come before a commit names them. A writer dropped unfinished removes its pack.
public final class MemoryFileWriter {
    private let repository: Repository
    private var pack: StreamingPack?
    static let packSize = 1 << 30

    init(repository: Repository) { self.repository = repository }

    /// Hashes, deflates (on every core) and appends `memories`' files.
    public func write(_ memories: [Memory]) throws -> [WrittenMemory] {
        let bytes = try memories.parallelMap(minimumCount: 64) { $0.canonicalBytes() }
        let packed = try Repository.packedBlobs(bytes)
        if let current = pack, current.byteCount + bytes.reduce(0, { $0 + $1.count }) > Self.packSize {
            try current.finish()
            pack = nil
        }
        let current = try pack ?? StreamingPack(repository: repository)
        pack = current
        try current.append(packed)
        return zip(memories, packed).map { WrittenMemory(id: $0.0.id, kind: $0.0.kind, blob: $0.1.id) }
    }

    /// Makes everything written readable.
    public func finish() throws {
        try pack?.finish()
        pack = nil
    }
}
