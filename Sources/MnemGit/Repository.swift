import CGit2
import CMnemTLS
import Foundation

/// libgit2 is set up once per process, before the first repository is opened.
private let libgit2Setup: Int32 = {
    let count = git_libgit2_init()
    // mnem writes every blob before the trees that name it, so libgit2 need not look each one
    // up again on insert; `git fsck` in the tests checks that the trees stay whole.
    _ = mnem_git_set_strict_object_creation(0)
    // Like git, do not re-hash every object on each read: ids are computed when objects are
    // written, and fetched packs are indexed (hashed) on arrival. Re-hashing was 18% of the
    // instructions of pulling 1,000 memories into a pool of 100,000.
    _ = mnem_git_set_strict_hash_verification(0)
    return count
}()

/// A git repository opened through libgit2: the one long-lived handle of the pool.
///
/// Not `Sendable`: a libgit2 repository must not be used from two threads at once. Open one
/// per thread (or per process) instead; libgit2 keeps separate handles safe.
public final class Repository {
    let handle: OpaquePointer
    /// The repository's git directory (`…/.git/` or the bare repository itself), with a trailing slash.
    public let gitDirectory: String
    /// The work tree, or nil for a bare repository.
    public let workTree: String?

    public var isBare: Bool { workTree == nil }

    private init(handle: OpaquePointer) {
        self.handle = handle
        gitDirectory = git_repository_path(handle).map { String(cString: $0) } ?? ""
        workTree = git_repository_workdir(handle).map { String(cString: $0) }
    }

    deinit { git_repository_free(handle) }

    /// Opens the repository at exactly `path` (its work tree or git directory); no search upward.
    ///
    /// Wraps `git_repository_open_ext` with `GIT_REPOSITORY_OPEN_NO_SEARCH`.
    public static func open(at path: String) throws(GitError) -> Repository {
        _ = libgit2Setup
        var handle: OpaquePointer?
        try check(
            git_repository_open_ext(&handle, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil),
            "git_repository_open_ext", path)
        guard let handle else { throw GitError(code: -1, message: "no repository returned", operation: "git_repository_open_ext", subject: path) }
        return Repository(handle: handle)
    }

    /// Creates a repository at `path` (creating the directory), or opens the one already there.
    ///
    /// Wraps `git_repository_init_ext`.
    /// - Parameters:
    ///   - bare: whether the repository has no work tree.
    ///   - initialBranch: the branch HEAD names until the first commit.
    public static func create(at path: String, bare: Bool, initialBranch: String = "main") throws(GitError) -> Repository {
        _ = libgit2Setup
        var options = git_repository_init_options()
        try check(git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)), "git_repository_init_options_init")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | (bare ? GIT_REPOSITORY_INIT_BARE.rawValue : 0)
        var handle: OpaquePointer?
        let code = initialBranch.withCString { branch -> Int32 in
            options.initial_head = branch
            return git_repository_init_ext(&handle, path, &options)
        }
        try check(code, "git_repository_init_ext", path)
        guard let handle else { throw GitError(code: -1, message: "no repository returned", operation: "git_repository_init_ext", subject: path) }
        return Repository(handle: handle)
    }

    /// Whether `path` is a git repository libgit2 can open.
    public static func exists(at path: String) -> Bool {
        (try? open(at: path)) != nil
    }
}

// MARK: - Configuration

extension Repository {
    /// A configuration value as git resolves it (repository, then global and system files).
    ///
    /// Wraps `git_repository_config_snapshot` and `git_config_get_string`.
    public func configValue(_ key: String) throws(GitError) -> String? {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, handle), "git_repository_config_snapshot", gitDirectory)
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, config, key)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_config_get_string", key)
        return value.map { String(cString: $0) }
    }

    /// Sets a value in the repository's own configuration file.
    ///
    /// Wraps `git_repository_config` and `git_config_set_string`.
    public func setConfigValue(_ key: String, _ value: String) throws(GitError) {
        var config: OpaquePointer?
        try check(git_repository_config(&config, handle), "git_repository_config", gitDirectory)
        defer { git_config_free(config) }
        try check(git_config_set_string(config, key, value), "git_config_set_string", key)
    }

    /// Removes a key from the repository's own configuration file; absent keys are fine.
    public func removeConfigValue(_ key: String) throws(GitError) {
        var config: OpaquePointer?
        try check(git_repository_config(&config, handle), "git_repository_config", gitDirectory)
        defer { git_config_free(config) }
        let code = git_config_delete_entry(config, key)
        if code == GIT_ENOTFOUND.rawValue { return }
        try check(code, "git_config_delete_entry", key)
    }
}

/// Whether libgit2's parse of the system CA bundle is still deferred (see `CMnemTLS`).
public var certificatesPending: Bool { mnem_tls_certificates_pending() == 1 }

/// Parses the deferred CA certificates now; MnemGit does so itself before every transfer.
/// - Returns: 0, or mbedtls' error code.
@discardableResult
public func loadDeferredCertificates() -> Int32 { mnem_tls_load_certificates() }

/// Whether libgit2's startup calls bind to the deferring definitions (see `CMnemTLS`).
public var startupDeferralInterposed: Bool { mnem_deferral_interposed() == 1 }

/// Whether the seeding of libgit2's TLS random generator is still deferred (see `CMnemTLS`).
public var tlsSeedPending: Bool { mnem_tls_seed_pending() == 1 }

/// Whether libssh2's initialization is still deferred (see `CMnemTLS`).
public var sshInitializationPending: Bool { mnem_ssh_initialization_pending() == 1 }

/// Initializes libssh2 now, if that was deferred; MnemGit does so itself before every transfer.
/// - Returns: 0, or libssh2's error code.
@discardableResult
public func initializeDeferredSSH() -> Int32 { mnem_ssh_initialize() }
