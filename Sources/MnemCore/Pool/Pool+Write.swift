import Foundation
import MnemGit

/// Who is writing and why: becomes the commit's author, message and audit trailers.
public struct CommitInfo: Sendable {
    public var author: Signature?
    public var summary: String
    /// Extra trailers (`key`, `value`), after the ones derived from the memories' sources.
    public var trailers: [(String, String)]

    public init(summary: String, author: Signature? = nil, trailers: [(String, String)] = []) {
        self.summary = summary
        self.author = author
        self.trailers = trailers
    }
}

/// What a write did.
public struct WriteResult: Sendable {
    /// The commit made, or nil when nothing changed.
    public var commit: ObjectID?
    public var added: [MemoryID]
    public var unchanged: [MemoryID]
    public var removed: [MemoryID]
    /// How many times the write was rebuilt because another writer moved the branch first.
    public var retries: Int
}

extension Pool {
    /// How many lost compare-and-swap races a write survives before giving up.
    static let maxAttempts = 200

    /// Adds memories in one commit. Memories already in the pool are left as they are.
    ///
    /// Blobs are written once; only the tree and commit are rebuilt when another writer wins a race.
    /// - Returns: the commit (nil if every memory was already there) and what was added.
    public func add(_ memories: [Memory], info: CommitInfo) throws -> WriteResult {
        try apply(adding: memories, removing: [], info: info)
    }

    /// Removes memories from the tip in one commit; history keeps them.
    /// - Returns: the commit (nil if none was there), what was removed, and as `unchanged` the ids
    ///   that were not at the tip.
    public func forget(_ ids: [MemoryID], info: CommitInfo) throws -> WriteResult {
        var result = try apply(adding: [], removing: ids, info: info)
        let removed = Set(result.removed)
        result.unchanged = ids.filter { !removed.contains($0) }
        return result
    }

    /// Adds some memories and removes others from the tip in one commit (history keeps the removed).
    ///
    /// This is how a memory is replaced: the new one, which names the old in `supersedes`, lands
    /// in the same commit that forgets the old, so the tip never shows both or neither.
    /// - Returns: the commit (nil when nothing changed), what was added, and what was removed.
    public func apply(adding memories: [Memory], removing ids: [MemoryID], info: CommitInfo) throws -> WriteResult {
        var unique: [MemoryID: Memory] = [:]
        var order: [MemoryID] = []
        for memory in memories where unique[memory.id] == nil {
            unique[memory.id] = memory
            order.append(memory.id)
        }
        let adding = Set(order)
        let removing = Array(Set(ids).subtracting(adding)).sorted()
        // Blobs are written once, for the memories the tip lacks, and reused if a lost race
        // makes us rebuild the tree.
        var blobs: [MemoryID: ObjectID] = [:]
        let progress = WorkProgress.start("writing memories", total: order.count)
        defer { progress.finish() }
        return try transact(info: info, memories: order.compactMap { unique[$0] }) { tree throws -> ([TreeEdit], WriteResult) in
            var result = WriteResult(commit: nil, added: [], unchanged: [], removed: [], retries: 0)
            var edits: [TreeEdit] = []
            var missing: [Memory] = []
            for id in order {
                guard let memory = unique[id] else { continue }
                if let tree, try repository.treeEntry(atPath: memory.path, in: tree) != nil {
                    result.unchanged.append(id)
                } else {
                    missing.append(memory)
                    result.added.append(id)
                }
                progress.advance()
            }
            let unwritten = missing.filter { blobs[$0.id] == nil }
            let written = try repository.writeBlobs(try unwritten.parallelMap { $0.canonicalBytes() })
            for (memory, blob) in zip(unwritten, written) { blobs[memory.id] = blob }
            edits += missing.compactMap { memory in blobs[memory.id].map { TreeEdit.upsert(path: memory.path, blob: $0) } }
            for id in removing {
                if let tree, let path = try self.path(of: id, in: tree) {
                    edits.append(.remove(path: path))
                    result.removed.append(id)
                }
            }
            return (edits, result)
        }
    }

