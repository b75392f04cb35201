import Foundation
import MnemGit

/// A memory file at the tip, found without reading it.
public struct MemoryEntry: Sendable, Hashable {
    public var id: MemoryID
    public var kind: MemoryKind
    public var blob: ObjectID
    public var path: String { MemoryPath.path(kind: kind, id: id) }
}

/// One commit that touched a memory (or the pool), for `mnem log`.
public struct HistoryEntry: Sendable {
    public var commit: Commit
    /// What the commit did to the memory asked about: added, removed or changed. Nil for pool history.
    public var change: String?
}

extension Pool {
    /// The path of `id`'s file in `tree`, whatever its kind, or nil.
    public func path(of id: MemoryID, in tree: ObjectID) throws(GitError) -> String? {
        for kind in MemoryKind.allCases {
            let path = MemoryPath.path(kind: kind, id: id)
            if try repository.treeEntry(atPath: path, in: tree) != nil { return path }
        }
        return nil
    }

    /// Reads and validates the memory `id` at the tip, or nil if it is not there.
    public func memory(_ id: MemoryID) throws -> Memory? {
        guard let tree = try tipTree() else { return nil }
        for kind in MemoryKind.allCases {
            let path = MemoryPath.path(kind: kind, id: id)
            if let entry = try repository.treeEntry(atPath: path, in: tree) {
                return try readMemory(blob: entry.id, path: path)
            }
        }
        return nil
    }

    /// Parses a memory file, naming the path in any error.
    ///
    /// - Throws: `PoolError` when the file is not valid JSON, not a valid memory, its id is not
    ///   the one its content gives (a file edited by hand), or it is not at the path its kind
    ///   and id name.
    public func readMemory(blob: ObjectID, path: String) throws -> Memory {
        let bytes = try repository.readBlob(blob)
        let memory: Memory
        do {
            let json = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
            memory = try Memory(json: json, idPolicy: .mustMatch)
        } catch let error as JSONParseError {
            throw PoolError("\(path): \(error.description)")
        } catch let error as MemoryValidationError {
            throw PoolError("\(path): \(error.description)")
        }
        let expected = MemoryPath.path(kind: memory.kind, id: memory.id)
        guard expected == path else { throw PoolError("\(path): the file holds memory \(memory.id.short), whose path is \(expected)") }
        return memory
    }

    /// Every memory file at the tip (or in `tree`), optionally of some kinds only, without reading them.
    public func entries(kinds: Set<MemoryKind>? = nil, tree: ObjectID? = nil) throws -> [MemoryEntry] {
        guard let root = try tree ?? tipTree(),
            let memoriesDir = try repository.treeEntry(atPath: MemoryPath.root, in: root), memoriesDir.mode == .tree
        else { return [] }
        var out: [MemoryEntry] = []
        for kindDir in try repository.treeEntries(memoriesDir.id) where kindDir.mode == .tree {
            guard let kind = MemoryKind(rawValue: kindDir.name), kinds?.contains(kind) ?? true else { continue }
            for fanout in try repository.treeEntries(kindDir.id) where fanout.mode == .tree {
                for file in try repository.treeEntries(fanout.id) where file.mode == .blob {
                    guard file.name.hasSuffix(".json"), let id = MemoryID(String(file.name.dropLast(5))) else { continue }
                    out.append(MemoryEntry(id: id, kind: kind, blob: file.id))
                }
            }
        }
        return out
    }

    /// Reads every valid memory at the tip, optionally of some kinds only.
    ///
    /// A file that is not a valid memory (a hand edit made with plain git, a file at the wrong
    /// path) is skipped and passed to `onInvalidMemory`, never fatal: one bad file must not stop
    /// a team's `list`, `stats`, `scan` or `compact`. `mnem doctor` names and repairs it.
    public func memories(kinds: Set<MemoryKind>? = nil) throws -> [Memory] {
        let (memories, invalid) = try readMemories(entries(kinds: kinds))
        for problem in invalid { onInvalidMemory?(problem) }
        return memories
    }

    /// Reads `entries`, setting aside those that are not valid memories.
    public func readMemories(_ entries: [MemoryEntry]) throws -> (memories: [Memory], invalid: [InvalidMemory]) {
        var memories: [Memory] = []
        var invalid: [InvalidMemory] = []
        memories.reserveCapacity(entries.count)
        for entry in entries {
            do {
                memories.append(try readMemory(blob: entry.blob, path: entry.path))
            } catch let error as PoolError {
                invalid.append(InvalidMemory(path: entry.path, reason: error.message, blob: entry.blob))
            }
        }
        return (memories, invalid)
    }

    /// Resolves a full id or a unique prefix of at least 4 hex digits, as git does for short hashes.
    ///
    /// - Throws: `PoolError` when nothing or more than one memory matches.
    public func resolve(_ text: String) throws -> MemoryID {
        let prefix = text.lowercased()
        guard MemoryID.isPrefix(prefix) else {
            throw PoolError("'\(text)' is not a memory id (4 to 40 hex digits)")
        }
        guard let tree = try tipTree() else { throw PoolError("no memory matches '\(text)': the pool is empty") }
        if let full = MemoryID(prefix), try path(of: full, in: tree) != nil { return full }
        var matches: [MemoryID] = []
        let fan = String(prefix.prefix(2))
        for kind in MemoryKind.allCases {
            guard let dir = try repository.treeEntry(atPath: "\(MemoryPath.root)/\(kind.rawValue)/\(fan)", in: tree) else { continue }
            for file in try repository.treeEntries(dir.id) where file.name.hasPrefix(prefix) {
                if let id = MemoryID(String(file.name.dropLast(5))) { matches.append(id) }
            }
        }
        switch matches.count {
        case 0: throw PoolError("no memory matches '\(text)'")
        case 1: return matches[0]
        default:
            let shown = matches.sorted().prefix(5).map(\.short).joined(separator: ", ")
            throw PoolError("'\(text)' is ambiguous: it matches \(matches.count) memories (\(shown)); give more digits")
        }
    }

    /// The history of the pool, or of one memory: the commits that added, changed or removed it.
    public func history(of id: MemoryID? = nil, limit: Int = .max) throws -> [HistoryEntry] {
        guard let tip = try tip() else { return [] }
        var walk = try RevisionWalk(repository, from: [tip])
        var out: [HistoryEntry] = []
        let paths = id.map { id in MemoryKind.allCases.map { MemoryPath.path(kind: $0, id: id) } } ?? []
        while out.count < limit, let commitID = try walk.next() {
            let commit = try repository.commit(commitID)
            guard id != nil else {
                out.append(HistoryEntry(commit: commit, change: nil))
                continue
            }
            let here = try paths.compactMap { (p) throws(GitError) in try repository.treeEntry(atPath: p, in: commit.tree)?.id }.first
            var before: ObjectID?
            var anyParentHad = false
            for parentID in commit.parents {
                let parentTree = try repository.commit(parentID).tree
                if let b = try paths.compactMap({ (p) throws(GitError) in try repository.treeEntry(atPath: p, in: parentTree)?.id }).first {
                    anyParentHad = true
                    before = b
                    if b == here { break }
                }
            }
            let change: String?
            switch (before, here) {
            case (nil, .some) where !anyParentHad: change = "added"
            case (.some, nil): change = "removed"
            case (.some(let b), .some(let h)) where b != h: change = "changed"
            default: change = nil
            }
            if let change { out.append(HistoryEntry(commit: commit, change: change)) }
        }
        return out
    }
}
