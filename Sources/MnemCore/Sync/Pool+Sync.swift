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
}

/// What a push did.
public struct PushResult: Sendable {
    public var remote: String
    public var url: String
    /// The commit the remote's branch now names (nil for an empty pool: nothing to push).
    public var pushed: ObjectID?
    /// Pushes the remote refused because it had moved on; each was followed by a pull.
    public var rejections: Int
    /// The pulls made after rejections.
    public var pulls: [PullResult]
}

extension Pool {
    /// Posted (with the pool as object, and `"before"`/`"after"` commit hex strings) after a pull
    /// moved the tip, for derived data such as a search index that prefers to update at once.
    /// The vector sidecar does not need it: it compares its indexed commit with the tip on open.
    public static let tipChangedNotification = Notification.Name("mnem.pool.tipChanged")

    /// How many times a push is refused (and followed by a pull) before giving up.
    public static let maxPushAttempts = 5

    /// The remote-tracking reference for this pool's branch on `remote`.
    func trackingReference(_ remote: String) -> String {
        "refs/remotes/\(remote)/" + branch.replacingOccurrences(of: "refs/heads/", with: "")
    }

    /// Where a pull parks the fetched tip until it is validated; unique per pull, so concurrent
    /// pulls from one remote never read or delete each other's.
    func quarantineReference(_ remote: String) -> String {
        "refs/mnem/incoming/\(remote)/\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The configured remote `name`.
    public func remote(named name: String) throws -> RemoteInfo {
        guard let remote = try repository.remote(named: name) else {
            throw PoolError("no remote '\(name)' in \(path) (add one with 'mnem remote add \(name) URL')")
        }
        return remote
    }

    /// Fetches the remote's pool branch, validates what it brings, and merges it.
    ///
    /// The branch is fetched into a quarantine reference. If any entry fails validation the
    /// quarantine reference is deleted and `PullRejectedError` is thrown: the branch, index and
    /// work tree are untouched. Otherwise the branch fast-forwards when it can, else a merge
    /// commit (ours first, theirs second, `Mnem-Remote` trailers) is made under `mergeTrees`'s
    /// rule; both moves are a compare-and-swap, retried if a local writer moved the branch meanwhile.
    /// - Throws: `PullRejectedError`, `PoolError` for an unknown remote, `GitError` for transport failures.
    public func pull(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard) throws -> PullResult {
        let remote = try self.remote(named: name)
        let quarantine = quarantineReference(name)
        defer { try? repository.removeReference(quarantine) }
        let fetched: ObjectID?
        do {
            fetched = try repository.fetchBranch(
                url: remote.url, branch: branch, into: quarantine, credentials: credentials, maxCommits: limits.maxCommits)
        } catch {
            throw PoolError("fetch from \(name) (\(Self.redacted(remote.url))) failed: \(error.message)")
        }
        var result = PullResult(
            remote: name, url: Self.redacted(remote.url), mode: .remoteEmpty, remoteTip: nil, before: try tip(), after: try tip(),
            mergeCommit: nil, added: [], removed: [], unchanged: 0, conflicts: [], retries: 0)
        guard let theirs = fetched else { return result }
        result.remoteTip = theirs
        var attempt = 0
        while true {
            let ours = try tip()
            result.before = ours
            if let ours, try repository.isAncestor(theirs, of: ours) {
                result.mode = .upToDate
                result.after = ours
                try repository.setReference(trackingReference(name), to: theirs, logMessage: "mnem: pull \(name)")
                return result
            }
            let base = try ours.flatMap { (ours) throws(GitError) in try repository.mergeBase(ours, theirs) }
            let (deltas, invalid) = try validateIncoming(base: base, ours: ours, theirs: theirs, limits: limits)
            if !invalid.isEmpty {
                throw PullRejectedError(remote: name, url: result.url, remoteTip: theirs, invalid: invalid)
            }
            let newTip: ObjectID
            if let ours, base != ours {
                result.mode = .merged
                let baseTree = try base.map { (id) throws(GitError) in try repository.commit(id).tree }
                let outcome = try mergeTrees(base: baseTree, ours: try repository.commit(ours).tree, theirDeltas: deltas)
                result.added = outcome.added
                result.removed = outcome.removed
                result.unchanged = outcome.unchanged
                result.conflicts = outcome.conflicts
                let author = defaultAuthor()
                newTip = try repository.createCommit(
                    tree: outcome.tree, parents: [ours, theirs], author: author, committer: author,
                    message: mergeMessage(remote: name, url: result.url, theirs: theirs, outcome: outcome))
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
            if try moveBranch(to: newTip, expected: ours, summary: "pull \(name) \(result.url) (\(result.mode.rawValue))") {
                result.after = newTip
                result.retries = attempt
                break
            }
            attempt += 1
            guard attempt < Self.maxAttempts else {
                throw PoolError("pull from \(name) gave up after \(attempt) attempts: \(branch) in \(path) kept moving")
            }
        }
        try repository.setReference(trackingReference(name), to: theirs, logMessage: "mnem: pull \(name)")
        if !repository.isBare { try syncWorkTree() }
        NotificationCenter.default.post(
            name: Self.tipChangedNotification, object: self,
            userInfo: ["before": result.before?.hex ?? "", "after": result.after?.hex ?? ""])
        return result
    }

    /// Pushes the pool's branch to `remote`, never forcing.
    ///
    /// When the remote refuses because it moved on, the pool pulls (validating and merging what
    /// the remote gained) and pushes again, at most `maxPushAttempts` times.
    /// - Throws: `PullRejectedError` when the remote's new commits are invalid, `PoolError` otherwise.
    public func push(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard) throws -> PushResult {
        let remote = try self.remote(named: name)
        var result = PushResult(remote: name, url: Self.redacted(remote.url), pushed: nil, rejections: 0, pulls: [])
        while true {
            guard let tip = try tip() else { return result }
            do {
                try repository.push(url: remote.url, refspecs: ["\(branch):\(branch)"], credentials: credentials)
                try repository.setReference(trackingReference(name), to: tip, logMessage: "mnem: push \(name)")
                result.pushed = tip
                return result
            } catch let error where error.isPushRejected {
                result.rejections += 1
                guard result.rejections < Self.maxPushAttempts else {
                    throw PoolError("push to \(name) (\(result.url)) refused \(result.rejections) times: \(error.message)")
                }
                result.pulls.append(try pull(remote: name, credentials: credentials, limits: limits))
            } catch {
                throw PoolError("push to \(name) (\(result.url)) failed: \(error.message)")
            }
        }
    }

    /// Pulls, then pushes (pulling again if the remote moved in between).
    public func sync(remote name: String, credentials: RemoteCredentials, limits: SyncLimits = .standard) throws -> (pull: PullResult, push: PushResult) {
        let pulled = try pull(remote: name, credentials: credentials, limits: limits)
        let pushed = try push(remote: name, credentials: credentials, limits: limits)
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
