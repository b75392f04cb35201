import CGit2

/// Bounds on what one pull may bring, checked from object headers before anything is inflated.
public struct HistoryLimits: Sendable {
    /// The most new commits one pull walks.
    public var maxCommits: Int
    /// The most changed tree entries one pull inspects, over all its commits.
    public var maxEntries: Int
    /// The largest blob (a memory, or any other file).
    public var maxBlobBytes: Int
    /// The largest tree object: a fan-out directory of a million-memory pool holds about 75 KB.
    public var maxTreeBytes: Int
    /// The largest commit object, message included.
    public var maxCommitBytes: Int
    /// The longest commit message: mnem's own stay under 20 KB.
    public var maxMessageBytes: Int
    /// The deepest directory nesting.
    public var maxDepth: Int
    /// The most bytes one received pack may hold (a quarantine's disk, like its memory, is bounded).
    public var maxPackBytes: Int = 2 << 30

    public init(
        maxCommits: Int = 200_000, maxEntries: Int = 2_000_000, maxBlobBytes: Int = 1 << 20, maxTreeBytes: Int = 8 << 20,
        maxCommitBytes: Int = 128 << 10, maxMessageBytes: Int = 64 << 10, maxDepth: Int = 32
    ) {
        self.maxCommits = maxCommits
        self.maxEntries = maxEntries
        self.maxBlobBytes = maxBlobBytes
        self.maxTreeBytes = maxTreeBytes
        self.maxCommitBytes = maxCommitBytes
        self.maxMessageBytes = maxMessageBytes
        self.maxDepth = maxDepth
    }

    /// The largest object of any kind; a delta in a pack can be of any kind until it is resolved.
    public var maxObjectBytes: Int { max(maxBlobBytes, maxTreeBytes, maxCommitBytes) }

    /// The bound for one kind of object.
    public func maxBytes(_ kind: ObjectKind) -> Int {
        switch kind {
        case .blob: maxBlobBytes
        case .tree: maxTreeBytes
        case .commit, .tag: maxCommitBytes
        case .other: 0
        }
    }
}

/// A file (blob, symbolic link or submodule entry) that a new commit adds or changes, handed to
/// the caller's policy once its size is known to be within bounds.
public struct IncomingFile: Sendable {
    public var path: String
    public var mode: FileMode
    public var id: ObjectID
    /// From the object header (0 for a submodule entry, which names no object here).
    public var size: Int
    /// The first new commit (newest first) found to bring it.
    public var commit: ObjectID

    public init(path: String, mode: FileMode, id: ObjectID, size: Int, commit: ObjectID) {
        self.path = path
        self.mode = mode
        self.id = id
        self.size = size
        self.commit = commit
    }
}

/// Something in a remote's new history that a pool refuses.
public struct HistoryProblem: Sendable, Hashable {
    /// `history`, `tree`, `path`, `mode` or `size` from the walk; the caller's policy adds its own.
    public var kind: String
    /// The tree path, or `(history)` for a commit's own problem.
    public var path: String
    public var reason: String
    /// The new commit that brings it.
    public var commit: ObjectID?

    public init(kind: String, path: String, reason: String, commit: ObjectID?) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.commit = commit
    }
}

/// What a walk of a remote's new history found.
public struct IncomingHistory: Sendable {
    /// The new commits: those the tip reaches that the pool's history does not hold.
    public var commits: [ObjectID] = []
    /// Every object the walk checked (commits, trees, blobs): exactly the objects the new history
    /// adds, so a transfer may copy these and nothing else.
    public var objects: Set<ObjectID> = []
    /// For each path a new commit removed a file from, the commits that removed it.
    public var deletions: [String: [ObjectID]] = [:]
    public var problems: [HistoryProblem] = []
    /// The most problems kept; the walk stops adding after this many.
    static let maxProblems = 1000
}

