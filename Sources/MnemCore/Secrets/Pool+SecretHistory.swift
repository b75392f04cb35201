import Foundation
import MnemGit

/// A credential found somewhere in a pool's history, named by where it is and which commits
/// brought it, never by its value.
public struct HistorySecret: Sendable, Hashable {
    public enum Place: Sendable, Hashable {
        /// In a file: its path and, for a JSON file, the field (empty for other text).
        case file(path: String, field: String)
        /// In the message of each of `commits`.
        case commitMessage
    }

    public var kind: String
    public var place: Place
    /// For a file, the commits that put this content at this path (oldest first); for a
    /// message, the commit whose message it is.
    public var commits: [ObjectID]
    /// Whether the file is still at this path in the tip's tree (a message is never "at the tip":
    /// it stays in history whatever is forgotten).
    public var atTip: Bool

    /// The memory the file is, when its path names one.
    public var memory: MemoryID? {
        guard case .file(let path, _) = place else { return nil }
        return MemoryPath.parse(path)?.id ?? Feedback.parsePath(path)?.memory
    }
}

/// What `Pool.scanHistoryForSecrets` looked at and found.
public struct HistorySecretScan: Sendable {
    public var findings: [HistorySecret]
    /// Commits walked (every one reachable from a reference).
    public var commits: Int
    /// Distinct file contents scanned, and their bytes.
    public var blobs: Int
    public var bytes: Int
}

extension Pool {
    /// Scans every file content and commit message reachable from any reference (branches,
    /// remote-tracking branches, tags, a killed pull's quarantine): what a push or a clone can
    /// carry, including what `forget` removed from the tip but history keeps.
    ///
    /// Each commit is compared with its parents (for a merge, content is new only if no parent
    /// had it at that path), so each distinct content is read once, however many commits keep
    /// it; the contents are scanned on every core. A JSON file is scanned field by field (the
    /// findings name the field); other text as a whole.
    /// - Complexity: O(changed entries over the history + total size of the distinct contents).
    public func scanHistoryForSecrets() throws -> HistorySecretScan {
        var tips: [ObjectID] = []
        for name in try repository.referenceNames(prefix: "refs/") {
            guard let id = try repository.resolveReference(name), !tips.contains(id) else { continue }
            // A reference to something other than a commit (or a tag of one) reaches no history.
            do { _ = try RevisionWalk(repository, from: [id]) } catch { continue }
            tips.append(id)
        }
        var findings: [HistorySecret] = []
        // Each distinct content, and where it appeared: (path, commit), newest commit first.
        var occurrences: [ObjectID: [(path: String, commit: ObjectID)]] = [:]
        var order: [ObjectID] = []
        var commits = 0
        if !tips.isEmpty {
            var walk = try RevisionWalk(repository, from: tips)
            while let id = try walk.next() {
                commits += 1
                let commit = try repository.commit(id)
                for found in SecretCheck.findings(in: commit.message, field: "") {
                    findings.append(HistorySecret(kind: found.kind, place: .commitMessage, commits: [id], atTip: false))
                }
                for (path, blob) in try introducedFiles(commit) {
                    if occurrences[blob] == nil { order.append(blob) }
                    occurrences[blob, default: []].append((path, id))
                }
            }
        }
        let tipTree = try self.tipTree()
        // The memory files at the tip, checked like every command checks them as they go by.
        var tipMemories: [ObjectID: [MemoryEntry]] = [:]
        for entry in try entries() { tipMemories[entry.blob, default: []].append(entry) }
        var bytes = 0
        // Read a batch on this thread (one repository handle), scan it on every core.
        for start in stride(from: 0, to: order.count, by: 4096) {
            let batch = Array(order[start..<min(order.count, start + 4096)])
            let contents = try batch.map { try repository.readBlob($0) }
            bytes += contents.reduce(0) { $0 + $1.count }
            let found = try contents.parallelMap(minimumCount: 64) { Self.secretFindings(inFile: $0) }
            for (blob, content) in zip(batch, contents) {
                for entry in tipMemories[blob] ?? [] {
                    if let problem = Self.memoryProblem(content, entry) { onInvalidMemory?(problem) }
                }
            }
            for (blob, fileFindings) in zip(batch, found) where !fileFindings.isEmpty {
                // Oldest first, grouped by path.
                var byPath: [(path: String, commits: [ObjectID])] = []
                for (path, commit) in (occurrences[blob] ?? []).reversed() {
                    if let i = byPath.firstIndex(where: { $0.path == path }) { byPath[i].commits.append(commit) } else { byPath.append((path, [commit])) }
                }
                for (path, introducing) in byPath {
                    let atTip = try tipTree.map { try repository.treeEntry(atPath: path, in: $0)?.id == blob } ?? false
                    var seen = Set<SecretFinding>()
                    for finding in fileFindings where seen.insert(finding).inserted {
                        findings.append(HistorySecret(kind: finding.kind, place: .file(path: path, field: finding.field), commits: introducing, atTip: atTip))
                    }
                }
            }
        }
        return HistorySecretScan(findings: findings, commits: commits, blobs: order.count, bytes: bytes)
    }

    /// The files whose content `commit` brought: compared with its only parent, or with the empty
    /// tree for a root; for a merge, the entries that differ from every parent.
    func introducedFiles(_ commit: Commit) throws -> [(path: String, blob: ObjectID)] {
        func changes(from parent: ObjectID?) throws -> [(path: String, blob: ObjectID)] {
            let base = try parent.map { (id) throws(GitError) in try repository.commit(id).tree }
            return try repository.changedFiles(base, commit.tree).compactMap { delta in
                delta.status == .deleted || delta.newMode == .tree || delta.newMode == .submodule ? nil : (delta.path, delta.newID)
            }
        }
        var files = try changes(from: commit.parents.first)
        for other in commit.parents.dropFirst() where !files.isEmpty {
            let fromOther = Set(try changes(from: other).map { "\($0.blob.hex) \($0.path)" })
            files = files.filter { fromOther.contains("\($0.blob.hex) \($0.path)") }
        }
        return files
    }

    /// Why a memory file at the tip is not a valid memory, in `readMemory`'s words, or nil.
    /// (`readMemory` reads the blob itself; here its bytes are already read.)
    static func memoryProblem(_ bytes: [UInt8], _ entry: MemoryEntry) -> InvalidMemory? {
        let reason: String
        do {
            let json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
            let memory = try Memory(json: json, idPolicy: .mustMatch)
            let expected = MemoryPath.path(kind: memory.kind, id: memory.id)
            if expected == entry.path { return nil }
            reason = "the file holds memory \(memory.id.short), whose path is \(expected)"
        } catch let error as JSONParseError {
            reason = error.description
        } catch let error as MemoryValidationError {
            reason = error.description
        } catch {
            reason = "\(error)"
        }
        return InvalidMemory(path: entry.path, reason: "\(entry.path): \(reason)", blob: entry.blob)
    }

    /// The credentials in one file's content: field by field when it is JSON, else as text.
    static func secretFindings(inFile bytes: [UInt8]) -> [SecretFinding] {
        let first = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        if first == 0x7B || first == 0x5B,
            let json = try? bytes.withUnsafeBufferPointer({ (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) })
        {
            return SecretCheck.findings(in: json)
        }
        return SecretCheck.findings(in: String(decoding: bytes, as: UTF8.self), field: "")
    }
}
