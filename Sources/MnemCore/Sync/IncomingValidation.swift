import Foundation
import MnemGit

/// Bounds on what a pull accepts from a remote, checked from object headers before anything is read.
public struct SyncLimits: Sendable {
    /// The bounds of the history walk (commits, entries, object sizes, message size, depth).
    public var history: HistoryLimits
    /// The most objects one received pack may claim to hold.
    public var maxPackObjects: Int

    /// The largest file accepted (a memory or any other), checked from the object header.
    public var maxBlobBytes: Int {
        get { history.maxBlobBytes }
        set { history.maxBlobBytes = newValue }
    }
    /// The most new commits one pull walks.
    public var maxCommits: Int {
        get { history.maxCommits }
        set { history.maxCommits = newValue }
    }
    /// The most changed tree entries one pull inspects.
    public var maxEntries: Int {
        get { history.maxEntries }
        set { history.maxEntries = newValue }
    }

    public init(maxBlobBytes: Int = 1 << 20, maxCommits: Int = 200_000, maxEntries: Int = 2_000_000, maxPackObjects: Int = 5_000_000) {
        history = HistoryLimits(maxCommits: maxCommits, maxEntries: maxEntries, maxBlobBytes: maxBlobBytes)
        self.maxPackObjects = maxPackObjects
    }

    public static let standard = SyncLimits()
}

/// One thing a remote sent that a pool does not accept, and why.
public struct InvalidEntry: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem it is, for programs; `reason` says it for people.
    public enum Problem: String, Sendable, Hashable {
        /// Too many commits, a commit that cannot be read or that `git fsck` refuses, a malformed pack.
        case history
        /// Too many entries, or a tree that cannot be read.
        case tree
        /// Escapes the pool, absolute, `.git`-like, control characters, or not a memory path.
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
        /// A memory or feedback file holding a secret (named by its kind, never its value).
        case secret
    }

    /// The tree path, or `(history)` / `(tree)` / `(pack)` for problems that are not one file's.
    public var path: String
    public var problem: Problem
    public var reason: String
    /// The remote's commit that brings it, when it is one commit's.
    public var commit: ObjectID?

    public init(path: String, problem: Problem, reason: String, commit: ObjectID? = nil) {
        self.path = path
        self.problem = problem
        self.reason = reason
        self.commit = commit
    }

    public var description: String {
        "\(path): \(reason)" + (commit.map { " (commit \($0.hex.prefix(12)))" } ?? "")
    }
}

/// A pull refused because the remote's new history holds entries a pool does not accept.
///
/// Nothing it fetched reached the pool: the objects stayed in a quarantine directory that was
/// removed again, and the branch, index and work tree are untouched.
public struct PullRejectedError: Error, Sendable, CustomStringConvertible {
    public var remote: String
    public var url: String
    public var remoteTip: ObjectID
    public var invalid: [InvalidEntry]

    /// The remote as people read it: its name and URL, or the URL alone when it has no name.
    public var source: String { remote == url ? url : "\(remote) (\(url))" }

    public var description: String {
        let shown = invalid.prefix(20).map(\.description).joined(separator: "; ")
        let more = invalid.count > 20 ? "; … and \(invalid.count - 20) more" : ""
        return "pull from \(source) rejected, nothing changed: \(invalid.count) invalid \(invalid.count == 1 ? "entry" : "entries") in the history of \(remoteTip.hex.prefix(12)): \(shown)\(more)"
    }
}

/// What checking a remote's new history found.
struct IncomingCheck {
    var history: IncomingHistory
    var invalid: [InvalidEntry]
    /// Each memory or feedback file read so far, by blob id, so none is read twice.
    var verdicts: [ObjectID: ContentVerdict]
    /// The first new commit found to bring each file, for naming it in a refusal.
    var bringers: [FileKey: ObjectID]
}

/// A file at a path, as a key.
struct FileKey: Hashable {
    var path: String
    var blob: ObjectID
}

/// What one incoming memory or feedback file holds, decoded once per blob id.
struct ContentVerdict {
    enum Decoded {
        case memory(kind: MemoryKind, id: MemoryID)
        case feedback(memory: MemoryID, id: String)
        case refused(InvalidEntry.Problem, String)
    }

    var decoded: Decoded
    /// What `screenIncoming` said about it.
    var screened: (InvalidEntry.Problem, String)?
}

