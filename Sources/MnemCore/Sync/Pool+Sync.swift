import Foundation
import MnemGit

/// What a pull did.
public struct PullResult: Sendable {
    public enum Mode: String, Sendable {
        /// The remote has no pool branch yet.
        case remoteEmpty = "remote-empty"
        /// The remote's tip is already part of this pool.
        case upToDate = "up-to-date"
        case fastForward = "fast-forward"
        case merged
    }

    public var remote: String
    public var url: String
    public var mode: Mode
    /// The remote's branch that was pulled (e.g. `refs/heads/main`), if it has one.
    public var remoteBranch: String?
    /// The remote's tip that was fetched, if it has one.
    public var remoteTip: ObjectID?
    public var before: ObjectID?
    public var after: ObjectID?
    /// The merge commit, when one was made.
    public var mergeCommit: ObjectID?
    /// Memories now in the pool that were not before.
    public var added: [MemoryID]
    /// Memories the remote forgot that were forgotten here too.
    public var removed: [MemoryID]
    /// Memories the remote brought that this pool already had.
    public var unchanged: Int
    public var conflicts: [SyncConflict]
    /// Lost compare-and-swap races against local writers during the merge.
    public var retries: Int
    /// New commits the pull checked (the whole new history, not only the tip).
    public var checkedCommits: Int = 0
}

/// What a push did.
public struct PushResult: Sendable {
    public var remote: String
    public var url: String
    /// The remote's branch pushed to (e.g. `refs/heads/master` for a bare remote whose HEAD names it).
    public var remoteBranch: String?
    /// The commit the remote's branch now names (nil for an empty pool: nothing to push).
    public var pushed: ObjectID?
    /// The remote already had the pool's tip: nothing was sent.
    public var upToDate: Bool = false
    /// Pushes the remote refused because it had moved on; each was followed by a pull.
    public var rejections: Int
    /// The pulls made after rejections.
    public var pulls: [PullResult]
    /// Something the user should know about the remote (e.g. its HEAD names another branch).
    public var notes: [String] = []
}

/// A pull stopped because it would forget too many of the pool's memories.
///
/// Nothing it fetched reached the pool. `mnem pull --accept-forgets` takes it anyway.
public struct MassForgetError: Error, Sendable, CustomStringConvertible {
    public struct Forgetter: Sendable {
        public var commit: ObjectID
        public var summary: String
        /// How many of the forgotten memories this commit removed.
        public var count: Int
    }

    public var remote: String
    public var url: String
    public var forgotten: [MemoryID]
    /// The pool's memories before the pull.
    public var poolCount: Int
    /// The most a pull may forget without `--accept-forgets`.
    public var limit: Int
    /// The remote's commits that remove them, most first.
    public var commits: [Forgetter]

    /// The remote as people read it: its name and URL, or the URL alone when it has no name.
    public var source: String { remote == url ? url : "\(remote) (\(url))" }

    public var description: String {
        let named = commits.prefix(5).map { "\($0.commit.hex.prefix(10)) \"\($0.summary)\" (\($0.count))" }.joined(separator: ", ")
        let more = commits.count > 5 ? ", … and \(commits.count - 5) more commits" : ""
        let rule = forgotten.count == poolCount && forgotten.count <= limit ? "every memory of the pool" : "more than max(10, 10%) = \(limit)"
        return "pull from \(source) stopped, nothing changed: it would forget \(forgotten.count) of the pool's \(poolCount) memories (\(rule)), by \(named)\(more); run it again with --accept-forgets to take it"
    }
}

/// A remote given by name, or a URL or path pulled from without adding it.
struct ResolvedRemote {
    /// The configured name, or the URL itself for a remote that is not configured.
    var name: String
    var url: String
    var configured: Bool
}

/// What a fetch brought, held in quarantine until the pull takes it.
struct IncomingFetch {
    var quarantine: Quarantine
    var tip: ObjectID
    var branch: String
    var check: IncomingCheck
}