extension Repository {
    /// Walks every commit `tip` reaches that `isTrusted` does not vouch for, and every tree entry
    /// each one changes against its first parent, checking them the way `git fsck --strict` does
    /// (`RawObjectCheck`) and by size from the object header before reading anything.
    ///
    /// Each new commit's tree is compared with its first parent's: an entry equal to the parent's
    /// is the parent's (checked as a new commit, or trusted), so every entry of every new tree is
    /// covered without reading unchanged directories. Every name of a new tree object is checked.
    /// Changed files within bounds go to `inspect` (the caller's policy: where files may be, and
    /// what they must hold); its problems are recorded with the commit. `.gitattributes` files are
    /// read and their lines checked, as git does.
    ///
    /// Nothing larger than `limits` is ever inflated: commits and trees are read only after their
    /// header says they fit, blobs are never read here.
    /// - Parameters:
    ///   - tip: the fetched tip; its objects are read from this repository.
    ///   - isTrusted: whether a commit is already part of the pool's history (the walk stops there).
    ///   - inspect: returns `(kind, reason)` for a file the caller refuses.
    /// - Complexity: proportional to the new commits and the entries of the directories they change.
    public func checkIncomingHistory(
        tip: ObjectID, isTrusted: (ObjectID) -> Bool, limits: HistoryLimits,
        inspect: (IncomingFile) -> (kind: String, reason: String)?
    ) -> IncomingHistory {
        withoutActuallyEscaping(inspect) { inspect in
            var walk = HistoryWalk(source: self, limits: limits, inspect: inspect)
            walk.run(tip: tip, isTrusted: isTrusted)
            return walk.result
        }
    }
}

/// The state of one `checkIncomingHistory` walk.
private struct HistoryWalk {
    let source: Repository
    let limits: HistoryLimits
    let inspect: (IncomingFile) -> (kind: String, reason: String)?
    var result = IncomingHistory()
    /// Trees already compared, with the path they were compared at (a path's rules depend on it).
    var comparedTrees: Set<PathTree> = []
    var entries = 0
    var stopped = false

    struct PathTree: Hashable {
        var tree: ObjectID
        var path: String
    }

    init(source: Repository, limits: HistoryLimits, inspect: @escaping (IncomingFile) -> (kind: String, reason: String)?) {
        self.source = source
        self.limits = limits
        self.inspect = inspect
    }

    mutating func problem(_ kind: String, _ path: String, _ reason: String, _ commit: ObjectID?) {
        guard result.problems.count < IncomingHistory.maxProblems else {
            stopped = true
            return
        }
        let new = HistoryProblem(kind: kind, path: path, reason: reason, commit: commit)
        // The same entry carried by several commits is reported once, with the newest.
        if !result.problems.contains(where: { $0.path == path && $0.reason == reason }) { result.problems.append(new) }
    }