    /// The write loop: read the tip, compute the edits against its tree, commit, compare-and-swap.
    func transact(
        info: CommitInfo, memories: [Memory], edits makeEdits: (ObjectID?) throws -> ([TreeEdit], WriteResult)
    ) throws -> WriteResult {
        let author = info.author ?? defaultAuthor()
        let session = try beginWriting()
        defer { session.end() }
        var attempt = 0
        var unseen = 0
        while true {
            let parent = try tip()
            var baseTree: ObjectID?
            var edits: [TreeEdit]
            var result: WriteResult
            let commit: ObjectID
            do {
                if let parent { baseTree = try repository.commit(parent).tree }
                (edits, result) = try makeEdits(baseTree)
                result.retries = attempt
                if edits.isEmpty { return result }
                let newTree = try repository.buildTree(base: baseTree, edits: edits)
                if newTree == baseTree { return result }
                let message = Self.commitMessage(info: info, result: result, memories: memories)
                commit = try repository.createCommit(
                    tree: newTree, parents: parent.map { [$0] } ?? [], author: author, committer: author, message: message)
            } catch let error as GitError where error.isNotFound && unseen < 5 {
                // The tip's objects moved into a new pack while this handle looked for them (see
                // `compactStorage`): look at the pack directory again and start over.
                unseen += 1
                repository.refreshObjects()
                continue
            }
            if try !moveBranch(to: commit, expected: parent, summary: info.summary) {
                attempt += 1
                guard attempt < Self.maxAttempts else {
                    throw PoolError("gave up after \(attempt) attempts: \(branch) in \(path) kept moving under us")
                }
                // Back off a little, with jitter, so racing writers stop colliding in lockstep.
                usleep(UInt32.random(in: 200...(2_000 * UInt32(min(attempt, 20)))))
                continue
            }
            result.commit = commit
            if !repository.isBare { try syncWorkTree() }
            maintainStorage(after: commit)
            return result
        }
    }

    /// Compare-and-swap of the branch; false when another writer moved it first.
    ///
    /// A lock file on the branch (`refs/heads/main.lock`) is waited for, and reclaimed when a
    /// killed process left it (`LockWait`), instead of counting as a lost race forever.
    public func moveBranch(to commit: ObjectID, expected: ObjectID?, summary: String) throws -> Bool {
        do {
            try healingLocks(fallbackLock: repository.gitDirectory + branch + ".lock") {
                try repository.compareAndSwapReference(branch, to: commit, expected: expected, logMessage: "mnem: \(summary)")
            }
            return true
        } catch let error as GitError where error.isModified {
            return false
        }
    }

    /// Brings a pool's work tree and index to the branch tip, serialized across processes.
    ///
    /// The serializing lock is an `flock`, which dies with its process; a live process that keeps
    /// it past `Pool.lockWaitLimit` is named in the error. A stale `index.lock` is healed.
    func syncWorkTree() throws {
        let lockPath = repository.gitDirectory + "mnem-worktree.lock"
        let fd = Glibc.open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PoolError("cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let started = Date()
        var pause: useconds_t = 1_000
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw PoolError("cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
            if Date().timeIntervalSince(started) > Self.lockWaitLimit {
                let holder = Self.flockHolder(of: fd).map { " by process \($0)" } ?? ""
                throw PoolError("\(lockPath) is held\(holder) for more than \(Int(Self.lockWaitLimit)) s; if that process hangs, stop it (the lock goes with it)")
            }
            usleep(pause)
            pause = min(pause * 2, 100_000)
        }
        defer { flock(fd, LOCK_UN) }
        guard let tree = try tipTree() else { return }
        try healingLocks(fallbackLock: repository.gitDirectory + "index.lock") {
            try repository.checkout(tree: tree, baseline: try repository.indexTree())
        }
    }

    /// The process holding an `flock` on the file open as `fd`, from `/proc/locks`.
    static func flockHolder(of fd: Int32) -> Int32? {
        var info = stat()
        guard fstat(fd, &info) == 0, let locks = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        for line in locks.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "FLOCK" else { continue }
            let device = fields[5].split(separator: ":")
            guard device.count == 3, UInt64(device[2]) == UInt64(info.st_ino) else { continue }
            return Int32(fields[4])
        }
        return nil
    }