extension Pool {
    /// Checks every commit the remote's tip brings that this pool's history does not hold,
    /// before any of it reaches the pool.
    ///
    /// `MnemGit`'s walk (`checkIncomingHistory`) checks each new commit, and each tree entry it
    /// adds or changes against its first parent, as `git fsck --strict` would (names, modes,
    /// `.git`-like names, commit headers) and by size from the object header (files, trees,
    /// commits, messages); this adds, for every file of every new commit, what is hostile
    /// wherever it is (symbolic links, submodules) and `screenIncoming` for each memory and
    /// feedback file. So a hostile entry is refused even when a later commit removes it again.
    /// Whether each file is a valid memory is checked by `checkIncomingTip`, for what the pull
    /// would merge: a hand edit that a later commit repaired is history, not something to merge.
    /// - Parameters:
    ///   - source: where the remote's objects are read: the remote itself (a path) or a quarantine.
    ///   - ours: the pool's tip; the walk stops at commits its history holds.
    /// - Complexity: proportional to the new commits and the entries they change; each new memory
    ///   file is read once, however many commits carry it.
    func checkIncoming(source: Repository, tip theirs: ObjectID, ours: ObjectID?, limits: SyncLimits) -> IncomingCheck {
        let trusted = TrustedHistory(pool: repository, tip: ours)
        var verdicts: [ObjectID: ContentVerdict] = [:]
        var bringers: [FileKey: ObjectID] = [:]
        let history = source.checkIncomingHistory(tip: theirs, isTrusted: { trusted.contains($0) }, limits: limits.history) { file in
            let key = FileKey(path: file.path, blob: file.id)
            if bringers[key] == nil { bringers[key] = file.commit }
            return historyProblem(file, source: source, verdicts: &verdicts).map { ($0.0.rawValue, $0.1) }
        }
        var invalid = history.problems.map {
            InvalidEntry(path: $0.path, problem: InvalidEntry.Problem(rawValue: $0.kind) ?? .tree, reason: $0.reason, commit: $0.commit)
        }
        // A message is history too: pushed on to every teammate and kept whatever is forgotten.
        invalid += incomingMessageProblems(history.commits, source: source)
        return IncomingCheck(history: history, invalid: invalid, verdicts: verdicts, bringers: bringers)
    }

    /// Checks what the pull would merge: every file the remote's tip adds or changes against the
    /// merge base must pass `checkIncomingFile`.
    /// - Parameter deltas: the changes from the merge base to the remote's tip, read from `source`.
    func checkIncomingTip(source: Repository, deltas: [TreeDelta], check: inout IncomingCheck) -> [InvalidEntry] {
        var invalid: [InvalidEntry] = []
        let progress = WorkProgress.start("checking incoming memories", total: deltas.count)
        defer { progress.finish() }
        for delta in deltas where delta.status != .deleted {
            let file = IncomingFile(path: delta.path, mode: delta.newMode, id: delta.newID, size: 0, commit: delta.newID)
            if let (problem, reason) = checkIncomingFile(file, source: source, verdicts: &check.verdicts) {
                let commit = check.bringers[FileKey(path: delta.path, blob: delta.newID)]
                invalid.append(InvalidEntry(path: delta.path, problem: problem, reason: reason, commit: commit))
            }
            progress.advance()
        }
        return invalid
    }

    /// What is refused in any new commit, even one a later commit repairs: a symbolic link or a
    /// submodule anywhere, and a memory or feedback file that `screenIncoming` refuses.
    func historyProblem(_ file: IncomingFile, source: Repository, verdicts: inout [ObjectID: ContentVerdict]) -> (InvalidEntry.Problem, String)? {
        switch file.mode {
        case .blob, .executable: break
        case .symlink: return (.mode, "symbolic link")
        case .submodule: return (.mode, "submodule (gitlink)")
        case .tree: return (.mode, "directory where a file belongs")
        case .unknown: return (.mode, "unsupported file mode")
        }
        let top = file.path.prefix(while: { $0 != "/" })
        guard top == MemoryPath.root || top == Feedback.root else { return nil }
        return verdict(file.id, feedback: top == Feedback.root, source: source, verdicts: &verdicts).screened
    }