extension Pool {
    /// Posted (with the pool as object, and `"before"`/`"after"` commit hex strings) after a pull
    /// moved the tip, for derived data such as a search index that prefers to update at once.
    /// The vector sidecar does not need it: it compares its indexed commit with the tip on open.
    public static let tipChangedNotification = Notification.Name("mnem.pool.tipChanged")

    /// How many times a push is refused (and followed by a pull) before giving up.
    public static let maxPushAttempts = 5

    /// The remote-tracking reference for `remoteBranch` on `remote`.
    func trackingReference(_ remote: String, _ remoteBranch: String) -> String {
        "refs/remotes/\(remote)/" + Self.shortBranch(remoteBranch)
    }

    /// A branch reference without `refs/heads/`.
    public static func shortBranch(_ reference: String) -> String {
        reference.hasPrefix("refs/heads/") ? String(reference.dropFirst("refs/heads/".count)) : reference
    }

    /// The configured remote `name`.
    public func remote(named name: String) throws -> RemoteInfo {
        guard let remote = try repository.remote(named: name) else {
            throw PoolError("no remote '\(name)' in \(path) (add one with 'mnem remote add \(name) URL', or pull from a URL or path directly)")
        }
        return remote
    }

    /// A configured remote, or a URL or path that is not one (pulled from without adding it).
    func resolveRemote(_ nameOrURL: String) throws -> ResolvedRemote {
        // A URL is not a valid remote name, which libgit2 reports as an error: it is just not one.
        if let remote = (try? repository.remote(named: nameOrURL)) ?? nil {
            return ResolvedRemote(name: remote.name, url: remote.url, configured: true)
        }
        let hasSlash = nameOrURL.contains("/")
        let hasColon = nameOrURL.contains(":")
        let looksLikeURL = hasSlash || hasColon || nameOrURL.hasPrefix(".") || nameOrURL.hasPrefix("~")
        guard looksLikeURL else {
            throw PoolError("no remote '\(nameOrURL)' in \(path) (add one with 'mnem remote add \(nameOrURL) URL', or pull from a URL or path directly)")
        }
        return ResolvedRemote(name: Self.redacted(nameOrURL), url: nameOrURL, configured: false)
    }

    /// The branch `branch.<ours>.merge` names for `remote`, when the pool tracks another name there.
    func configuredRemoteBranch(_ remote: ResolvedRemote) -> String? {
        guard remote.configured else { return nil }
        let short = Self.shortBranch(branch)
        guard (try? repository.configValue("branch.\(short).remote")) == remote.name else { return nil }
        return (try? repository.configValue("branch.\(short).merge")) ?? nil
    }

    /// Remembers that the pool's branch lives under another name on `remote` (git's upstream keys).
    func recordRemoteBranch(_ remoteBranch: String, for remote: ResolvedRemote) throws {
        guard remote.configured, remoteBranch != branch, configuredRemoteBranch(remote) != remoteBranch else { return }
        let short = Self.shortBranch(branch)
        try repository.setConfigValue("branch.\(short).remote", remote.name)
        try repository.setConfigValue("branch.\(short).merge", remoteBranch)
    }

    /// Which of the remote's branches holds the pool: the configured one, else one named like
    /// the pool's, else the one the remote's HEAD names.
    func chooseRemoteBranch(_ heads: [RemoteHead], headTarget: String?, remote: ResolvedRemote) -> RemoteHead? {
        for candidate in [configuredRemoteBranch(remote), branch].compactMap({ $0 }) {
            if let head = heads.first(where: { $0.name == candidate }) { return head }
        }
        let target = headTarget ?? heads.first(where: { $0.name == "HEAD" })?.symbolicTarget
        if let target, let head = heads.first(where: { $0.name == target }) { return head }
        return nil
    }