    /// The commit author: `MNEM_AUTHOR_NAME`/`MNEM_AUTHOR_EMAIL`, else git's configuration, else the login.
    public func defaultAuthor(environment: [String: String] = ProcessInfo.processInfo.environment) -> Signature {
        let env = environment
        if let name = env["MNEM_AUTHOR_NAME"], !name.isEmpty {
            return Signature(name: name, email: env["MNEM_AUTHOR_EMAIL"] ?? "\(name)@localhost")
        }
        if let configured = repository.defaultSignature() { return Signature(name: configured.name, email: configured.email) }
        return Self.environmentAuthor(env)
    }

    /// Whether commits have an identity someone chose (`MNEM_AUTHOR_NAME`, git's `user.name` and
    /// `user.email`, or `GIT_AUTHOR_NAME`), rather than one made up from the login.
    public func hasChosenIdentity(environment env: [String: String]) -> Bool {
        env["MNEM_AUTHOR_NAME"].map { !$0.isEmpty } ?? false || env["GIT_AUTHOR_NAME"].map { !$0.isEmpty } ?? false
            || repository.defaultSignature() != nil
    }

    /// The user as the environment names them when git has no identity: git's own variables,
    /// then the login and the account's full name, so a commit never reads `mnem <mnem@host>`.
    static func environmentAuthor(_ env: [String: String]) -> Signature {
        func value(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        var login = value("USER") ?? value("LOGNAME")
        var fullName: String?
        if let entry = getpwuid(getuid()), let accountName = entry.pointee.pw_name.map({ String(cString: $0) }) {
            if login == nil { login = accountName }
            // The account's full name, when the environment names the same account.
            if login == accountName, let gecos = entry.pointee.pw_gecos {
                let first = String(cString: gecos).split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                if !first.isEmpty { fullName = first }
            }
        }
        let user = login ?? "mnem"
        let host = ProcessInfo.processInfo.hostName
        let name = value("GIT_AUTHOR_NAME") ?? value("GIT_COMMITTER_NAME") ?? fullName ?? user
        let email = value("GIT_AUTHOR_EMAIL") ?? value("GIT_COMMITTER_EMAIL") ?? value("EMAIL") ?? "\(user)@\(host.isEmpty ? "localhost" : host)"
        return Signature(name: name, email: email)
    }

    /// The message of a write: the summary, a line per memory added or removed, the trailers.
    ///
    /// Built from redacted text, since history outlives `forget`: each task is redacted before it
    /// is cut to 60 characters (a cut can leave a credential unrecognizable but still there), and
    /// the whole message once more.
    static func commitMessage(info: CommitInfo, result: WriteResult, memories: [Memory]) -> String {
        var lines = [info.summary]
        let addedSet = Set(result.added)
        let added = memories.filter { addedSet.contains($0.id) }
        if !added.isEmpty || !result.removed.isEmpty {
            lines.append("")
            for memory in added.prefix(50) {
                lines.append("+ \(memory.kind.rawValue) \(memory.id.rawValue) \(SecretCheck.redacted(memory.task).firstLine(limit: 60))")
            }
            if added.count > 50 { lines.append("+ … and \(added.count - 50) more") }
            for id in result.removed.prefix(50) { lines.append("- \(id.rawValue)") }
            if result.removed.count > 50 { lines.append("- … and \(result.removed.count - 50) more") }
        }
        var trailers: [(String, String)] = []
        func collect(_ key: String, _ values: [String?]) {
            var seen = Set<String>()
            for value in values.compactMap({ $0 }) where !value.isEmpty && seen.insert(value).inserted && seen.count <= 10 {
                trailers.append((key, value.firstLine(limit: 120)))
            }
        }
        collect("Mnem-Agent", added.map(\.source.agent))
        collect("Mnem-Model", added.map(\.source.model))
        collect("Mnem-Session", added.map(\.source.sessionId))
        trailers.append(contentsOf: info.trailers)
        if !trailers.isEmpty {
            lines.append("")
            for (key, value) in trailers { lines.append("\(key): \(value)") }
        }
        return SecretCheck.redacted(lines.joined(separator: "\n") + "\n")
    }
}

extension String {
    /// The first line, cut to `limit` characters with an ellipsis.
    public func firstLine(limit: Int) -> String {
        let line = split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.count > limit ? String(trimmed.prefix(limit - 1)) + "…" : trimmed
    }
}
