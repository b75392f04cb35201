import Foundation
import MnemGit

/// Bounds on what a pull accepts from a remote before it reads anything large.
public struct SyncLimits: Sendable {
    /// The largest memory file accepted, checked from the object header before the blob is read.
    public var maxBlobBytes: Int
    /// The most new commits one pull walks.
    public var maxCommits: Int
    /// The most changed tree entries one pull inspects.
    public var maxEntries: Int

    public init(maxBlobBytes: Int = 1 << 20, maxCommits: Int = 200_000, maxEntries: Int = 2_000_000) {
        self.maxBlobBytes = maxBlobBytes
        self.maxCommits = maxCommits
        self.maxEntries = maxEntries
    }

    public static let standard = SyncLimits()
}

/// One thing a remote sent that a pool does not accept, and why.
public struct InvalidEntry: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is, for programs; `reason` says it for people.
    public enum Problem: String, Sendable, Hashable {
        /// Too many commits, or a commit that cannot be read.
        case history
        /// Too many entries, or a tree that cannot be read.
        case tree
        /// Escapes the pool, absolute, `.git`, control characters, or not a memory path.
        case path
        /// A symlink, submodule, executable or other non-regular file.
        case mode
        /// Larger than the limit (from the object header) or missing.
        case size
        case json
        /// Valid JSON but not a valid memory.
        case schema
        /// The content's id or kind is not the one the path names.
        case identity
        /// The content holds a credential (named by kind and field, never by value).
        case secret
    }

    /// The tree path, or `(history)` / `(tree)` for problems that are not one file's.
    public var path: String
    public var problem: Problem
    public var reason: String

    public init(path: String, problem: Problem, reason: String) {
        self.path = path
        self.problem = problem
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// A pull refused because the remote's tip holds entries a pool does not accept.
///
/// Nothing it fetched reached the pool's branch, index or work tree; the fetched objects are
/// only reachable from a quarantine reference that was deleted again.
public struct PullRejectedError: Error, Sendable, CustomStringConvertible {
    public var remote: String
    public var url: String
    public var remoteTip: ObjectID
    public var invalid: [InvalidEntry]

    public var description: String {
        let shown = invalid.prefix(20).map(\.description).joined(separator: "; ")
        let more = invalid.count > 20 ? "; … and \(invalid.count - 20) more" : ""
        return "pull from \(remote) (\(url)) rejected, nothing changed: \(invalid.count) invalid \(invalid.count == 1 ? "entry" : "entries") at \(remoteTip.hex.prefix(12)): \(shown)\(more)"
    }
}

extension Pool {
    /// Checks everything a remote tip would bring into the pool, before any of it reaches the branch.
    ///
    /// Only what differs between `base` (the merge base, or nothing) and `theirs` is inspected:
    /// whatever is the same as in the base is already part of this pool's history. Each added
    /// or changed entry must be a regular, non-executable file at `memories/<kind>/<2 hex>/<id>.json`
    /// (no symlinks, submodules, `..`, absolute or `.git` paths), at most `limits.maxBlobBytes`
    /// (read from the object header first), valid JSON, a valid memory under
    /// `Memory(json:idPolicy: .mustMatch)`, whose kind and id are the ones its path names.
    /// Deletions need no check. The walk of new commits and the number of entries are capped.
    ///
    /// - Returns: the validated changes from `base` to `theirs`, and the problems found (empty when all is well).
    /// - Complexity: proportional to the changed entries; each changed blob is read once.
    func validateIncoming(base: ObjectID?, ours: ObjectID?, theirs: ObjectID, limits: SyncLimits) throws -> (deltas: [TreeDelta], invalid: [InvalidEntry]) {
        var invalid: [InvalidEntry] = []
        var walk = try RevisionWalk(repository, from: [theirs], hiding: ours.map { [$0] } ?? [])
        var commits = 0
        var newCommits: [ObjectID] = []
        do {
            while let id = try walk.next() {
                newCommits.append(id)
                commits += 1
                if commits > limits.maxCommits {
                    return ([], [InvalidEntry(path: "(history)", problem: .history, reason: "more than \(limits.maxCommits) new commits")])
                }
            }
        } catch {
            return ([], [InvalidEntry(path: "(history)", problem: .history, reason: "unreadable commit: \(error.description)")])
        }
        let deltas: [TreeDelta]
        do {
            let baseTree = try base.map { (id) throws(GitError) in try repository.commit(id).tree }
            let theirTree = try repository.commit(theirs).tree
            deltas = try repository.changedFiles(baseTree, theirTree, maxDeltas: limits.maxEntries)
        } catch {
            return ([], [InvalidEntry(path: "(tree)", problem: .tree, reason: error.description)])
        }
        invalid += incomingMessageProblems(newCommits, source: repository)
        for delta in deltas where delta.status != .deleted {
            if let (problem, reason) = checkIncoming(path: delta.path, mode: delta.newMode, blob: delta.newID, limits: limits) {
                invalid.append(InvalidEntry(path: delta.path, problem: problem, reason: reason))
            }
        }
        return (deltas, invalid)
    }

    /// Why one incoming entry is refused, or nil if it is a valid memory file.
    func checkIncoming(path: String, mode: FileMode, blob: ObjectID, limits: SyncLimits) -> (InvalidEntry.Problem, String)? {
        if let reason = Self.pathProblem(path) { return (.path, reason) }
        switch mode {
        case .blob: break
        case .symlink: return (.mode, "symbolic link")
        case .submodule: return (.mode, "submodule (gitlink)")
        case .executable: return (.mode, "executable file")
        case .tree: return (.mode, "directory where a file belongs")
        case .unknown: return (.mode, "unsupported file mode")
        }
        let feedbackPath = Feedback.parsePath(path)
        let memoryPath = MemoryPath.parse(path)
        if feedbackPath == nil && memoryPath == nil {
            return (.path, "not a memory path (expected \(MemoryPath.root)/<kind>/<2 hex>/<id>.json or \(Feedback.root)/<2 hex>/<memory id>/<id>.json)")
        }
        let size: Int
        do { size = try repository.objectSize(blob) } catch { return (.size, "missing object \(blob.hex.prefix(12))") }
        guard size <= limits.maxBlobBytes else { return (.size, "\(size) bytes, more than the limit of \(limits.maxBlobBytes)") }
        let bytes: [UInt8]
        do { bytes = try repository.readBlob(blob) } catch { return (.size, "unreadable blob \(blob.hex.prefix(12))") }
        let json: JSONValue
        do {
            json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
        } catch {
            return (.json, error.description)
        }
        if let secret = incomingSecretProblem(bytes: bytes, json: json) { return secret }
        if let (memoryID, feedbackID) = feedbackPath {
            let feedback: Feedback
            do { feedback = try Feedback(json: json) } catch { return (.schema, "invalid feedback: \(error.description)") }
            if feedback.memory != memoryID { return (.identity, "feedback about \(feedback.memory.short) filed under \(memoryID.short)") }
            if feedback.id != feedbackID { return (.identity, "content id \(feedback.id) does not match the file name") }
            return nil
        }
        guard let (kind, id) = memoryPath else { return (.path, "not a memory path") }
        let memory: Memory
        do { memory = try Memory(json: json, idPolicy: .mustMatch) } catch {
            return (error.field == "id" ? .identity : .schema, "invalid memory: \(error.description)")
        }
        if memory.kind != kind { return (.identity, "a \(memory.kind.rawValue) memory under the \(kind.rawValue) directory") }
        if memory.id != id { return (.identity, "content id \(memory.id.rawValue) does not match the file name") }
        return nil
    }

    /// Why a path can never be a pool file, whatever its content: escapes, absolute paths, `.git`.
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        if path.hasPrefix("/") { return "absolute path" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { return "empty path component" }
            if component == ".." || component == "." { return "path escapes the pool ('\(component)' component)" }
            if component.lowercased() == ".git" { return "names a .git directory" }
            if component.utf8.contains(where: { $0 < 0x20 || $0 == 0x5C }) { return "control character or backslash in the path" }
        }
        return nil
    }
}
