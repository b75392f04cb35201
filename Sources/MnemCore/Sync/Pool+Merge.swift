import Foundation
import MnemGit

/// A path both sides changed differently, and what the merge kept.
public struct SyncConflict: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var resolution: String
    public var description: String { "\(path): \(resolution)" }
}

/// The tree a merge builds, and what it did.
struct MergeOutcome {
    var tree: ObjectID
    /// Memories that are at the merged tip and were not at ours.
    var added: [MemoryID] = []
    /// Memories forgotten on their side that the merge removed here.
    var removed: [MemoryID] = []
    /// Memories their side added or changed that ours already had, byte for byte.
    var unchanged = 0
    var conflicts: [SyncConflict] = []
}

extension Pool {
    /// Merges their tree into ours, losing no memory.
    ///
    /// The rule, path by path, with B the merge base, O ours and T theirs (a blob, or absent):
    /// - O == T: nothing to do (the same memory arrived on both sides is one file).
    /// - O == B: take T — their addition, or their deletion: a memory forgotten on one side and
    ///   unchanged on the other stays forgotten.
    /// - T == B: keep O.
    /// - One side deleted it, the other changed it: keep the changed file; a forget never
    ///   outweighs a change made meanwhile.
    /// - Both sides hold different bytes at one path. Paths are content ids, so this only happens
    ///   with files mnem did not write itself. Both are decoded:
    ///   - ours does not decode to the memory the path names (a hand edit): their valid file takes
    ///     the path, and ours, if it is a valid memory under its own id, is re-added at its
    ///     correct content path; if it is not a memory at all it stays in history only (our first
    ///     parent) and the conflict says so.
    ///   - both decode to the same memory: the canonical bytes are written once.
    ///   - both decode to the memory the path names but differ: the id covers everything except
    ///     `source.capturedAt`, so the two differ only in when they were captured; the earlier
    ///     capture is kept (ties: the smaller canonical bytes), so both pools converge on the same tree.
    ///   Every such case is reported as a `SyncConflict`.
    ///
    /// Their side has been checked by `validateIncoming`, so every path they add is a memory path.
    /// - Parameters:
    ///   - base: the merge base's tree, or nil when the histories share nothing.
    ///   - theirDeltas: the validated changes from `base` to their tree.
    /// - Complexity: proportional to the changes on both sides since the base, not to the pool's size.
    func mergeTrees(base: ObjectID?, ours: ObjectID?, theirDeltas: [TreeDelta]) throws -> MergeOutcome {
        var ourChanges: [String: TreeDelta] = [:]
        for delta in try repository.changedFiles(base, ours) { ourChanges[delta.path] = delta }
        var edits: [TreeEdit] = []
        let ourTree = try ours ?? repository.emptyTree()
        var outcome = MergeOutcome(tree: ourTree)
        func present(_ delta: TreeDelta, new: Bool) -> ObjectID? {
            let id = new ? delta.newID : delta.oldID
            return id.isZero ? nil : id
        }
        for delta in theirDeltas {
            let path = delta.path
            let b = present(delta, new: false)
            let t = present(delta, new: true)
            let o = ourChanges[path].map { present($0, new: true) } ?? b
            let memoryID = MemoryPath.parse(path)?.id
            if o == t {
                if t != nil { outcome.unchanged += 1 }
                continue
            }
            if o == b {
                if let t {
                    edits.append(.upsert(path: path, blob: t))
                    if o == nil, let memoryID { outcome.added.append(memoryID) }
                } else {
                    edits.append(.remove(path: path))
                    if let memoryID { outcome.removed.append(memoryID) }
                }
                continue
            }
            if t == b { continue }
            guard let ourBlob = o else {
                // Forgotten here, changed there: keep theirs.
                if let t { edits.append(.upsert(path: path, blob: t)) }
                if let memoryID { outcome.added.append(memoryID) }
                outcome.conflicts.append(SyncConflict(path: path, resolution: "forgotten here but changed on the remote; kept the remote's file"))
                continue
            }
            guard let theirBlob = t else {
                outcome.conflicts.append(SyncConflict(path: path, resolution: "forgotten on the remote but changed here; kept this pool's file"))
                continue
            }
            try resolveTwoVersions(path: path, ours: ourBlob, theirs: theirBlob, edits: &edits, outcome: &outcome)
        }
        if !edits.isEmpty { outcome.tree = try repository.buildTree(base: ours, edits: edits) }
        return outcome
    }

    /// The same path holding two different files; see `mergeTrees` for the rule.
    private func resolveTwoVersions(path: String, ours: ObjectID, theirs: ObjectID, edits: inout [TreeEdit], outcome: inout MergeOutcome) throws {
        // Theirs was validated: it is the memory the path names.
        let theirMemory = try readMemory(blob: theirs, path: path)
        guard let ourMemory = try? decodeLeniently(blob: ours) else {
            edits.append(.upsert(path: path, blob: try repository.writeBlob(theirMemory.canonicalBytes())))
            outcome.conflicts.append(SyncConflict(path: path, resolution: "this pool's file is not a valid memory; took the remote's (the old file stays in history)"))
            return
        }
        if ourMemory.id != theirMemory.id {
            edits.append(.upsert(path: path, blob: try repository.writeBlob(theirMemory.canonicalBytes())))
            let ownPath = ourMemory.path
            edits.append(.upsert(path: ownPath, blob: try repository.writeBlob(ourMemory.canonicalBytes())))
            outcome.added.append(ourMemory.id)
            outcome.conflicts.append(SyncConflict(path: path, resolution: "this pool's file holds another memory (\(ourMemory.id.short)); took the remote's and re-added ours at \(ownPath)"))
            return
        }
        let ourBytes = ourMemory.canonicalBytes()
        let theirBytes = theirMemory.canonicalBytes()
        let kept: [UInt8]
        let resolution: String
        if ourBytes == theirBytes {
            kept = ourBytes
            resolution = "the same memory in different bytes; kept the canonical form"
        } else {
            let ourTime = ourMemory.source.capturedAt ?? ""
            let theirTime = theirMemory.source.capturedAt ?? ""
            let oursFirst = ourTime != theirTime ? (ourTime.isEmpty ? false : theirTime.isEmpty || ourTime < theirTime) : ourBytes.lexicographicallyPrecedes(theirBytes)
            kept = oursFirst ? ourBytes : theirBytes
            resolution = "the same memory captured at two times (\(ourTime.isEmpty ? "?" : ourTime), \(theirTime.isEmpty ? "?" : theirTime)); kept the earlier, canonical"
        }
        edits.append(.upsert(path: path, blob: try repository.writeBlob(kept)))
        outcome.conflicts.append(SyncConflict(path: path, resolution: resolution))
    }

    /// Decodes a memory without trusting its `id` field: the id is recomputed from the content.
    private func decodeLeniently(blob: ObjectID) throws -> Memory {
        let bytes = try repository.readBlob(blob)
        var json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
        if case .object(var members) = json {
            members["id"] = nil
            json = .object(members)
        }
        return try Memory(json: json, idPolicy: .optionalButMatching)
    }
}
