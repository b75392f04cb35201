import CGit2
import Foundation

/// What a remote advertises: the branch its HEAD names, and its branches.
public struct RemoteAdvertisement: Sendable {
    /// The reference the remote's HEAD points to (`refs/heads/main`), nil when it sends none.
    public var head: String?
    /// Every reference the remote advertises, with its commit.
    public var references: [String: ObjectID]

    /// Whether a `git clone` of the remote checks out a branch: its HEAD names one that exists.
    public var headResolves: Bool { head.map { references[$0] != nil } ?? false }
}

extension Repository {
    /// Asks `url` what it holds, without fetching anything.
    ///
    /// A repository on this machine is opened directly (its HEAD is read as a symbolic
    /// reference, which the local transport does not report); a network remote is asked through
    /// libgit2 with the same credentials as a fetch.
    /// Wraps `git_remote_connect` and `git_remote_ls`.
    /// - Throws: `GitError` when the remote cannot be reached or read.
    public func advertisement(ofRemote url: String, credentials: RemoteCredentials) throws(GitError) -> RemoteAdvertisement {
        if let path = Self.localPath(ofRemote: url) {
            let remote = try Repository.open(at: path)
            var references: [String: ObjectID] = [:]
            for name in try remote.referenceNames() {
                if let id = try remote.resolveReference(name) { references[name] = id }
            }
            let head = try remote.headReferenceName()
            return RemoteAdvertisement(head: head == "HEAD" ? nil : head, references: references)
        }
        let remote = try anonymousRemote(url)
        defer { git_remote_free(remote) }
        let context = TransferContext(credentials: credentials)
        let code: Int32 = withExtendedLifetime(context) {
            var callbacks = git_remote_callbacks()
            git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
            callbacks.credentials = acquireCredential
            callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil)
        }
        if code < 0 { throw transferError(code, context, operation: "git_remote_connect", url: url) }
        defer { git_remote_disconnect(remote) }
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&heads, &count, remote), "git_remote_ls", url)
        var advertisement = RemoteAdvertisement(head: nil, references: [:])
        for index in 0..<count {
            guard let head = heads?[index]?.pointee, let name = head.name.map({ String(cString: $0) }) else { continue }
            if name == "HEAD" {
                advertisement.head = head.symref_target.map { String(cString: $0) }
            } else {
                advertisement.references[name] = ObjectID(head.oid)
            }
        }
        return advertisement
    }
}
