import CGit2
import CMnemTLS
import Foundation

/// A configured remote, copied out of libgit2.
public struct RemoteInfo: Sendable, Hashable {
    public var name: String
    public var url: String
}

/// Where credentials for a remote come from, in the order they are tried.
///
/// - ssh: the ssh-agent (`SSH_AUTH_SOCK`), then a key file: `MNEM_SSH_KEY`, else `~/.ssh/id_ed25519`,
///   else `~/.ssh/id_rsa` (public key beside it as `.pub` when present; passphrase `MNEM_SSH_PASSPHRASE`).
///   The user name is the one in the URL, else `git`.
/// - https: a token from `MNEM_GIT_TOKEN`, else `GIT_TOKEN`, else `GITHUB_TOKEN` (user name from the URL,
///   else `MNEM_GIT_USERNAME`, else `x-access-token`); then git's credential helper (`git credential fill`,
///   never prompting), unless `MNEM_NO_CREDENTIAL_HELPER` is set.
///
/// Each source is tried once per operation, so a server that keeps refusing ends the operation
/// with an authentication error instead of a loop.
public struct RemoteCredentials: Sendable {
    public var sshKeyPaths: [String]
    public var sshPassphrase: String?
    public var useSSHAgent: Bool
    public var token: String?
    public var tokenUser: String?
    public var useCredentialHelper: Bool

    public init(
        sshKeyPaths: [String] = [], sshPassphrase: String? = nil, useSSHAgent: Bool = false, token: String? = nil,
        tokenUser: String? = nil, useCredentialHelper: Bool = false
    ) {
        self.sshKeyPaths = sshKeyPaths
        self.sshPassphrase = sshPassphrase
        self.useSSHAgent = useSSHAgent
        self.token = token
        self.tokenUser = tokenUser
        self.useCredentialHelper = useCredentialHelper
    }

    /// The credentials the environment offers, as described on the type.
    public static func from(environment env: [String: String]) -> RemoteCredentials {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        var keys: [String] = []
        if let key = value("MNEM_SSH_KEY") {
            keys = [key]
        } else if let home = value("HOME") {
            keys = ["\(home)/.ssh/id_ed25519", "\(home)/.ssh/id_rsa"]
        }
        return RemoteCredentials(
            sshKeyPaths: keys, sshPassphrase: value("MNEM_SSH_PASSPHRASE"), useSSHAgent: value("SSH_AUTH_SOCK") != nil,
            token: value("MNEM_GIT_TOKEN") ?? value("GIT_TOKEN") ?? value("GITHUB_TOKEN"), tokenUser: value("MNEM_GIT_USERNAME"),
            useCredentialHelper: value("MNEM_NO_CREDENTIAL_HELPER") == nil)
    }
}

/// The state one fetch or push shares with libgit2's callbacks.
///
/// Handed to libgit2 as an unretained pointer while the operation's scope holds the one strong
/// reference (`withExtendedLifetime`), so no callback can outlive it and nothing is released twice.
final class TransferContext {
    let credentials: RemoteCredentials
    var triedAgent = false
    var nextKeyFile = 0
    var triedToken = false
    var triedHelper = false
    /// Why the credential callback gave up, to report instead of libgit2's generic message.
    var credentialFailure: String?
    /// References the server refused during a push, with its reason.
    var rejected: [(reference: String, status: String)] = []

    init(credentials: RemoteCredentials) { self.credentials = credentials }
}

private func transferContext(_ payload: UnsafeMutableRawPointer?) -> TransferContext? {
    payload.map { Unmanaged<TransferContext>.fromOpaque($0).takeUnretainedValue() }
}