    /// Why one file the pull would merge is refused, or nil when the pool accepts it.
    ///
    /// - `memories/` holds only regular files at `memories/<kind>/<2 hex>/<id>.json` that are
    ///   valid memories whose kind and id are the ones the path names; `feedback/` only feedback
    ///   files filed under the memory they are about.
    /// - Anything else (a README, a LICENSE, `.gitattributes`, a CI workflow) is kept and never
    ///   parsed, if it is a regular or executable file: symbolic links and submodules are refused
    ///   wherever they are, like the `.git`-like names and oversized blobs the walk refuses.
    func checkIncomingFile(_ file: IncomingFile, source: Repository, verdicts: inout [ObjectID: ContentVerdict]) -> (InvalidEntry.Problem, String)? {
        let path = file.path
        if let reason = Self.pathProblem(path) { return (.path, reason) }
        if let problem = historyProblem(file, source: source, verdicts: &verdicts) { return problem }
        let top = path.prefix(while: { $0 != "/" })
        guard top == MemoryPath.root || top == Feedback.root else { return nil }
        if file.mode == .executable { return (.mode, "executable file") }
        let feedbackPath = Feedback.parsePath(path)
        let memoryPath = MemoryPath.parse(path)
        if feedbackPath == nil && memoryPath == nil {
            return (.path, "not a memory path (expected \(MemoryPath.root)/<kind>/<2 hex>/<id>.json or \(Feedback.root)/<2 hex>/<memory id>/<id>.json)")
        }
        switch verdict(file.id, feedback: feedbackPath != nil, source: source, verdicts: &verdicts).decoded {
        case .refused(let problem, let reason):
            return (problem, reason)
        case .feedback(let memory, let id):
            guard let (memoryID, feedbackID) = feedbackPath else { return (.path, "feedback filed under \(MemoryPath.root)/") }
            if memory != memoryID { return (.identity, "feedback about \(memory.short) filed under \(memoryID.short)") }
            if id != feedbackID { return (.identity, "content id \(id) does not match the file name") }
            return nil
        case .memory(let kind, let id):
            guard let (pathKind, pathID) = memoryPath else { return (.path, "a memory filed under \(Feedback.root)/") }
            if kind != pathKind { return (.identity, "a \(kind.rawValue) memory under the \(pathKind.rawValue) directory") }
            if id != pathID { return (.identity, "content id \(id.rawValue) does not match the file name") }
            return nil
        }
    }

    /// The verdict on one blob, read and decoded the first time it is asked for.
    private func verdict(_ blob: ObjectID, feedback: Bool, source: Repository, verdicts: inout [ObjectID: ContentVerdict]) -> ContentVerdict {
        if let known = verdicts[blob] { return known }
        let made = contentVerdict(blob: blob, feedback: feedback, source: source)
        verdicts[blob] = made
        return made
    }

    /// Reads and decodes one incoming memory or feedback file (its size is already bounded).
    private func contentVerdict(blob: ObjectID, feedback: Bool, source: Repository) -> ContentVerdict {
        let bytes: [UInt8]
        do { bytes = try source.readBlob(blob) } catch { return ContentVerdict(decoded: .refused(.size, "unreadable blob \(blob.hex.prefix(12))")) }
        let json: JSONValue
        do {
            json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
        } catch {
            return ContentVerdict(decoded: .refused(.json, error.description), screened: screenIncoming(bytes: bytes, json: nil))
        }
        let decoded: ContentVerdict.Decoded
        if feedback {
            do {
                let parsed = try Feedback(json: json)
                decoded = .feedback(memory: parsed.memory, id: parsed.id)
            } catch {
                decoded = .refused(.schema, "invalid feedback: \(error.description)")
            }
        } else {
            do {
                let memory = try Memory(json: json, idPolicy: .mustMatch)
                decoded = .memory(kind: memory.kind, id: memory.id)
            } catch {
                decoded = .refused(error.field == "id" ? .identity : .schema, "invalid memory: \(error.description)")
            }
        }
        return ContentVerdict(decoded: decoded, screened: screenIncoming(bytes: bytes, json: json))
    }

    /// The one place every incoming memory and feedback file passes: each distinct file once,
    /// from every new commit of a pull (not only the tip), with its JSON when it parses, before
    /// anything reaches the pool.
    ///
    /// Checks on content belong here (a secret in a memory): return `(.secret, "<kind of
    /// secret>")` — never the value; the path and the commit are added by the caller, and a
    /// refusal removes everything the pull brought.
    /// - Returns: why the file is refused, or nil.
    func screenIncoming(bytes: [UInt8], json: JSONValue?) -> (InvalidEntry.Problem, String)? {
        incomingSecretProblem(bytes: bytes, json: json)
    }

    /// Why a path can never be a pool file, whatever its content: escapes, absolute paths, and
    /// names a checkout could turn into `.git` (`TreeEntryNames`).
    static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "empty path" }
        if path.hasPrefix("/") { return "absolute path" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for component in components {
            if component.isEmpty { return "empty path component" }
            if component == ".." || component == "." { return "path escapes the pool ('\(component)' component)" }
            if let reason = TreeEntryNames.problem(String(component)) { return reason }
        }
        return nil
    }
}

/// The pool's history as far as a pull trusts it: commits its tip reaches.
///
/// A commit merely present in the object database is not trusted (a pull refused by an older
/// mnem may have left objects behind); it must be an ancestor of the pool's tip.
final class TrustedHistory {
    private let pool: Repository
    private let tip: ObjectID?
    private var known: [ObjectID: Bool] = [:]

    init(pool: Repository, tip: ObjectID?) {
        self.pool = pool
        self.tip = tip
    }

    func contains(_ commit: ObjectID) -> Bool {
        if let cached = known[commit] { return cached }
        guard let tip, pool.hasObject(commit) else { return false }
        let answer = (try? pool.isAncestor(commit, of: tip)) ?? false
        known[commit] = answer
        return answer
    }
}