    /// Fetches the remote's pool branch, checks its whole new history, and merges it.
    ///
    /// What the remote brings lands in a quarantine (`Quarantine`), never in the pool's object
    /// database, until every new commit has passed `checkIncoming`: a refusal throws
    /// `PullRejectedError` and removes all of it. Over the network each object's size is checked
    /// from the pack as it arrives; from a path, from each object's header before it is copied.
    /// A pull that would forget more than max(10, 10%) of the pool's memories (or all of them)
    /// stops with `MassForgetError` unless `acceptForgets`. Then the branch fast-forwards when
    /// it can, else a merge commit (ours first, theirs second, `Mnem-Remote` trailers) is made
    /// under `mergeTrees`'s rule; both moves are a compare-and-swap, retried if a local writer
    /// moved the branch meanwhile.
    /// - Parameter name: a configured remote, or a URL or path to pull from without adding it.
    /// - Throws: `PullRejectedError`, `MassForgetError`, `PoolError` for an unknown remote or a
    ///   transport failure.
    public func pull(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard, acceptForgets: Bool = false) throws -> PullResult {
        let remote = try resolveRemote(name)
        let session = try beginWriting()
        defer { session.end() }
        var result = PullResult(
            remote: remote.name, url: Self.redacted(remote.url), mode: .remoteEmpty, remoteTip: nil, before: try tip(), after: try tip(),
            mergeCommit: nil, added: [], removed: [], unchanged: 0, conflicts: [], retries: 0)
        let ours = try tip()
        let trusted = TrustedHistory(pool: repository, tip: ours)
        let fetched = try fetchIncoming(remote, result: &result, trusted: trusted, ours: ours, credentials: credentials, limits: limits)
        guard let remoteBranch = result.remoteBranch, let theirs = result.remoteTip else { return result }
        try recordRemoteBranch(remoteBranch, for: remote)
        guard let incoming = fetched else {
            result.mode = .upToDate
            if remote.configured { try setReferenceHealing(trackingReference(remote.name, remoteBranch), to: theirs, logMessage: "mnem: pull \(remote.name)") }
            return result
        }
        result.checkedCommits = incoming.check.history.commits.count
        try admit(incoming, remote: remote, url: result.url, ours: ours, limits: limits, acceptForgets: acceptForgets)
        try merge(theirs, from: remote, into: &result, limits: limits)
        if remote.configured { try setReferenceHealing(trackingReference(remote.name, remoteBranch), to: theirs, logMessage: "mnem: pull \(remote.name)") }
        guard result.mode != .upToDate else { return result }
        if !repository.isBare { try syncWorkTree() }
        // The merged tip is in place: what a pull brings in and the pool then derives (indexes,
        // reconciled insights) starts from here.
        maintainStorage(after: result.after)
        NotificationCenter.default.post(
            name: Self.tipChangedNotification, object: self,
            userInfo: ["before": result.before?.hex ?? "", "after": result.after?.hex ?? ""])
        return result
    }

    /// Lets a checked fetch into the pool: what it would merge (the remote's changes since the
    /// merge base) must be valid memories, and it must not forget too much; then the quarantine's
    /// packs move into the pool's object database.
    /// - Throws: `PullRejectedError`, `MassForgetError`; either way the quarantine is dropped.
    private func admit(_ incoming: IncomingFetch, remote: ResolvedRemote, url: String, ours: ObjectID?, limits: SyncLimits, acceptForgets: Bool) throws {
        let theirs = incoming.tip
        if !incoming.check.invalid.isEmpty {
            throw PullRejectedError(remote: remote.name, url: url, remoteTip: theirs, invalid: incoming.check.invalid)
        }
        var check = incoming.check
        let source = incoming.quarantine.repository
        let base = try ours.flatMap { (ours) throws(GitError) in try source.mergeBase(ours, theirs) }
        let baseTree = try base.map { (id) throws(GitError) in try source.commit(id).tree }
        let theirDeltas: [TreeDelta]
        do {
            theirDeltas = try source.changedFiles(baseTree, try source.commit(theirs).tree, maxDeltas: limits.maxEntries)
        } catch {
            throw PullRejectedError(remote: remote.name, url: url, remoteTip: theirs, invalid: [InvalidEntry(path: "(tree)", problem: .tree, reason: error.message)])
        }
        let invalid = checkIncomingTip(source: source, deltas: theirDeltas, check: &check)
        if !invalid.isEmpty { throw PullRejectedError(remote: remote.name, url: url, remoteTip: theirs, invalid: invalid) }
        if !acceptForgets {
            try guardForgets(remote: remote, url: url, ours: ours, base: base, theirDeltas: theirDeltas, incoming: incoming)
        }
        try incoming.quarantine.migrate()
    }

