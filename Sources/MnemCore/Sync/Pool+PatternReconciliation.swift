import Foundation
import MnemGit

extension Pool {
    /// After a merge: two versions of one mined pattern (each side compacted on its own) become
    /// one memory, with the provenance of both.
    ///
    /// Only insights that either side added since the merge base are read: a pattern can have two
    /// versions at the merged tip only if both sides wrote one. The reconciled memory is a pure
    /// function of the versions (`InsightMerge.reconcile`), so two pools that reconcile the same
    /// versions on their own write the same file and converge.
    /// - Parameters:
    ///   - baseTree: the merge base's tree (nil when the histories share nothing).
    ///   - ourTree: this pool's tree before the merge.
    ///   - theirDeltas: their validated changes since the base.
    ///   - outcome: the merge so far; its tree is rebuilt and each reconciliation is reported as a conflict resolved.
    /// - Complexity: proportional to the insights added on both sides since the base.
    func reconcilePatternVersions(baseTree: ObjectID?, ourTree: ObjectID?, theirDeltas: [TreeDelta], outcome: inout MergeOutcome) throws {
        let insightRoot = MemoryPath.root + "/" + MemoryKind.insight.rawValue + "/"
        var paths = Set(theirDeltas.filter { $0.path.hasPrefix(insightRoot) && !$0.newID.isZero }.map(\.path))
        for delta in try repository.changedFiles(baseTree, ourTree) where delta.path.hasPrefix(insightRoot) && !delta.newID.isZero {
            paths.insert(delta.path)
        }
        guard paths.count >= 2 else { return }
        var versions: [Memory] = []
        for path in paths.sorted() {
            // Only what is at the merged tip counts (a side may have superseded its own version).
            guard let entry = try repository.treeEntry(atPath: path, in: outcome.tree), let memory = try? readMemory(blob: entry.id, path: path) else { continue }
            if !InsightMerge.patterns(memory).isEmpty { versions.append(memory) }
        }
        var edits: [TreeEdit] = []
        var done = Set<MemoryID>()
        for memory in versions where !done.contains(memory.id) {
            let group = versions.filter { InsightMerge.samePattern($0, memory) }
            group.forEach { done.insert($0.id) }
            guard group.count > 1, let merged = InsightMerge.reconcile(group) else { continue }
            for old in group { edits.append(.remove(path: old.path)) }
            edits.append(.upsert(path: merged.path, blob: try repository.writeBlob(merged.canonicalBytes())))
            outcome.added.append(merged.id)
            let keys = InsightMerge.patterns(merged).sorted().joined(separator: ", ")
            outcome.conflicts.append(
                SyncConflict(path: merged.path, resolution: "\(group.count) versions of the pattern \(keys) were compacted on both sides; reconciled into one"))
        }
        if !edits.isEmpty { outcome.tree = try repository.buildTree(base: outcome.tree, edits: edits) }
    }
}
