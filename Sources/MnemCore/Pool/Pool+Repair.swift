import MnemGit

extension Pool {
    /// Replaces files at the tip in one commit: writes `memories` at their own paths and removes
    /// the files at `paths` (which need not be where any memory belongs), for `mnem doctor --fix`.
    ///
    /// - Returns: the write's result (`added` and `unchanged` name the memories written).
    public func repair(adding memories: [Memory], removingPaths paths: [String], info: CommitInfo) throws -> WriteResult {
        let blobs = try repository.writeBlobs(memories.map { $0.canonicalBytes() })
        return try transact(info: info, memories: memories) { tree throws -> ([TreeEdit], WriteResult) in
            var result = WriteResult(commit: nil, added: [], unchanged: [], removed: [], retries: 0)
            var edits: [TreeEdit] = []
            for path in paths {
                if let tree, try repository.treeEntry(atPath: path, in: tree) != nil { edits.append(.remove(path: path)) }
            }
            for (memory, blob) in zip(memories, blobs) {
                if let tree, try repository.treeEntry(atPath: memory.path, in: tree)?.id == blob {
                    result.unchanged.append(memory.id)
                } else {
                    edits.append(.upsert(path: memory.path, blob: blob))
                    result.added.append(memory.id)
                }
            }
            return (edits, result)
        }
    }
}
