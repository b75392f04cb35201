import CGit2
import Dispatch
import Foundation

extension Repository {
    /// The files that differ between two trees (nil stands for the empty tree), skipping every
    /// subtree whose id is the same on both sides.
    ///
    /// `git_diff_tree_to_tree` walks both trees whole (a pool of 100,000 memories costs about
    /// 0.4 s per diff even for one changed file); this walks only the directories that differ.
    /// A type change (file ↔ directory) appears as a deletion and an addition.
    /// - Parameters:
    ///   - maxDepth: deeper trees are an error (a hostile tree must not exhaust the stack).
    ///   - maxDeltas: more changes than this are an error, found before they are all listed.
    /// - Complexity: proportional to the entries of the directories that differ.
    ///   - workers: threads for the directories below the second level, each with its own
    ///     repository handle (libgit2 handles are not shared across threads). Most of a diff's
    ///     time is zlib inflating the differing trees, which parallelizes.
    public func changedFiles(
        _ old: ObjectID?, _ new: ObjectID?, maxDepth: Int = 32, maxDeltas: Int = .max, workers: Int = 1
    ) throws(GitError) -> [TreeDelta] {
        let out = DiffOutput(deferBelow: workers > 1 ? 2 : nil, maxDeltas: maxDeltas)
        try compare(old, new, prefix: "", depth: 0, maxDepth: maxDepth, into: out)
        let jobs = out.pending
        guard !jobs.isEmpty else { return out.deltas }

        // The deferred directories, spread over the workers; each result lands in its job's slot,
        // so the deltas come out in the order a serial diff lists them.
        let results = DiffResults(jobs.count)
        let directory = gitDirectory
        let threads = min(workers, jobs.count)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let repository: Repository
            do throws(GitError) {
                repository = try Repository.open(at: directory)
            } catch {
                results.fail(error)
                return
            }
            var job = worker
            while job < jobs.count, !results.failed {
                let piece = DiffOutput(deferBelow: nil, maxDeltas: maxDeltas)
                do throws(GitError) {
                    try repository.compare(jobs[job].old, jobs[job].new, prefix: jobs[job].prefix, depth: jobs[job].depth, maxDepth: maxDepth, into: piece)
                    results.store(piece.deltas, at: job)
                } catch {
                    results.fail(error)
                }
                job += threads
            }
        }
        if let error = results.error { throw error }
        var all: [TreeDelta] = []
        for (i, run) in out.runs.enumerated() {
            all.append(contentsOf: run)
            if i < jobs.count { all.append(contentsOf: results.deltas(at: i)) }
            if all.count > maxDeltas {
                throw GitError(code: -1, message: "more than \(maxDeltas) changed entries", operation: "changedFiles", subject: "")
            }
        }
        return all
    }

    /// One level of the diff: a merge join of the two trees' entries, which git keeps sorted.
    ///
    /// Entries are compared in place (name bytes, raw ids) through libgit2's parsed trees; a
    /// `String` is made only for an entry that differs. Every directory of a 100,000-memory pool
    /// holds about 400 files, and adding 1,000 memories touches all 256 of them, so this loop
    /// runs over both sides' 100,000 entries for a change of 1,000.
    fileprivate func compare(
        _ old: ObjectID?, _ new: ObjectID?, prefix: String, depth: Int, maxDepth: Int, into out: DiffOutput
    ) throws(GitError) {
        guard depth <= maxDepth else {
            throw GitError(code: -1, message: "tree deeper than \(maxDepth) levels", operation: "changedFiles", subject: prefix)
        }
        let oldTree: OpaquePointer? = try old.flatMap { (id) throws(GitError) in try lookupTree(id) }
        defer { git_tree_free(oldTree) }
        let newTree: OpaquePointer? = try new.flatMap { (id) throws(GitError) in try lookupTree(id) }
        defer { git_tree_free(newTree) }
        let oldCount = oldTree.map { git_tree_entrycount($0) } ?? 0
        let newCount = newTree.map { git_tree_entrycount($0) } ?? 0

        func path(_ entry: OpaquePointer) -> String {
            let name = git_tree_entry_name(entry).map { String(cString: $0) } ?? ""
            return prefix.isEmpty ? name : prefix + "/" + name
        }
        func emit(_ delta: TreeDelta) throws(GitError) {
            try out.emit(delta, prefix: prefix)
        }
        func descend(_ old: ObjectID?, _ new: ObjectID?, _ path: String) throws(GitError) {
            if let level = out.deferBelow, depth >= level {
                out.postpone(old, new, prefix: path, depth: depth + 1)
            } else {
                try compare(old, new, prefix: path, depth: depth + 1, maxDepth: maxDepth, into: out)
            }
        }
        func side(_ entry: OpaquePointer, added: Bool) throws(GitError) {
            guard let raw = git_tree_entry_id(entry) else { return }
            let id = ObjectID(raw)
            let mode = FileMode(git_tree_entry_filemode(entry))
            if mode == .tree {
                try descend(added ? nil : id, added ? id : nil, path(entry))
                return
            }
            let zero = ObjectID(git_oid())
            try emit(TreeDelta(
                path: path(entry), status: added ? .added : .deleted, oldID: added ? zero : id, newID: added ? id : zero,
                oldMode: added ? .unknown : mode, newMode: added ? mode : .unknown))
        }

        var i = 0
        var j = 0
        while i < oldCount || j < newCount {
            let before = i < oldCount ? git_tree_entry_byindex(oldTree, i) : nil
            let after = j < newCount ? git_tree_entry_byindex(newTree, j) : nil
            guard let before else {
                if let after { try side(after, added: true) }
                j += 1
                continue
            }
            guard let after else {
                try side(before, added: false)
                i += 1
                continue
            }
            let order = Self.treeOrder(before, after)
            if order < 0 {
                try side(before, added: false)
                i += 1
            } else if order > 0 {
                try side(after, added: true)
                j += 1
            } else {
                i += 1
                j += 1
                let beforeMode = FileMode(git_tree_entry_filemode(before))
                let afterMode = FileMode(git_tree_entry_filemode(after))
                guard let beforeID = git_tree_entry_id(before), let afterID = git_tree_entry_id(after) else { continue }
                if beforeMode == afterMode && git_oid_equal(beforeID, afterID) != 0 { continue }
                switch (beforeMode == .tree, afterMode == .tree) {
                case (true, true):
                    try descend(ObjectID(beforeID), ObjectID(afterID), path(after))
                case (false, false):
                    try emit(TreeDelta(
                        path: path(after), status: .modified, oldID: ObjectID(beforeID), newID: ObjectID(afterID), oldMode: beforeMode,
                        newMode: afterMode))
                default:
                    try side(before, added: false)
                    try side(after, added: true)
                }
            }
        }
    }

    /// Looks up a tree; the caller frees it.
    private func lookupTree(_ id: ObjectID) throws(GitError) -> OpaquePointer? {
        var oid = id.raw
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid), "git_tree_lookup", id.hex)
        return tree
    }

    /// Git's order of tree entries: by name bytes, a directory's name read as if it ended in "/".
    ///
    /// This is the order git writes a tree's entries in, so the join walks both sides in step.
    /// A file and a directory of the same name never compare equal, so a type change is reported
    /// as a deletion and an addition. For a malformed (unsorted) tree from a remote, the join
    /// still visits every entry once: each new entry is either reported or equal, by name, mode
    /// and id, to an old one, so nothing new escapes the caller's checks.
    static func treeOrder(_ a: OpaquePointer, _ b: OpaquePointer) -> Int {
        guard let x = git_tree_entry_name(a), let y = git_tree_entry_name(b) else { return 0 }
        let xTree = git_tree_entry_type(a) == GIT_OBJECT_TREE
        let yTree = git_tree_entry_type(b) == GIT_OBJECT_TREE
        var k = 0
        while true {
            let cx = UInt8(bitPattern: x[k])
            let cy = UInt8(bitPattern: y[k])
            if cx == 0 || cy == 0 || cx != cy {
                let ex: UInt8 = cx != 0 ? cx : (xTree ? 0x2F : 0)
                let ey: UInt8 = cy != 0 ? cy : (yTree ? 0x2F : 0)
                return ex == ey ? (cx == 0 && cy == 0 ? 0 : (cx == 0 ? -1 : 1)) : (ex < ey ? -1 : 1)
            }
            k += 1
        }
    }
}

