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
    /// (it ignores what this repository already has), so the objects are copied with a pack built
    /// in the remote repository from its tip, hiding the newest commits both sides share.
    /// - Returns: the fetched tip, or nil when the remote has no such branch.
    public func fetchBranch(url: String, branch: String, into destination: String, credentials: RemoteCredentials) throws(GitError) -> ObjectID? {
        guard let path = Self.localPath(ofRemote: url) else {
            try fetch(url: url, refspecs: ["+\(branch):\(destination)"], credentials: credentials)
            return try resolveReference(destination)
        }
        let remote = try Repository.open(at: path)
        guard let tip = try remote.resolveReference(branch) else { return nil }
        if !hasObject(tip) {
            try copyObjects(from: remote, tip: tip, sharing: try sharedCommits(with: remote))
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
}