/// libgit2's credential callback: offers each configured source once.
func acquireCredential(
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, _ url: UnsafePointer<CChar>?,
    _ usernameFromURL: UnsafePointer<CChar>?, _ allowed: UInt32, _ payload: UnsafeMutableRawPointer?
) -> Int32 {
    guard let out, let context = transferContext(payload) else { return GIT_PASSTHROUGH.rawValue }
    let urlText = url.map { String(cString: $0) } ?? ""
    let user = usernameFromURL.map { String(cString: $0) }
    let c = context.credentials
    if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 {
        let sshUser = user ?? "git"
        if c.useSSHAgent && !context.triedAgent {
            context.triedAgent = true
            return git_credential_ssh_key_from_agent(out, sshUser)
        }
        while context.nextKeyFile < c.sshKeyPaths.count {
            let key = c.sshKeyPaths[context.nextKeyFile]
            context.nextKeyFile += 1
            guard FileManager.default.isReadableFile(atPath: key) else { continue }
            let publicKey = FileManager.default.isReadableFile(atPath: key + ".pub") ? key + ".pub" : nil
            return git_credential_ssh_key_new(out, sshUser, publicKey, key, c.sshPassphrase)
        }
        let tried = (c.useSSHAgent ? ["ssh-agent"] : []) + c.sshKeyPaths
        context.credentialFailure = "no ssh credential was accepted for \(urlText) (tried: \(tried.isEmpty ? "none available" : tried.joined(separator: ", ")); set MNEM_SSH_KEY or start ssh-agent)"
        return GIT_EAUTH.rawValue
    }
    if allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 {
        if let token = c.token, !context.triedToken {
            context.triedToken = true
            return git_credential_userpass_plaintext_new(out, user ?? c.tokenUser ?? "x-access-token", token)
        }
        if c.useCredentialHelper && !context.triedHelper {
            context.triedHelper = true
            if let (helperUser, password) = credentialHelperFill(url: urlText, user: user) {
                return git_credential_userpass_plaintext_new(out, helperUser, password)
            }
        }
        context.credentialFailure = "no https credential was accepted for \(urlText) (set MNEM_GIT_TOKEN, or configure git's credential helper)"
        return GIT_EAUTH.rawValue
    }
    // ssh asks for the user name alone first when the URL has none.
    if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 {
        return git_credential_username_new(out, user ?? "git")
    }
    context.credentialFailure = "the remote \(urlText) asks for a kind of credential mnem does not offer"
    return GIT_EAUTH.rawValue
}

/// Asks git's credential helper for a user name and password, without prompting.
///
/// Runs `git credential fill` with `GIT_TERMINAL_PROMPT=0`; any failure means "no credential".
private func credentialHelperFill(url: String, user: String?) -> (String, String)? {
    guard let parsed = URLComponents(string: url), let scheme = parsed.scheme, let host = parsed.host else { return nil }
    var request = "protocol=\(scheme)\nhost=\(host)\(parsed.port.map { ":\($0)" } ?? "")\n"
    if !parsed.path.isEmpty { request += "path=\(parsed.path.drop(while: { $0 == "/" }))\n" }
    if let user { request += "username=\(user)\n" }
    request += "\n"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git", "credential", "fill"]
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["GIT_ASKPASS"] = "true"
    process.environment = environment
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return nil }
    input.fileHandleForWriting.write(Data(request.utf8))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    var fields: [String: String] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        guard let eq = line.firstIndex(of: "=") else { continue }
        fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
    }
    guard let password = fields["password"] else { return nil }
    return (fields["username"] ?? user ?? "git", password)
}

/// libgit2's per-reference push status callback: a non-null status is the server's refusal.
private func pushUpdateReference(_ reference: UnsafePointer<CChar>?, _ status: UnsafePointer<CChar>?, _ payload: UnsafeMutableRawPointer?) -> Int32 {
    guard let status, let context = transferContext(payload) else { return 0 }
    context.rejected.append((reference.map { String(cString: $0) } ?? "?", String(cString: status)))
    return 0
}