    /// Fast-forwards to `theirs` or makes a merge commit, by compare-and-swap, retried while
    /// local writers move the branch.
    private func merge(_ theirs: ObjectID, from remote: ResolvedRemote, into result: inout PullResult, limits: SyncLimits) throws {
        var attempt = 0
        while true {
            let ours = try tip()
            result.before = ours
            if let ours, try repository.isAncestor(theirs, of: ours) {
                result.mode = .upToDate
                result.after = ours
                return
            }
            let base = try ours.flatMap { (ours) throws(GitError) in try repository.mergeBase(ours, theirs) }
            let baseTree = try base.map { (id) throws(GitError) in try repository.commit(id).tree }
            let deltas = try repository.changedFiles(baseTree, try repository.commit(theirs).tree, maxDeltas: limits.maxEntries)
            let newTip: ObjectID
            if let ours, base != ours {
                result.mode = .merged
                let ourTree = try repository.commit(ours).tree
                var outcome = try mergeTrees(base: baseTree, ours: ourTree, theirDeltas: deltas)
                // Compaction (issue 12): one version per mined pattern after both sides compacted; see Pool+PatternReconciliation.swift.
                try reconcilePatternVersions(baseTree: baseTree, ourTree: ourTree, theirDeltas: deltas, outcome: &outcome)
                result.added = outcome.added
                result.removed = outcome.removed
                result.unchanged = outcome.unchanged
                result.conflicts = outcome.conflicts
                let author = defaultAuthor()
                newTip = try repository.createCommit(
                    tree: outcome.tree, parents: [ours, theirs], author: author, committer: author,
                    message: mergeMessage(remote: remote.name, url: result.url, theirs: theirs, outcome: outcome))
                result.mergeCommit = newTip
            } else {
                result.mode = .fastForward
                result.added = deltas.filter { $0.status == .added }.compactMap { MemoryPath.parse($0.path)?.id }
                result.removed = deltas.filter { $0.status == .deleted }.compactMap { MemoryPath.parse($0.path)?.id }
                result.unchanged = 0
                result.conflicts = []
                newTip = theirs
            }
            // A fast-forward makes no merge commit to name the remote; the branch's reflog line does
            // (`arrivals(of:)` reads it), so pools keep one.
            if result.mode == .fastForward, try repository.configValue("core.logAllRefUpdates") == nil {
                try repository.setConfigValue("core.logAllRefUpdates", "true")
            }
            if try moveBranch(to: newTip, expected: ours, summary: "pull \(remote.name) \(result.url) (\(result.mode.rawValue))") {
                result.after = newTip
                result.retries = attempt
                return
            }
            attempt += 1
            guard attempt < Self.maxAttempts else {
                throw PoolError("pull from \(remote.name) gave up after \(attempt) attempts: \(branch) in \(path) kept moving")
            }
        }
    }

