import CGit2

extension Repository {
    /// The object a reference points to (following symbolic references), or nil if it does not exist
    /// or names an unborn branch.
    ///
    /// Wraps `git_reference_name_to_id`.
    public func resolveReference(_ name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let code = git_reference_name_to_id(&oid, handle, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EUNBORNBRANCH.rawValue { return nil }
        try check(code, "git_reference_name_to_id", name)
        return ObjectID(oid)
    }

    /// The reference HEAD points to (e.g. `refs/heads/main`), even before the first commit.
    ///
    /// Wraps `git_reference_lookup` and `git_reference_symbolic_target`.
    public func headReferenceName() throws(GitError) -> String {
        var ref: OpaquePointer?
        try check(git_reference_lookup(&ref, handle, "HEAD"), "git_reference_lookup", "HEAD")
        defer { git_reference_free(ref) }
        if let target = git_reference_symbolic_target(ref) { return String(cString: target) }
        return "HEAD"
    }

    /// Moves `name` to `newValue` only if it still points to `expected` (nil: only if it does not exist).
    ///
    /// This is the compare-and-swap that lets concurrent writers build on the tip they read and
    /// retry when another writer moved it first. Wraps `git_reference_create_matching`
    /// (against a zero id when the reference must not exist yet).
    /// - Throws: `GitError` with `isModified` true when the reference moved; other errors otherwise.
    public func compareAndSwapReference(
        _ name: String, to newValue: ObjectID, expected: ObjectID?, logMessage: String
    ) throws(GitError) {
        var ref: OpaquePointer?
        var target = newValue.raw
        let code: Int32
        if let expected {
            var current = expected.raw
            code = git_reference_create_matching(&ref, handle, name, &target, 1, &current, logMessage)
        } else {
            // "Only if absent" is checked under the reference's lock, by the compare against a
            // zero id. `git_reference_create` without force checks before taking the lock, so two
            // writers of a new pool could both "create" the branch and the second erase the first.
            var absent = git_oid()
            code = git_reference_create_matching(&ref, handle, name, &target, 1, &absent, logMessage)
        }
        if ref != nil { git_reference_free(ref) }
        if code == GIT_EEXISTS.rawValue {
            throw GitError(code: GIT_EMODIFIED.rawValue, message: "reference was created concurrently", operation: "git_reference_create", subject: name)
        }
        try check(code, "git_reference_create_matching", name)
    }

    /// Every reference name under `prefix` (e.g. `refs/remotes/origin/`).
    ///
    /// Wraps `git_reference_list`.
    public func referenceNames(prefix: String = "refs/") throws(GitError) -> [String] {
        var array = git_strarray()
        try check(git_reference_list(&array, handle), "git_reference_list", gitDirectory)
        defer { git_strarray_dispose(&array) }
        var names: [String] = []
        for i in 0..<array.count {
            if let name = array.strings[i].map({ String(cString: $0) }), name.hasPrefix(prefix) { names.append(name) }
        }
        return names.sorted()
    }

    /// Deletes a reference; an absent one is fine.
    ///
    /// Wraps `git_reference_remove`.
    public func removeReference(_ name: String) throws(GitError) {
        let code = git_reference_remove(handle, name)
        if code == GIT_ENOTFOUND.rawValue { return }
        try check(code, "git_reference_remove", name)
    }
}