extension GitError {
    /// A push the remote refused because it would not fast-forward (someone pushed first).
    public var isPushRejected: Bool { code == GIT_ENONFASTFORWARD.rawValue }
    /// The remote refused the credentials, or none could be found.
    public var isAuthentication: Bool { code == GIT_EAUTH.rawValue }
}

// MARK: - Remotes in the configuration

extension Repository {
    /// The configured remotes, by name.
    ///
    /// Wraps `git_remote_list`, `git_remote_lookup` and `git_remote_url`.
    public func remotes() throws(GitError) -> [RemoteInfo] {
        var array = git_strarray()
        try check(git_remote_list(&array, handle), "git_remote_list", gitDirectory)
        defer { git_strarray_dispose(&array) }
        var names: [String] = []
        for i in 0..<array.count {
            if let name = array.strings[i].map({ String(cString: $0) }) { names.append(name) }
        }
        var out: [RemoteInfo] = []
        for name in names.sorted() {
            if let remote = try remote(named: name) { out.append(remote) }
        }
        return out
    }

    /// The remote called `name`, or nil if there is none.
    ///
    /// Wraps `git_remote_lookup` and `git_remote_url`.
    public func remote(named name: String) throws(GitError) -> RemoteInfo? {
        var remote: OpaquePointer?
        let code = git_remote_lookup(&remote, handle, name)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_remote_lookup", name)
        defer { git_remote_free(remote) }
        return RemoteInfo(name: name, url: git_remote_url(remote).map { String(cString: $0) } ?? "")
    }

    /// Adds a remote with git's default fetch refspec.
    ///
    /// Wraps `git_remote_name_is_valid` and `git_remote_create`.
    /// - Throws: `GitError` with `isExists` when the name is taken, or for an invalid name or URL.
    public func addRemote(name: String, url: String) throws(GitError) {
        var valid: Int32 = 0
        try check(git_remote_name_is_valid(&valid, name), "git_remote_name_is_valid", name)
        guard valid == 1 else {
            throw GitError(code: GIT_EINVALIDSPEC.rawValue, message: "'\(name)' is not a valid remote name", operation: "git_remote_create", subject: name)
        }
        var remote: OpaquePointer?
        try check(git_remote_create(&remote, handle, name, url), "git_remote_create", name)
        git_remote_free(remote)
    }

    /// Removes a remote, its configuration and its remote-tracking references.
    ///
    /// Wraps `git_remote_delete`.
    public func removeRemote(name: String) throws(GitError) {
        try check(git_remote_delete(handle, name), "git_remote_delete", name)
    }
}

// MARK: - Fetch and push