    /// Finds the remote's pool branch and brings its new history into a quarantine, checked.
    ///
    /// Sets `result.remoteBranch` and `result.remoteTip` when the remote has a pool branch.
    /// - Returns: nil when the remote is empty or its tip is already part of the pool's history.
    private func fetchIncoming(
        _ remote: ResolvedRemote, result: inout PullResult, trusted: TrustedHistory, ours: ObjectID?, credentials: RemoteCredentials,
        limits: SyncLimits
    ) throws -> IncomingFetch? {
        let display = remote.configured ? "\(remote.name) (\(result.url))" : result.url
        func failure(_ error: Error) -> PoolError { PoolError("fetch from \(display) failed: \(error.oneLine)") }
        if let path = Repository.localPath(ofRemote: remote.url) {
            let source: Repository
            do { source = try Repository.open(at: path) } catch { throw failure(error) }
            var heads: [RemoteHead] = []
            for name in try source.referenceNames(prefix: "refs/heads/") {
                if let id = try source.resolveReference(name) { heads.append(RemoteHead(name: name, id: id, symbolicTarget: nil)) }
            }
            guard let chosen = chooseRemoteBranch(heads, headTarget: try? source.headReferenceName(), remote: remote) else { return nil }
            result.remoteBranch = chosen.name
            result.remoteTip = chosen.id
            if trusted.contains(chosen.id) { return nil }
            // Checked where it lies, reading only what each header allows; only then copied.
            let check = checkIncoming(source: source, tip: chosen.id, ours: ours, limits: limits)
            let quarantine = try Quarantine(pool: repository, limits: limits.history, maxObjects: limits.maxPackObjects)
            if check.invalid.isEmpty {
                let missing = check.history.objects.filter { !repository.hasObject($0) }
                do { try quarantine.copy(Array(missing), from: source, limits: limits.history) } catch { throw failure(error) }
            }
            return IncomingFetch(quarantine: quarantine, tip: chosen.id, branch: chosen.name, check: check)
        }
        let quarantine = try Quarantine(pool: repository, limits: limits.history, maxObjects: limits.maxPackObjects)
        let chosen: RemoteHead
        do {
            let connection = try RemoteConnection(quarantine.repository, url: remote.url, direction: .fetch, credentials: credentials)
            guard let head = chooseRemoteBranch(try connection.heads(), headTarget: nil, remote: remote) else { return nil }
            chosen = head
            result.remoteBranch = head.name
            result.remoteTip = head.id
            if trusted.contains(head.id) { return nil }
            try connection.download(head.name)
        } catch {
            if let (kind, reason) = quarantine.scanViolation, let tip = result.remoteTip {
                throw PullRejectedError(
                    remote: remote.name, url: result.url, remoteTip: tip,
                    invalid: [InvalidEntry(path: "(pack)", problem: InvalidEntry.Problem(rawValue: kind) ?? .history, reason: reason)])
            }
            throw failure(error)
        }
        guard quarantine.repository.hasObject(chosen.id) else {
            throw PoolError("fetch from \(display) failed: the remote did not send \(chosen.name) (\(chosen.id.hex.prefix(12)))")
        }
        var check = checkIncoming(source: quarantine.repository, tip: chosen.id, ours: ours, limits: limits)
        // A pack may hold only what the new history needs (or what the pool already has). When
        // the history was refused, what lies below a refused entry was never walked: no need to say so twice.
        let extra = try quarantine.objectIDs().filter { !check.history.objects.contains($0) && !repository.hasObject($0) }
        if check.invalid.isEmpty && !extra.isEmpty {
            check.invalid.append(InvalidEntry(path: "(pack)", problem: .history, reason: "\(extra.count) objects that no new commit reaches (first \(extra[0].hex.prefix(12)))"))
        }
        return IncomingFetch(quarantine: quarantine, tip: chosen.id, branch: chosen.name, check: check)
    }

