import CGit2
import Foundation

extension Repository {
    /// The directory a remote URL names on this machine (a path or `file://`), or nil for a network URL.
    public static func localPath(ofRemote url: String) -> String? {
        if url.hasPrefix("file://") { return URL(string: url)?.path }
        if url.contains("://") { return nil }
        // scp-like `host:path` is ssh; a path has no ':' before its first '/'.
        if let colon = url.firstIndex(of: ":"), url.firstIndex(of: "/").map({ colon < $0 }) ?? true { return nil }
        return url
    }

    /// Fetches one branch of `url` into the reference `destination`, writing nothing else.
    ///
    /// Network URLs go through libgit2's transports (`fetch(url:refspecs:credentials:)`). For a
    /// repository on this machine, libgit2's local transport would pack the remote's whole history
    /// (it ignores what this repository already has). Instead, when both share commits, the
    /// missing objects are copied one by one (no delta search: the cost is the change); when they
    /// share nothing, a pack is built in the remote repository and written here.
    /// - Parameter maxCommits: for a local remote, more new commits than this are refused before
    ///   any is copied (a network fetch cannot know the count before downloading).
    /// - Returns: the fetched tip, or nil when the remote has no such branch.
    public func fetchBranch(
        url: String, branch: String, into destination: String, credentials: RemoteCredentials, maxCommits: Int = .max
    ) throws(GitError) -> ObjectID? {
        guard let path = Self.localPath(ofRemote: url) else {
            try fetch(url: url, refspecs: ["+\(branch):\(destination)"], credentials: credentials)
            return try resolveReference(destination)
        }
        let remote = try Repository.open(at: path)
        guard let tip = try remote.resolveReference(branch) else { return nil }
        if !hasObject(tip) {
            let shared = try sharedCommits(with: remote)
            if shared.isEmpty {
                try copyObjects(from: remote, tip: tip, sharing: shared)
            } else {
                try copyMissingObjects(from: remote, tip: tip, sharing: shared, maxCommits: maxCommits)
            }
        }
        try setReference(destination, to: tip, logMessage: "mnem: fetch \(url)")
        return tip
    }

    /// The newest commits of this repository's references that `remote` also has: one per
    /// reference, found along first parents within a bounded walk.
    private func sharedCommits(with remote: Repository, walkLimit: Int = 10_000) throws(GitError) -> [ObjectID] {
        var shared: Set<ObjectID> = []
        for name in try referenceNames(prefix: "refs/heads/") + referenceNames(prefix: "refs/remotes/") {
            guard var commit = try resolveReference(name) else { continue }
            for _ in 0..<walkLimit {
                if remote.hasObject(commit) {
                    shared.insert(commit)
                    break
                }
                guard let parent = try self.commit(commit).parents.first else { break }
                commit = parent
            }
        }
        return Array(shared)
    }

    /// Packs what `tip` reaches in `remote` but `shared` does not, and writes the pack into this repository.
    ///
    /// Wraps `git_revwalk_*`, `git_packbuilder_new`, `git_packbuilder_insert_walk`, `git_packbuilder_write`
    /// and `git_odb_refresh`.
    private func copyObjects(from remote: Repository, tip: ObjectID, sharing shared: [ObjectID]) throws(GitError) {
        var walk: OpaquePointer?
        try check(git_revwalk_new(&walk, remote.handle), "git_revwalk_new", remote.gitDirectory)
        defer { git_revwalk_free(walk) }
        var tipOID = tip.raw
        try check(git_revwalk_push(walk, &tipOID), "git_revwalk_push", tip.hex)
        for commit in shared {
            var oid = commit.raw
            try check(git_revwalk_hide(walk, &oid), "git_revwalk_hide", commit.hex)
        }
        var builder: OpaquePointer?
        try check(git_packbuilder_new(&builder, remote.handle), "git_packbuilder_new", remote.gitDirectory)
        defer { git_packbuilder_free(builder) }
        _ = git_packbuilder_set_threads(builder, 0)
        try check(git_packbuilder_insert_walk(builder, walk), "git_packbuilder_insert_walk", remote.gitDirectory)
        try check(git_packbuilder_write(builder, gitDirectory + "objects/pack", 0, nil, nil), "git_packbuilder_write", gitDirectory)
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        try check(git_odb_refresh(odb), "git_odb_refresh", gitDirectory)
    }

    /// Copies the objects `tip` reaches in `remote` that this repository lacks, bottom-up (blobs,
    /// then their tree, then the commit), so a tree present here always has its whole content.
    ///
    /// Wraps `git_odb_exists`, `git_odb_read` and `git_odb_write`; each written id is checked.
    /// - Complexity: proportional to the new commits and the directories they changed.
    private func copyMissingObjects(from remote: Repository, tip: ObjectID, sharing shared: [ObjectID], maxCommits: Int) throws(GitError) {
        var localODB: OpaquePointer?
        try check(git_repository_odb(&localODB, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(localODB) }
        var remoteODB: OpaquePointer?
        try check(git_repository_odb(&remoteODB, remote.handle), "git_repository_odb", remote.gitDirectory)
        defer { git_odb_free(remoteODB) }
        func exists(_ id: ObjectID) -> Bool {
            var oid = id.raw
            return git_odb_exists(localODB, &oid) == 1
        }
        func copy(_ id: ObjectID) throws(GitError) {
            var oid = id.raw
            var object: OpaquePointer?
            try check(git_odb_read(&object, remoteODB, &oid), "git_odb_read", id.hex)
            defer { git_odb_object_free(object) }
            var written = git_oid()
            try check(
                git_odb_write(&written, localODB, git_odb_object_data(object), git_odb_object_size(object), git_odb_object_type(object)),
                "git_odb_write", id.hex)
            guard ObjectID(written) == id else {
                throw GitError(code: -1, message: "object \(id.hex) reads back as \(ObjectID(written).hex)", operation: "git_odb_write", subject: remote.gitDirectory)
            }
        }
        func copyTree(_ id: ObjectID, depth: Int) throws(GitError) {
            if exists(id) { return }
            guard depth <= 64 else { throw GitError(code: -1, message: "tree deeper than 64 levels", operation: "copyTree", subject: id.hex) }
            for entry in try remote.treeEntries(id) {
                switch entry.mode {
                case .tree: try copyTree(entry.id, depth: depth + 1)
                // A gitlink names a commit of another repository: not an object of this one.
                case .submodule: continue
                default: if !exists(entry.id) { try copy(entry.id) }
                }
            }
            try copy(id)
        }
        var walk = try RevisionWalk(remote, from: [tip], hiding: shared)
        var commits: [ObjectID] = []
        while let commit = try walk.next() {
            commits.append(commit)
            if commits.count > maxCommits {
                throw GitError(code: -1, message: "more than \(maxCommits) new commits", operation: "fetch", subject: remote.gitDirectory)
            }
        }
        // Oldest first: parents before children.
        for commit in commits.reversed() where !exists(commit) {
            try copyTree(try remote.commit(commit).tree, depth: 0)
            try copy(commit)
        }
    }
}
