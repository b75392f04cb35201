import CGit2

/// A reference a remote advertises, copied out of libgit2.
public struct RemoteHead: Sendable, Hashable {
    public var name: String
    public var id: ObjectID
    /// For `HEAD`, the branch it names, when the server says (git sends it for a HEAD that resolves).
    public var symbolicTarget: String?

    public init(name: String, id: ObjectID, symbolicTarget: String?) {
        self.name = name
        self.id = id
        self.symbolicTarget = symbolicTarget
    }
}

/// One open connection to a remote, for one direction: list what it advertises, then download
/// into this repository's object database or upload to it, over the same connection.
///
/// A scoped handle: disconnected and freed when it goes out of scope. The credential state lives
/// as long as the connection, since libgit2 calls back into it at any step.
public struct RemoteConnection: ~Copyable {
    public enum Direction { case fetch, push }

    private let remote: OpaquePointer
    private let context: TransferContext
    public let url: String

    /// Connects to `url` (anonymous: no configured remote, so libgit2 moves no reference by itself).
    ///
    /// Wraps `git_remote_create_anonymous` and `git_remote_connect`.
    public init(_ repository: Repository, url: String, direction: Direction, credentials: RemoteCredentials) throws(GitError) {
        let remote = try repository.anonymousRemote(url)
        let context = TransferContext(credentials: credentials)
        let code: Int32 = withExtendedLifetime(context) {
            var callbacks = git_remote_callbacks()
            git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
            callbacks.credentials = acquireCredential
            callbacks.push_update_reference = pushUpdateReference
            callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return git_remote_connect(remote, direction == .fetch ? GIT_DIRECTION_FETCH : GIT_DIRECTION_PUSH, &callbacks, nil, nil)
        }
        if code < 0 {
            let error = repository.transferError(code, context, operation: "git_remote_connect", url: url)
            git_remote_free(remote)
            throw error
        }
        self.remote = remote
        self.context = context
        self.url = url
    }

    deinit {
        git_remote_disconnect(remote)
        git_remote_free(remote)
    }

    /// What the remote advertises.
    ///
    /// Wraps `git_remote_ls`.
    public func heads() throws(GitError) -> [RemoteHead] {
        var list: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check(git_remote_ls(&list, &count, remote), "git_remote_ls", url)
        var heads: [RemoteHead] = []
        for i in 0..<count {
            guard let head = list?[i]?.pointee, let name = head.name.map({ String(cString: $0) }) else { continue }
            heads.append(RemoteHead(name: name, id: ObjectID(head.oid), symbolicTarget: head.symref_target.map { String(cString: $0) }))
        }
        return heads
    }

    /// Downloads what `reference` needs that this repository lacks, into the object database of
    /// the repository the connection was made from; writes no reference.
    ///
    /// Wraps `git_remote_download`.
    public func download(_ reference: String) throws(GitError) {
        let code: Int32 = withExtendedLifetime(context) {
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            options.update_fetchhead = 0
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            options.callbacks.credentials = acquireCredential
            options.callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return withStringArray([reference]) { specs in git_remote_download(remote, specs, &options) }
        }
        if code < 0 { throw transferError(code, operation: "git_remote_download") }
    }

    /// Uploads `refspecs` (never forced).
    ///
    /// A refusal because the remote moved on is thrown as a `GitError` with `isPushRejected`.
    /// Wraps `git_remote_upload` with a `push_update_reference` callback.
    public func upload(_ refspecs: [String]) throws(GitError) {
        let code: Int32 = withExtendedLifetime(context) {
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            options.callbacks.credentials = acquireCredential
            options.callbacks.push_update_reference = pushUpdateReference
            options.callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return withStringArray(refspecs) { specs in git_remote_upload(remote, specs, &options) }
        }
        if code < 0 { throw transferError(code, operation: "git_remote_upload") }
        if let first = context.rejected.first {
            let all = context.rejected.map { "\($0.reference): \($0.status)" }.joined(separator: "; ")
            throw GitError(code: GIT_ENONFASTFORWARD.rawValue, message: "the remote refused \(all)", operation: "git_remote_upload", subject: "\(url) \(first.reference)")
        }
    }

    private func transferError(_ code: Int32, operation: String) -> GitError {
        var error = GitError.last(code, operation: operation, subject: url)
        if let failure = context.credentialFailure {
            error.code = GIT_EAUTH.rawValue
            error.message = failure
        }
        return error
    }
}