    /// Stops a pull that would forget more than max(10, 10%) of the pool's memories, or all of them.
    ///
    /// The memories a pull forgets are those the remote removed since the merge base and this
    /// pool did not change (`mergeTrees`'s rule); each is traced to the new commits that removed it.
    private func guardForgets(
        remote: ResolvedRemote, url: String, ours: ObjectID?, base: ObjectID?, theirDeltas: [TreeDelta], incoming: IncomingFetch
    ) throws {
        guard let ours else { return }
        let source = incoming.quarantine.repository
        let deleted = theirDeltas.filter { $0.status == .deleted && MemoryPath.parse($0.path) != nil }
        guard !deleted.isEmpty else { return }
        let baseTree = try base.map { (id) throws(GitError) in try repository.commit(id).tree }
        var ourChanges: Set<String> = []
        if base != ours {
            for delta in try repository.changedFiles(baseTree, try repository.commit(ours).tree) { ourChanges.insert(delta.path) }
        }
        let forgotten = deleted.filter { !ourChanges.contains($0.path) }
        guard !forgotten.isEmpty else { return }
        let poolCount = try memoryCount(tree: try repository.commit(ours).tree)
        let limit = max(10, poolCount / 10)
        guard forgotten.count > limit || forgotten.count >= poolCount else { return }
        var perCommit: [ObjectID: Int] = [:]
        for delta in forgotten {
            for commit in incoming.check.history.deletions[delta.path] ?? [] { perCommit[commit, default: 0] += 1 }
        }
        var commits: [MassForgetError.Forgetter] = []
        for (commit, count) in perCommit {
            let message: String = (try? source.commit(commit).message) ?? ""
            let summary = String(message.firstLine(limit: 60).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
            commits.append(MassForgetError.Forgetter(commit: commit, summary: summary, count: count))
        }
        commits.sort { (a: MassForgetError.Forgetter, b: MassForgetError.Forgetter) -> Bool in
            a.count != b.count ? a.count > b.count : a.commit < b.commit
        }
        throw MassForgetError(
            remote: remote.name, url: url, forgotten: forgotten.compactMap { MemoryPath.parse($0.path)?.id }, poolCount: poolCount,
            limit: limit, commits: commits)
    }

    /// How many memory files `tree` holds, counted from the directory listings without a String per file.
    func memoryCount(tree: ObjectID) throws -> Int {
        guard let memories = try repository.treeEntry(atPath: MemoryPath.root, in: tree), memories.mode == .tree else { return 0 }
        var count = 0
        for kind in try repository.treeEntries(memories.id) where kind.mode == .tree {
            for fanout in try repository.treeEntries(kind.id) where fanout.mode == .tree {
                count += try repository.treeEntryCount(fanout.id)
            }
        }
        return count
    }

    /// Pushes the pool's branch to `remote`, never forcing.
    ///
    /// The remote's branch is the one the pool tracks there (`branch.<name>.merge`), else one
    /// named like the pool's, else — for a remote with no branch yet — the one its HEAD names, so
    /// a `git clone` of it checks the memories out. When the remote already has the tip, nothing
    /// is sent (`upToDate`). When it refuses because it moved on, the pool pulls (checking and
    /// merging what the remote gained) and pushes again, at most `maxPushAttempts` times.
    /// - Throws: `PullRejectedError` / `MassForgetError` from that pull, `PoolError` otherwise.
    public func push(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard, acceptForgets: Bool = false) throws -> PushResult {
        let remote = try resolveRemote(name)
        var result = PushResult(remote: remote.name, url: Self.redacted(remote.url), pushed: nil, rejections: 0, pulls: [])
        while true {
            guard let tip = try tip() else { return result }
            do {
                let connection = try RemoteConnection(repository, url: remote.url, direction: .push, credentials: credentials)
                let heads = try connection.heads().filter { $0.name.hasPrefix("refs/heads/") || $0.name == "HEAD" }
                let (target, note) = pushTarget(heads, remote: remote)
                if let note { result.notes.append(note) }
                result.remoteBranch = target
                if heads.first(where: { $0.name == target })?.id == tip {
                    result.upToDate = true
                } else {
                    try connection.upload(["\(branch):\(target)"])
                }
            } catch let error where error.isPushRejected {
                result.rejections += 1
                guard result.rejections < Self.maxPushAttempts else {
                    throw PoolError("push to \(remote.name) (\(result.url)) refused \(result.rejections) times: \(error.message)")
                }
                result.pulls.append(try pull(remote: name, credentials: credentials, limits: limits, acceptForgets: acceptForgets))
                continue
            } catch {
                throw PoolError("push to \(remote.name) (\(result.url)) failed: \(error.message)")
            }
            if let target = result.remoteBranch {
                try recordRemoteBranch(target, for: remote)
                if remote.configured { try setReferenceHealing(trackingReference(remote.name, target), to: tip, logMessage: "mnem: push \(remote.name)") }
            }
            result.pushed = tip
            return result
        }
    }

    /// The remote's branch a push goes to (see `push`), and a note when an empty remote does not
    /// say which branch its HEAD names.
    private func pushTarget(_ heads: [RemoteHead], remote: ResolvedRemote) -> (String, String?) {
        let branches = heads.filter { $0.name != "HEAD" }
        if let chosen = chooseRemoteBranch(branches, headTarget: nil, remote: remote) { return (chosen.name, nil) }
        let local = Repository.localPath(ofRemote: remote.url)
        // A repository on this machine is asked directly: the local transport does not report HEAD.
        let head = local.flatMap { try? Repository.open(at: $0).headReferenceName() } ?? heads.first(where: { $0.name == "HEAD" })?.symbolicTarget
        if branches.isEmpty, let head, head.hasPrefix("refs/heads/") {
            // An empty remote: its HEAD's branch, so a clone checks the memories out.
            return (head, nil)
        }
        let target = configuredRemoteBranch(remote) ?? branch
        guard head == nil, local == nil else { return (target, nil) }
        return (target, "the remote does not say which branch its HEAD names; if a clone of \(Self.redacted(remote.url)) checks nothing out, run there: git symbolic-ref HEAD \(target)")
    }

    /// Pulls, then pushes (pulling again if the remote moved in between).
    public func sync(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard, acceptForgets: Bool = false) throws -> (pull: PullResult, push: PushResult) {
        let pulled = try pull(remote: name, credentials: credentials, limits: limits, acceptForgets: acceptForgets)
        let pushed = try push(remote: name, credentials: credentials, limits: limits, acceptForgets: acceptForgets)
        return (pulled, pushed)
    }

    func mergeMessage(remote: String, url: String, theirs: ObjectID, outcome: MergeOutcome) -> String {
        var lines = ["Merge \(outcome.added.count) new memories from \(remote)"]
        if !outcome.added.isEmpty || !outcome.removed.isEmpty || !outcome.conflicts.isEmpty {
            lines.append("")
            for id in outcome.added.prefix(50) { lines.append("+ \(id.rawValue)") }
            if outcome.added.count > 50 { lines.append("+ … and \(outcome.added.count - 50) more") }
            for id in outcome.removed.prefix(50) { lines.append("- \(id.rawValue)") }
            if outcome.removed.count > 50 { lines.append("- … and \(outcome.removed.count - 50) more") }
            for conflict in outcome.conflicts.prefix(50) { lines.append("! \(conflict.description)") }
        }
        lines += ["", "Mnem-Remote: \(remote)", "Mnem-Remote-URL: \(url)", "Mnem-Remote-Commit: \(theirs.hex)"]
        // A token in the URL's query would otherwise be pushed to every teammate.
        return SecretCheck.redacted(lines.joined(separator: "\n") + "\n")
    }

    /// A URL without the user name and password, fit for commit messages and output.
    public static func redacted(_ url: String) -> String {
        guard url.contains("://"), var components = URLComponents(string: url), components.password != nil || components.user != nil,
            components.scheme?.hasPrefix("http") == true
        else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}
