import Foundation
import MnemCore
import MnemGit

/// A commit as the site shows it: copied out of the repository once, shared by every memory it touched.
struct CommitSummary: Sendable {
    var id: String
    var author: String
    var email: String
    /// ISO 8601, UTC.
    var date: String
    var time: Date
    var summary: String
    /// `Code-Commit` and `Code-Repository` (a capture by a git hook) when the message has them.
    var trailers: [(key: String, value: String)]

    static let shownTrailers = ["Code-Commit", "Code-Repository"]

    init(_ commit: Commit) {
        id = commit.id.hex
        author = commit.author.name
        email = commit.author.email
        time = commit.author.time
        date = ExportCatalog.iso(commit.author.time)
        summary = commit.message.firstLine(limit: 200)
        trailers = []
        for line in commit.message.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            guard Self.shownTrailers.contains(key) else { continue }
            trailers.append((key, line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
    }
}

/// How a memory reached this pool from a teammate's remote: the pull that brought it in.
struct ArrivalRecord: Sendable {
    var remote: String
    var url: String
    /// Index into `ExportCatalog.commits`.
    var commit: Int
    var fastForward: Bool
}

/// Everything the site shows, gathered in one pass over the pool: memories, the links between
/// them in both directions, the commit that added each, the pulls that brought them in, and feedback.
///
/// - Complexity: one read of every memory and feedback file at the tip, one walk of the history
///   with one tree diff per commit (proportional to what it changed) and one per reflog pull.
struct ExportCatalog: Sendable {
    /// The memories at the tip, in the order the index lists them: most abstract kind first,
    /// then most recently added, then id.
    var memories: [Memory]
    var position: [MemoryID: Int]
    /// Reverse `derivedFrom`: the memories made from this one.
    var derivedInto: [MemoryID: [MemoryID]]
    /// Reverse `supersedes`.
    var supersededBy: [MemoryID: [MemoryID]]
    var commits: [CommitSummary]
    /// The oldest commit that added the memory's file without merging it in.
    var addedIn: [MemoryID: Int]
    var arrivals: [MemoryID: [ArrivalRecord]]
    var feedback: [MemoryID: [Feedback]]
    /// Files under `memories/` or `feedback/` that failed to read or validate: reported, skipped.
    var skipped: [(path: String, reason: String)]
    var tip: CommitSummary?
    var branch: String

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func load(_ pool: Pool) throws -> ExportCatalog {
        let repository = pool.repository
        var skipped: [(path: String, reason: String)] = []

        // Blobs are read on this thread (one libgit2 handle), parsed and validated on all cores.
        let entries = try pool.entries()
        var blobs: [(path: String, bytes: [UInt8])] = []
        blobs.reserveCapacity(entries.count)
        for entry in entries {
            do {
                blobs.append((entry.path, try repository.readBlob(entry.blob)))
            } catch {
                skipped.append((entry.path, "unreadable: \(error)"))
            }
        }
        let parsed: [Result<Memory, PoolError>] = try blobs.parallelMap { blob in
            do {
                let json = try blob.bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
                return .success(try Memory(json: json, idPolicy: .mustMatch))
            } catch let error as JSONParseError {
                return .failure(PoolError(error.description))
            } catch let error as MemoryValidationError {
                return .failure(PoolError(error.description))
            }
        }
        var memories: [Memory] = []
        memories.reserveCapacity(parsed.count)
        for (n, result) in parsed.enumerated() {
            switch result {
            case .success(let memory): memories.append(memory)
            case .failure(let error): skipped.append((blobs[n].path, error.message))
            }
        }
        blobs = []

        let atTip = Set(memories.map(\.id))
        var commits: [CommitSummary] = []
        var addedIn: [MemoryID: Int] = [:]
        var arrivals: [MemoryID: [ArrivalRecord]] = [:]
        var tipSummary: CommitSummary?
        if let tip = try pool.tip() {
            var walk = try RevisionWalk(repository, from: [tip])
            while let commitID = try walk.next() {
                let commit = try repository.commit(commitID)
                let summary = CommitSummary(commit)
                if commitID == tip { tipSummary = summary }
                if commit.parents.count > 1 {
                    // A pull's merge: what its first parent (this pool's side) lacked arrived from the remote.
                    guard let remote = commit.trailer("Mnem-Remote") else { continue }
                    let base = try repository.commit(commit.parents[0]).tree
                    let added = try addedMemories(repository.changedFiles(base, commit.tree), atTip)
                    guard !added.isEmpty else { continue }
                    commits.append(summary)
                    for id in added {
                        arrivals[id, default: []].append(
                            ArrivalRecord(remote: remote, url: commit.trailer("Mnem-Remote-URL") ?? "", commit: commits.count - 1, fastForward: false))
                    }
                    continue
                }
                let parentTree = try commit.parents.first.map { (p) throws(GitError) in try repository.commit(p).tree }
                let added = try addedMemories(repository.changedFiles(parentTree, commit.tree), atTip)
                guard !added.isEmpty else { continue }
                commits.append(summary)
                // Newest first: an older commit that added the same memory replaces a newer one.
                for id in added { addedIn[id] = commits.count - 1 }
            }
            try addFastForwardPulls(pool, atTip: atTip, commits: &commits, arrivals: &arrivals)
        }

        var feedback: [MemoryID: [Feedback]] = [:]
        if let tree = try pool.tipTree(), let top = try repository.treeEntry(atPath: Feedback.root, in: tree), top.mode == .tree {
            try repository.walkBlobs(top.id, prefix: Feedback.root) { path, entry in
                guard Feedback.parsePath(path) != nil else {
                    skipped.append((path, "not a feedback file name"))
                    return
                }
                do {
                    let report = try Feedback(json: try JSONParser.parse(Data(try repository.readBlob(entry.id))))
                    feedback[report.memory, default: []].append(report)
                } catch {
                    skipped.append((path, "\(error)"))
                }
            }
            for key in feedback.keys { feedback[key]?.sort { $0.createdAt > $1.createdAt } }
        }

        var derivedInto: [MemoryID: [MemoryID]] = [:]
        var supersededBy: [MemoryID: [MemoryID]] = [:]
        for memory in memories {
            for parent in memory.derivedFrom { derivedInto[parent, default: []].append(memory.id) }
            for old in memory.supersedes { supersededBy[old, default: []].append(memory.id) }
        }

        let addedTime: (MemoryID) -> Date = { addedIn[$0].map { commits[$0].time } ?? .distantPast }
        memories.sort { a, b in
            if a.kind != b.kind { return a.kind > b.kind }
            let (ta, tb) = (addedTime(a.id), addedTime(b.id))
            if ta != tb { return ta > tb }
            return a.id < b.id
        }
        var position: [MemoryID: Int] = [:]
        position.reserveCapacity(memories.count)
        for (n, memory) in memories.enumerated() { position[memory.id] = n }
        return ExportCatalog(
            memories: memories, position: position, derivedInto: derivedInto, supersededBy: supersededBy, commits: commits,
            addedIn: addedIn, arrivals: arrivals, feedback: feedback, skipped: skipped, tip: tipSummary,
            branch: pool.branch.hasPrefix("refs/heads/") ? String(pool.branch.dropFirst("refs/heads/".count)) : pool.branch)
    }

    /// The memories at the tip that `deltas` adds.
    static func addedMemories(_ deltas: [TreeDelta], _ atTip: Set<MemoryID>) -> [MemoryID] {
        deltas.compactMap { delta in
            guard delta.status == .added, let id = MemoryPath.parse(delta.path)?.id, atTip.contains(id) else { return nil }
            return id
        }
    }

    /// Pulls that fast-forwarded made no merge commit; the branch's reflog (local, kept from the
    /// first pull on) has a `mnem: pull NAME URL (fast-forward)` line whose move added the files.
    static func addFastForwardPulls(
        _ pool: Pool, atTip: Set<MemoryID>, commits: inout [CommitSummary], arrivals: inout [MemoryID: [ArrivalRecord]]
    ) throws {
        let repository = pool.repository
        let marker = "mnem: pull "
        for entry in (try? repository.reflog(pool.branch)) ?? [] where entry.message.hasPrefix(marker) && entry.message.hasSuffix("(fast-forward)") {
            let words = entry.message.dropFirst(marker.count).split(separator: " ")
            guard words.count == 3, repository.hasObject(entry.new) else { continue }
            let newCommit = try repository.commit(entry.new)
            let oldTree = !entry.old.isZero && repository.hasObject(entry.old) ? try repository.commit(entry.old).tree : nil
            let added = try addedMemories(repository.changedFiles(oldTree, newCommit.tree), atTip)
            guard !added.isEmpty else { continue }
            commits.append(CommitSummary(newCommit))
            for id in added {
                arrivals[id, default: []].append(
                    ArrivalRecord(remote: String(words[0]), url: String(words[1]), commit: commits.count - 1, fastForward: true))
            }
        }
    }

    // MARK: - Lookups for the pages

    func memory(_ id: MemoryID) -> Memory? { position[id].map { memories[$0] } }

    /// The sessions, agents and models behind `memory`: its own source and those of everything
    /// it was derived from, transitively (cycles and repeats visited once).
    ///
    /// - Complexity: proportional to the memories reached, at most `limit`.
    func origins(of memory: Memory, limit: Int = 2_000) -> Origins {
        var origins = Origins()
        var seen: Set<MemoryID> = [memory.id]
        var queue = memory.derivedFrom
        var head = 0
        while head < queue.count, seen.count < limit {
            let id = queue[head]
            head += 1
            guard seen.insert(id).inserted else { continue }
            guard let parent = self.memory(id) else {
                origins.missing += 1
                continue
            }
            origins.add(parent)
            queue.append(contentsOf: parent.derivedFrom)
        }
        origins.truncated = head < queue.count
        return origins
    }
}

/// Who and what a memory comes from, counted over the memories it was derived from.
struct Origins: Sendable {
    var sessions: [String: Int] = [:]
    var agents: [String: Int] = [:]
    var models: [String: Int] = [:]
    var kinds: [MemoryKind: Int] = [:]
    /// Memories named in `derivedFrom` that are no longer at the tip.
    var missing = 0
    var truncated = false

    mutating func add(_ memory: Memory) {
        kinds[memory.kind, default: 0] += 1
        if let session = memory.source.sessionId { sessions[session, default: 0] += 1 }
        if let agent = memory.source.agent { agents[agent, default: 0] += 1 }
        for model in Set(memory.source.models + (memory.source.model.map { [$0] } ?? [])) { models[model, default: 0] += 1 }
    }

    var isEmpty: Bool { kinds.isEmpty && missing == 0 }
}
