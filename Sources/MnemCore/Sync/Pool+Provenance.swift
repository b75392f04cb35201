import Foundation
import MnemGit

/// A merge through which a memory reached this pool from a remote.
public struct Arrival: Sendable {
    public var commit: Commit
    public var remote: String
    public var url: String
}

extension Pool {
    /// The merges that brought `id` in from a remote: merge commits with a `Mnem-Remote` trailer
    /// whose first parent (this pool's side) lacked the memory and whose tree has it.
    ///
    /// A pull that fast-forwarded made no merge commit; for it the branch's reflog (local, kept
    /// from the first pull on) has a `mnem: pull NAME URL (fast-forward)` line whose move added the file.
    /// - Complexity: one walk of the history and of the reflog; trees are looked up only for pull merges and pull moves.
    public func arrivals(of id: MemoryID) throws -> [Arrival] {
        guard let tip = try tip() else { return [] }
        let paths = MemoryKind.allCases.map { MemoryPath.path(kind: $0, id: id) }
        func has(_ tree: ObjectID) throws(GitError) -> Bool {
            for path in paths where try repository.treeEntry(atPath: path, in: tree) != nil { return true }
            return false
        }
        var walk = try RevisionWalk(repository, from: [tip])
        var out: [Arrival] = []
        while let commitID = try walk.next() {
            let commit = try repository.commit(commitID)
            guard commit.parents.count > 1, let remote = commit.trailer("Mnem-Remote") else { continue }
            guard try has(commit.tree), try !has(repository.commit(commit.parents[0]).tree) else { continue }
            out.append(Arrival(commit: commit, remote: remote, url: commit.trailer("Mnem-Remote-URL") ?? ""))
        }
        let marker = "mnem: pull "
        for entry in (try? repository.reflog(branch)) ?? [] where entry.message.hasPrefix(marker) && entry.message.hasSuffix("(fast-forward)") {
            let words = entry.message.dropFirst(marker.count).split(separator: " ")
            guard words.count == 3, repository.hasObject(entry.new) else { continue }
            let newTree = try repository.commit(entry.new).tree
            guard try has(newTree) else { continue }
            if !entry.old.isZero, repository.hasObject(entry.old), try has(repository.commit(entry.old).tree) { continue }
            out.append(Arrival(commit: try repository.commit(entry.new), remote: String(words[0]), url: String(words[1])))
        }
        return out
    }

    /// Who added each memory at the tip: the author of the first commit (oldest) that added its file
    /// without merging it in. Memories whose adding commit is not found map to nothing.
    ///
    /// - Complexity: one walk of the history and one tree diff per non-merge commit, proportional to its change.
    public func authorsOfMemories() throws -> [MemoryID: Signature] {
        guard let tip = try tip() else { return [:] }
        let atTip = Set(try entries().map(\.id))
        var walk = try RevisionWalk(repository, from: [tip])
        var authors: [MemoryID: Signature] = [:]
        while let commitID = try walk.next() {
            let commit = try repository.commit(commitID)
            guard commit.parents.count <= 1 else { continue }
            let parentTree = try commit.parents.first.map { (p) throws(GitError) in try repository.commit(p).tree }
            for delta in try repository.changedFiles(parentTree, commit.tree) where delta.status == .added {
                // Newest first: an older commit that added the same memory overwrites a newer one.
                if let id = MemoryPath.parse(delta.path)?.id, atTip.contains(id) { authors[id] = commit.author }
            }
        }
        return authors
    }
}

extension Commit {
    /// The last value of a `Key: value` trailer in the message, or nil.
    public func trailer(_ key: String) -> String? {
        let prefix = key + ": "
        return message.split(separator: "\n").last(where: { $0.hasPrefix(prefix) }).map { String($0.dropFirst(prefix.count)) }
    }
}