    mutating func run(tip: ObjectID, isTrusted: (ObjectID) -> Bool) {
        // Commits first, newest first, each read only once its header says it fits.
        var stack = [tip]
        var seen: Set<ObjectID> = [tip]
        var parsed: [(id: ObjectID, commit: RawCommit)] = []
        while let id = stack.popLast() {
            if isTrusted(id) { continue }
            result.commits.append(id)
            guard result.commits.count <= limits.maxCommits else {
                problem("history", "(history)", "more than \(limits.maxCommits) new commits", nil)
                return
            }
            let bytes: [UInt8]
            do {
                bytes = try source.readObject(id, kind: .commit, maxBytes: limits.maxCommitBytes)
            } catch {
                problem(error.isOversize ? "size" : "history", "(history)", "commit \(id.hex.prefix(12)): \(error.message)", id)
                return
            }
            result.objects.insert(id)
            let commit: RawCommit
            switch bytes.withUnsafeBytes({ RawObjectCheck.parseCommit($0) }) {
            case .success(let c): commit = c
            case .failure(let failure):
                problem("history", "(history)", "commit \(id.hex.prefix(12)): \(failure.reason)", id)
                return
            }
            if bytes.count - commit.messageStart > limits.maxMessageBytes {
                problem("size", "(history)", "commit \(id.hex.prefix(12)): a message of \(bytes.count - commit.messageStart) bytes, more than the limit of \(limits.maxMessageBytes)", id)
            }
            parsed.append((id, commit))
            for parent in commit.parents where seen.insert(parent).inserted { stack.append(parent) }
        }
        // Then each new commit's tree against its first parent's.
        var treeOf: [ObjectID: ObjectID] = [:]
        for (id, commit) in parsed { treeOf[id] = commit.tree }
        for (id, commit) in parsed {
            if stopped { return }
            var parentTree: ObjectID?
            if let first = commit.parents.first {
                if let known = treeOf[first] {
                    parentTree = known
                } else if let trusted = try? source.commit(first).tree {
                    parentTree = trusted
                } else {
                    problem("history", "(history)", "commit \(id.hex.prefix(12)): its parent \(first.hex.prefix(12)) is missing", id)
                    continue
                }
            }
            compare(old: parentTree, new: commit.tree, prefix: "", depth: 0, commit: id)
        }
    }

    /// Reads and parses a tree, or records why it cannot be.
    mutating func readTree(_ id: ObjectID, path: String, commit: ObjectID) -> ([UInt8], [RawTreeEntry])? {
        let bytes: [UInt8]
        do {
            bytes = try source.readObject(id, kind: .tree, maxBytes: limits.maxTreeBytes)
        } catch {
            problem(error.isOversize ? "size" : "tree", path.isEmpty ? "(tree)" : path, "tree \(id.hex.prefix(12)): \(error.message)", commit)
            return nil
        }
        switch bytes.withUnsafeBytes({ RawObjectCheck.parseTree($0) }) {
        case .success(let parsed):
            for failure in parsed.problems {
                let at = failure.name.map { path.isEmpty ? $0 : path + "/" + $0 } ?? (path.isEmpty ? "(tree)" : path)
                problem(failure.isMode ? "mode" : "path", at, failure.reason, commit)
            }
            return (bytes, parsed.entries)
        case .failure(let failure):
            problem("tree", path.isEmpty ? "(tree)" : path, "tree \(id.hex.prefix(12)): \(failure.reason)", commit)
            return nil
        }
    }

    mutating func compare(old: ObjectID?, new: ObjectID, prefix: String, depth: Int, commit: ObjectID) {
        if stopped || old == new { return }
        guard comparedTrees.insert(PathTree(tree: new, path: prefix)).inserted else { return }
        guard depth <= limits.maxDepth else {
            problem("tree", prefix, "directories nested deeper than \(limits.maxDepth) levels", commit)
            return
        }
        result.objects.insert(new)
        guard let (newBytes, newEntries) = readTree(new, path: prefix, commit: commit) else { return }
        // The old side is trusted or already checked; one that does not parse is treated as empty.
        var oldBytes: [UInt8] = []
        var oldEntries: [RawTreeEntry] = []
        if let old, let bytes = try? source.readObject(old, kind: .tree, maxBytes: limits.maxTreeBytes),
            case .success(let parsed) = bytes.withUnsafeBytes({ RawObjectCheck.parseTree($0) })
        {
            oldBytes = bytes
            oldEntries = parsed.entries
        }
        func name(_ entry: RawTreeEntry, _ bytes: [UInt8]) -> String {
            String(decoding: bytes[entry.nameStart..<entry.nameEnd], as: UTF8.self)
        }
        func path(_ entry: RawTreeEntry, _ bytes: [UInt8]) -> String {
            prefix.isEmpty ? name(entry, bytes) : prefix + "/" + name(entry, bytes)
        }
        var i = 0
        var j = 0
        while i < oldEntries.count || j < newEntries.count {
            if stopped { return }
            let order: Int
            if i == oldEntries.count {
                order = 1
            } else if j == newEntries.count {
                order = -1
            } else {
                order = oldBytes.withUnsafeBytes { old in
                    newBytes.withUnsafeBytes { new in RawObjectCheck.compareEntries(oldEntries[i], in: old, newEntries[j], in: new) }
                }
            }
            if order < 0 {
                removed(oldEntries[i], path: path(oldEntries[i], oldBytes), commit: commit)
                i += 1
                continue
            }
            let entry = newEntries[j]
            j += 1
            var previous: RawTreeEntry?
            if order == 0 {
                previous = oldEntries[i]
                i += 1
                if let previous, previous.mode == entry.mode, previous.id == entry.id { continue }
            }
            let entryPath = path(entry, newBytes)
            entries += 1
            guard entries <= limits.maxEntries else {
                problem("tree", "(tree)", "more than \(limits.maxEntries) changed entries", commit)
                stopped = true
                return
            }
            if let previous, previous.isTree != entry.isTree { removed(previous, path: entryPath, commit: commit) }
            if entry.isTree {
                compare(old: previous?.isTree == true ? previous?.id : nil, new: entry.id, prefix: entryPath, depth: depth + 1, commit: commit)
            } else {
                file(entry, path: entryPath, bytes: newBytes, commit: commit)
            }
        }
    }