/// What one diff has found: runs of deltas, separated by the directories postponed for workers.
///
/// `runs` has one more element than `pending` (a run, then a postponed directory, then a run…).
private final class DiffOutput {
    struct Job: Sendable {
        var old: ObjectID?
        var new: ObjectID?
        var prefix: String
        var depth: Int
    }

    /// Directories deeper than this are postponed, not compared (nil: compare everything now).
    let deferBelow: Int?
    let maxDeltas: Int
    private(set) var runs: [[TreeDelta]] = [[]]
    private(set) var pending: [Job] = []
    private var count = 0

    init(deferBelow: Int?, maxDeltas: Int) {
        self.deferBelow = deferBelow
        self.maxDeltas = maxDeltas
    }

    /// All deltas of a diff that postponed nothing.
    var deltas: [TreeDelta] { runs.count == 1 ? runs[0] : runs.flatMap { $0 } }

    func emit(_ delta: TreeDelta, prefix: String) throws(GitError) {
        runs[runs.count - 1].append(delta)
        count += 1
        if count > maxDeltas {
            throw GitError(code: -1, message: "more than \(maxDeltas) changed entries", operation: "changedFiles", subject: prefix)
        }
    }

    func postpone(_ old: ObjectID?, _ new: ObjectID?, prefix: String, depth: Int) {
        pending.append(Job(old: old, new: new, prefix: prefix, depth: depth))
        runs.append([])
    }
}

/// The deltas of each postponed directory, written by the worker threads.
///
/// `@unchecked Sendable`: every field is touched under `lock`.
private final class DiffResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [[TreeDelta]]
    private var firstError: GitError?

    init(_ count: Int) { slots = Array(repeating: [], count: count) }

    func store(_ deltas: [TreeDelta], at index: Int) { lock.withLock { slots[index] = deltas } }
    func fail(_ error: GitError) { lock.withLock { if firstError == nil { firstError = error } } }
    var failed: Bool { lock.withLock { firstError != nil } }
    var error: GitError? { lock.withLock { firstError } }
    func deltas(at index: Int) -> [TreeDelta] { lock.withLock { slots[index] } }
}
