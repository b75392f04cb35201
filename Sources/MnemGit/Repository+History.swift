import CGit2

/// A walk over commits, newest first. A scoped handle: freed when the walk goes out of scope.
public struct RevisionWalk: ~Copyable {
    private let walker: OpaquePointer

    /// Starts at `tips`, hiding `hidden` and their ancestors.
    ///
    /// Wraps `git_revwalk_new`, `git_revwalk_push`, `git_revwalk_hide`, `git_revwalk_sorting`.
    public init(_ repository: Repository, from tips: [ObjectID], hiding hidden: [ObjectID] = []) throws(GitError) {
        var created: OpaquePointer?
        try check(git_revwalk_new(&created, repository.handle), "git_revwalk_new", repository.gitDirectory)
        guard let created else { throw GitError(code: -1, message: "no revwalk", operation: "git_revwalk_new") }
        do {
            try Self.configure(created, tips: tips, hidden: hidden)
        } catch {
            git_revwalk_free(created)
            throw error
        }
        walker = created
    }

    private static func configure(_ walker: OpaquePointer, tips: [ObjectID], hidden: [ObjectID]) throws(GitError) {
        try check(git_revwalk_sorting(walker, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue), "git_revwalk_sorting")
        for tip in tips {
            var oid = tip.raw
            try check(git_revwalk_push(walker, &oid), "git_revwalk_push", tip.hex)
        }
        for hide in hidden {
            var oid = hide.raw
            try check(git_revwalk_hide(walker, &oid), "git_revwalk_hide", hide.hex)
        }
    }

    deinit { git_revwalk_free(walker) }

    /// The next commit id, or nil at the end.
    ///
    /// Wraps `git_revwalk_next`.
    public mutating func next() throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = git_revwalk_next(&oid, walker)
        if code == GIT_ITEROVER.rawValue { return nil }
        try check(code, "git_revwalk_next")
        return ObjectID(oid)
    }
}

/// What happened to one path between two trees.
public struct TreeDelta: Sendable, Hashable {
    public enum Status: Sendable, Hashable { case added, deleted, modified, typeChanged, other }
    public var path: String
    public var status: Status
    /// Zero for an added file.
    public var oldID: ObjectID
    /// Zero for a deleted file.
    public var newID: ObjectID
    public var oldMode: FileMode
    public var newMode: FileMode
}

extension Repository {
    /// The ids of the commits reachable from `tip`, newest first.
    public func history(from tip: ObjectID, limit: Int = .max) throws(GitError) -> [ObjectID] {
        var walk = try RevisionWalk(self, from: [tip])
        var ids: [ObjectID] = []
        while ids.count < limit, let id = try walk.next() { ids.append(id) }
        return ids
    }

    /// Whether `ancestor` is `commit` or one of its ancestors.
    ///
    /// Wraps `git_graph_descendant_of`.
    public func isAncestor(_ ancestor: ObjectID, of commit: ObjectID) throws(GitError) -> Bool {
        if ancestor == commit { return true }
        var a = commit.raw
        var b = ancestor.raw
        let code = git_graph_descendant_of(handle, &a, &b)
        try check(code, "git_graph_descendant_of", commit.hex)
        return code == 1
    }

    /// The best common ancestor of two commits, or nil if they share no history.
    ///
    /// Wraps `git_merge_base`.
    public func mergeBase(_ a: ObjectID, _ b: ObjectID) throws(GitError) -> ObjectID? {
        var out = git_oid()
        var one = a.raw
        var two = b.raw
        let code = git_merge_base(&out, handle, &one, &two)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_merge_base", "\(a.hex) \(b.hex)")
        return ObjectID(out)
    }

    /// The files that differ between two trees (nil stands for the empty tree). No rename detection.
    ///
    /// Subtrees with the same id on both sides are skipped (see `changedFiles`), so the cost is
    /// proportional to what changed, not to the size of the pool.
    public func diffTrees(_ old: ObjectID?, _ new: ObjectID?) throws(GitError) -> [TreeDelta] {
        try changedFiles(old, new)
    }

    /// Brings the work tree and index from `baseline` to `target`, touching only what differs.
    ///
    /// Used after the branch was moved by compare-and-swap, so HEAD already names `target`;
    /// the explicit baseline is what lets libgit2 know which files to create and remove.
    /// Files the user changed by hand are left alone (safe checkout). Wraps `git_checkout_tree`.
    public func checkout(tree target: ObjectID, baseline: ObjectID?) throws(GitError) {
        guard workTree != nil else { return }
        var targetOID = target.raw
        var targetObject: OpaquePointer?
        try check(git_object_lookup(&targetObject, handle, &targetOID, GIT_OBJECT_TREE), "git_object_lookup", target.hex)
        defer { git_object_free(targetObject) }
        var baselineTree: OpaquePointer?
        if let baseline {
            var oid = baseline.raw
            try check(git_tree_lookup(&baselineTree, handle, &oid), "git_tree_lookup", baseline.hex)
        }
        defer { if baselineTree != nil { git_tree_free(baselineTree) } }
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "git_checkout_options_init")
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue | GIT_CHECKOUT_RECREATE_MISSING.rawValue
        options.baseline = baselineTree
        try check(git_checkout_tree(handle, targetObject, &options), "git_checkout_tree", workTree)
    }
}

extension Repository {
    /// The tree the index describes (nil for a bare repository or an empty index).
    ///
    /// Wraps `git_repository_index`, `git_index_read` and `git_index_write_tree`.
    public func indexTree() throws(GitError) -> ObjectID? {
        guard workTree != nil else { return nil }
        var index: OpaquePointer?
        try check(git_repository_index(&index, handle), "git_repository_index", gitDirectory)
        defer { git_index_free(index) }
        try check(git_index_read(index, 0), "git_index_read", gitDirectory)
        if git_index_entrycount(index) == 0 { return nil }
        var oid = git_oid()
        try check(git_index_write_tree(&oid, index), "git_index_write_tree", gitDirectory)
        return ObjectID(oid)
    }
}