    /// One added or changed non-directory entry.
    mutating func file(_ entry: RawTreeEntry, path: String, bytes: [UInt8], commit: ObjectID) {
        var size = 0
        if entry.fileMode != .submodule {
            let header: (kind: ObjectKind, size: Int)
            do { header = try source.objectHeader(entry.id) } catch {
                problem("size", path, "missing object \(entry.id.hex.prefix(12))", commit)
                return
            }
            guard header.kind == .blob else {
                problem("mode", path, "a \(header.kind.rawValue) where a file belongs", commit)
                return
            }
            guard header.size <= limits.maxBlobBytes else {
                problem("size", path, "\(header.size) bytes, more than the limit of \(limits.maxBlobBytes)", commit)
                return
            }
            size = header.size
            result.objects.insert(entry.id)
            let isAttributes = bytes.withUnsafeBytes { raw in
                TreeEntryNames.isDotGitAttributes(UnsafeRawBufferPointer(rebasing: raw[entry.nameStart..<entry.nameEnd]))
            }
            if isAttributes, let reason = attributesProblem(entry.id) {
                problem("path", path, reason, commit)
                return
            }
        }
        if let (kind, reason) = inspect(IncomingFile(path: path, mode: entry.fileMode, id: entry.id, size: size, commit: commit)) {
            problem(kind, path, reason, commit)
        }
    }

    /// git's `.gitattributes` checks (`fsck_blob`): no line of 2,048 bytes or more.
    func attributesProblem(_ id: ObjectID) -> String? {
        guard let bytes = try? source.readObject(id, kind: .blob, maxBytes: limits.maxBlobBytes) else { return "unreadable .gitattributes" }
        var lineStart = 0
        for (k, byte) in bytes.enumerated() where byte == 0x0A {
            if k - lineStart >= 2048 { return ".gitattributes with a line of 2,048 bytes or more" }
            lineStart = k + 1
        }
        if bytes.count - lineStart >= 2048 { return ".gitattributes with a line of 2,048 bytes or more" }
        return nil
    }

    /// An entry of the parent's tree that the commit removed: every file below it is recorded.
    mutating func removed(_ entry: RawTreeEntry, path: String, commit: ObjectID) {
        if !entry.isTree {
            result.deletions[path, default: []].append(commit)
            return
        }
        // The parent's tree is trusted or was checked (a refused one is never listed: the pull
        // is refused anyway, and its depth is not bounded).
        guard result.problems.isEmpty else { return }
        try? source.walkBlobs(entry.id, prefix: path) { file, _ in result.deletions[file, default: []].append(commit) }
    }
}