extension Repository {
    /// Downloads what `refspecs` name from `url` and writes only the references they name.
    ///
    /// The remote is anonymous (made from the URL), so libgit2 updates no configured
    /// remote-tracking reference and no `FETCH_HEAD` on its own: the caller decides which
    /// references may move once it has checked what arrived. Tags are not followed.
    /// Wraps `git_remote_create_anonymous` and `git_remote_fetch`.
    /// - Throws: `GitError`; `isAuthentication` when no credential was accepted.
    public func fetch(url: String, refspecs: [String], credentials: RemoteCredentials) throws(GitError) {
        let remote = try anonymousRemote(url)
        defer { git_remote_free(remote) }
        let context = TransferContext(credentials: credentials)
        let code: Int32 = withExtendedLifetime(context) {
            var options = git_fetch_options()
            git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION))
            options.update_fetchhead = 0
            options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
            options.callbacks.credentials = acquireCredential
            options.callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return withStringArray(refspecs) { specs in
                git_remote_fetch(remote, specs, &options, "mnem: fetch")
            }
        }
        if code < 0 { throw transferError(code, context, operation: "git_remote_fetch", url: url) }
    }

    /// Uploads `refspecs` (never forced) to `url`.
    ///
    /// A refusal because the remote moved on — found by libgit2 before uploading, or reported by
    /// the server through the per-reference status — is thrown as a `GitError` with
    /// `isPushRejected`, so the caller can pull, merge and try again.
    /// Wraps `git_remote_create_anonymous` and `git_remote_push` with a `push_update_reference` callback.
    public func push(url: String, refspecs: [String], credentials: RemoteCredentials) throws(GitError) {
        let remote = try anonymousRemote(url)
        defer { git_remote_free(remote) }
        let context = TransferContext(credentials: credentials)
        let code: Int32 = withExtendedLifetime(context) {
            var options = git_push_options()
            git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION))
            options.callbacks.credentials = acquireCredential
            options.callbacks.push_update_reference = pushUpdateReference
            options.callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
            return withStringArray(refspecs) { specs in
                git_remote_push(remote, specs, &options)
            }
        }
        if code < 0 { throw transferError(code, context, operation: "git_remote_push", url: url) }
        if let first = context.rejected.first {
            let all = context.rejected.map { "\($0.reference): \($0.status)" }.joined(separator: "; ")
            throw GitError(
                code: GIT_ENONFASTFORWARD.rawValue, message: "the remote refused \(all)", operation: "git_remote_push",
                subject: "\(url) \(first.reference)")
        }
    }

    func anonymousRemote(_ url: String) throws(GitError) -> OpaquePointer {
        // libgit2's CA certificates and libssh2's initialization were deferred at startup
        // (CMnemTLS); a transfer may need them, so they are carried out now.
        _ = mnem_tls_load_certificates()
        _ = mnem_ssh_initialize()
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, handle, url), "git_remote_create_anonymous", url)
        guard let remote else { throw GitError(code: -1, message: "no remote returned", operation: "git_remote_create_anonymous", subject: url) }
        return remote
    }

    func transferError(_ code: Int32, _ context: TransferContext, operation: String, url: String) -> GitError {
        var error = GitError.last(code, operation: operation, subject: url)
        if let failure = context.credentialFailure {
            error.code = GIT_EAUTH.rawValue
            error.message = failure
        }
        return error
    }
}

/// Lends `strings` to C as a `git_strarray` for the duration of `body`.
private func withStringArray<T>(_ strings: [String], _ body: (UnsafePointer<git_strarray>) -> T) -> T {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return body(&array)
    }
}

// MARK: - References moved without a compare

extension Repository {
    /// Points `name` at `target`, creating or overwriting it (for remote-tracking and scratch references).
    ///
    /// Wraps `git_reference_create` with `force`.
    public func setReference(_ name: String, to target: ObjectID, logMessage: String) throws(GitError) {
        var ref: OpaquePointer?
        var oid = target.raw
        let code = git_reference_create(&ref, handle, name, &oid, 1, logMessage)
        if ref != nil { git_reference_free(ref) }
        try check(code, "git_reference_create", name)
    }
}

// MARK: - Reflog

/// One line of a reference's log, copied out of libgit2.
public struct ReflogEntry: Sendable, Hashable {
    /// Zero when the reference was created.
    public var old: ObjectID
    public var new: ObjectID
    public var message: String
}

extension Repository {
    /// The log of a reference's moves, newest first (empty when none is kept).
    ///
    /// Wraps `git_reflog_read`, `git_reflog_entry_byindex` and the entry accessors.
    public func reflog(_ name: String) throws(GitError) -> [ReflogEntry] {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, handle, name), "git_reflog_read", name)
        defer { git_reflog_free(log) }
        var entries: [ReflogEntry] = []
        for i in 0..<git_reflog_entrycount(log) {
            guard let entry = git_reflog_entry_byindex(log, i), let old = git_reflog_entry_id_old(entry), let new = git_reflog_entry_id_new(entry)
            else { continue }
            entries.append(ReflogEntry(old: ObjectID(old), new: ObjectID(new), message: git_reflog_entry_message(entry).map { String(cString: $0) } ?? ""))
        }
        return entries
    }
}
