import CGit2
import Foundation

/// Who made a commit and when.
public struct Signature: Sendable, Hashable {
    public var name: String
    public var email: String
    public var time: Date
    /// Offset from UTC in minutes.
    public var offsetMinutes: Int

    public init(name: String, email: String, time: Date = Date(), offsetMinutes: Int = 0) {
        self.name = name
        self.email = email
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    init(_ sig: UnsafePointer<git_signature>) {
        name = sig.pointee.name.map { String(cString: $0) } ?? ""
        email = sig.pointee.email.map { String(cString: $0) } ?? ""
        time = Date(timeIntervalSince1970: TimeInterval(sig.pointee.when.time))
        offsetMinutes = Int(sig.pointee.when.offset)
    }

    /// Makes a libgit2 signature for the duration of `body`.
    func withRaw<T>(_ body: (UnsafePointer<git_signature>) throws(GitError) -> T) throws(GitError) -> T {
        var sig: UnsafeMutablePointer<git_signature>?
        try check(
            git_signature_new(&sig, name, email, git_time_t(time.timeIntervalSince1970), Int32(offsetMinutes)),
            "git_signature_new", "\(name) <\(email)>")
        guard let sig else { throw GitError(code: -1, message: "no signature", operation: "git_signature_new") }
        defer { git_signature_free(sig) }
        return try body(sig)
    }
}

/// A commit, copied out of libgit2.
public struct Commit: Sendable, Hashable {
    public var id: ObjectID
    public var tree: ObjectID
    public var parents: [ObjectID]
    public var author: Signature
    public var committer: Signature
    public var message: String
}

/// An entry of a tree, copied out of libgit2.
public struct TreeEntry: Sendable, Hashable {
    public var name: String
    public var id: ObjectID
    public var mode: FileMode
}

/// One change to make to a tree, by path relative to the tree's root.
public enum TreeEdit: Sendable, Hashable {
    case upsert(path: String, blob: ObjectID, mode: FileMode = .blob)
    case remove(path: String)

    var path: String {
        switch self {
        case .upsert(let path, _, _), .remove(let path): path
        }
    }
}

// MARK: - Blobs

extension Repository {
    /// Writes `bytes` as a blob into the object database.
    ///
    /// Wraps `git_blob_create_from_buffer`.
    public func writeBlob(_ bytes: UnsafeRawBufferPointer) throws(GitError) -> ObjectID {
        var oid = git_oid()
        try check(git_blob_create_from_buffer(&oid, handle, bytes.baseAddress, bytes.count), "git_blob_create_from_buffer", gitDirectory)
        return ObjectID(oid)
    }

    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        let result: Result<ObjectID, GitError> = bytes.withUnsafeBytes { raw in
            do throws(GitError) { return .success(try writeBlob(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The content of a blob.
    ///
    /// Wraps `git_blob_lookup` and `git_blob_rawcontent`.
    public func readBlob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        BlobReads.record(gitDirectory)
        var oid = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "git_blob_lookup", id.hex)
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// The size of an object, read from its header without loading its content (see `objectHeader`).
    public func objectSize(_ id: ObjectID) throws(GitError) -> Int {
        try objectHeader(id).size
    }

    /// Has the object database look at its directories again (new packs, packs gone).
    ///
    /// Wraps `git_odb_refresh`.
    public func refreshObjects() {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return }
        defer { git_odb_free(odb) }
        _ = git_odb_refresh(odb)
    }

    /// Whether the object database holds `id`.
    public func hasObject(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, handle) == 0 else { return false }
        defer { git_odb_free(odb) }
        var oid = id.raw
        return git_odb_exists(odb, &oid) == 1
    }
}

// MARK: - Trees

extension Repository {
    /// The id of the empty tree.
    public func emptyTree() throws(GitError) -> ObjectID {
        try buildTree(base: nil, edits: [])
    }

    /// The entries of a tree, in git's order.
    ///
    /// Wraps `git_tree_lookup` and `git_tree_entry_byindex`.
    public func treeEntries(_ tree: ObjectID) throws(GitError) -> [TreeEntry] {
        var oid = tree.raw
        var handleTree: OpaquePointer?
        try check(git_tree_lookup(&handleTree, handle, &oid), "git_tree_lookup", tree.hex)
        defer { git_tree_free(handleTree) }
        let count = git_tree_entrycount(handleTree)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            guard let entry = git_tree_entry_byindex(handleTree, i), let id = git_tree_entry_id(entry) else { continue }
            let name = git_tree_entry_name(entry).map { String(cString: $0) } ?? ""
            entries.append(TreeEntry(name: name, id: ObjectID(id), mode: FileMode(git_tree_entry_filemode(entry))))
        }
        return entries
    }

    /// How many entries a tree holds, without copying any out.
    ///
    /// Wraps `git_tree_lookup` and `git_tree_entrycount`.
    public func treeEntryCount(_ tree: ObjectID) throws(GitError) -> Int {
        var oid = tree.raw
        var handleTree: OpaquePointer?
        try check(git_tree_lookup(&handleTree, handle, &oid), "git_tree_lookup", tree.hex)
        defer { git_tree_free(handleTree) }
        return git_tree_entrycount(handleTree)
    }

    /// The entry at `path` inside `tree`, or nil if there is none.
    ///
    /// Wraps `git_tree_entry_bypath`.
    public func treeEntry(atPath path: String, in tree: ObjectID) throws(GitError) -> TreeEntry? {
        var oid = tree.raw
        var handleTree: OpaquePointer?
        try check(git_tree_lookup(&handleTree, handle, &oid), "git_tree_lookup", tree.hex)
        defer { git_tree_free(handleTree) }
        var entry: OpaquePointer?
        let code = git_tree_entry_bypath(&entry, handleTree, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "git_tree_entry_bypath", path)
        defer { git_tree_entry_free(entry) }
        guard let id = git_tree_entry_id(entry) else { return nil }
        return TreeEntry(name: git_tree_entry_name(entry).map { String(cString: $0) } ?? "", id: ObjectID(id), mode: FileMode(git_tree_entry_filemode(entry)))
    }

    /// Every blob below `tree`, with its path, depth first.
    public func walkBlobs(_ tree: ObjectID, prefix: String = "", _ visit: (String, TreeEntry) throws -> Void) throws {
        for entry in try treeEntries(tree) {
            let path = prefix.isEmpty ? entry.name : "\(prefix)/\(entry.name)"
            if entry.mode == .tree {
                try walkBlobs(entry.id, prefix: path, visit)
            } else {
                try visit(path, entry)
            }
        }
    }

    /// Builds a new tree from `base` (or from nothing) plus `edits`, without a work tree or index.
    ///
    /// Only the subtrees the edits touch are rewritten; the rest are shared with `base`.
    /// Directories left empty by removals disappear, as git has no empty directories.
    /// Wraps `git_treebuilder_new`, `git_treebuilder_insert`, `git_treebuilder_remove`, `git_treebuilder_write`.
    /// - Complexity: O(e log e + t) for e edits and t entries in the touched trees.
    public func buildTree(base: ObjectID?, edits: [TreeEdit]) throws(GitError) -> ObjectID {
        let root = EditNode()
        for edit in edits {
            let components = edit.path.split(separator: "/").map(String.init)
            guard let last = components.last, !components.contains(".."), !components.contains(".") else {
                throw GitError(code: -1, message: "invalid path", operation: "buildTree", subject: edit.path)
            }
            var node = root
            for component in components.dropLast() {
                if let child = node.directories[component] {
                    node = child
                } else {
                    let child = EditNode()
                    node.directories[component] = child
                    node = child
                }
            }
            node.files[last] = edit
        }
        try writeFreshDirectories(root, base: base)
        if let id = try write(node: root, base: base) { return id }
        return try writeEmptyTree()
    }

    private final class EditNode {
        var files: [String: TreeEdit] = [:]
        var directories: [String: EditNode] = [:]
        /// Set for a directory the base does not have, written ahead as one pack: its tree (nil when empty).
        var written: ObjectID??
    }

    /// Directories at least this many, absent from the base, are written as one pack rather than
    /// as loose trees (a first compaction adds 512 of them, which storage maintenance would then
    /// delta-compress against each other for nothing: they share no content).
    static let freshDirectoryPackThreshold = 64

    /// Writes the trees of the directories the edits create (absent from `base`) ahead of the
    /// rest, as one pack, when there are many: their entries are all known, so their trees are
    /// serialized here. Each is marked `written`; `write(node:base:)` then uses its id.
    private func writeFreshDirectories(_ root: EditNode, base: ObjectID?) throws(GitError) {
        var fresh: [EditNode] = []
        if base == nil { fresh = [root] } else { try collectFresh(root, base: base, into: &fresh) }
        var count = 0
        func countDirectories(_ node: EditNode) {
            count += 1
            for child in node.directories.values { countDirectories(child) }
        }
        fresh.forEach(countDirectories)
        guard count >= Self.freshDirectoryPackThreshold else { return }
        var trees: [[UInt8]] = []
        func serialize(_ node: EditNode) throws(GitError) -> ObjectID? {
            var entries: [(name: [UInt8], sortKey: [UInt8], mode: UInt32, id: ObjectID)] = []
            for (name, child) in node.directories {
                if let id = try serialize(child) { entries.append((Array(name.utf8), Array(name.utf8) + [0x2F], FileMode.tree.rawValue, id)) }
            }
            for (name, edit) in node.files {
                // A directory of the same name replaces the file, as `write(node:base:)` has it.
                guard case .upsert(let path, let blob, let mode) = edit, node.directories[name] == nil else { continue }
                guard mode != .unknown, mode != .tree else { throw GitError(code: -1, message: "invalid file mode", operation: "buildTree", subject: path) }
                entries.append((Array(name.utf8), Array(name.utf8), mode.rawValue, blob))
            }
            guard !entries.isEmpty else {
                node.written = .some(nil)
                return nil
            }
            for entry in entries {
                if let problem = entry.name.withUnsafeBytes({ TreeEntryNames.problem($0) }) {
                    throw GitError(code: -1, message: "invalid tree entry name: \(problem)", operation: "buildTree", subject: String(decoding: entry.name, as: UTF8.self))
                }
            }
            entries.sort { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
            var bytes: [UInt8] = []
            for entry in entries {
                bytes += Array(String(entry.mode, radix: 8).utf8)
                bytes.append(0x20)
                bytes += entry.name
                bytes.append(0)
                var oid = entry.id.raw
                withUnsafeBytes(of: &oid.id) { bytes += $0 }
            }
            let id = Self.objectID("tree", bytes)
            trees.append(bytes)
            node.written = .some(id)
            return id
        }
        for node in fresh { _ = try serialize(node) }
        let pack = try StreamingPack(repository: self)
        try pack.append(try Self.packedObjects(trees, kind: .tree))
        try pack.finish()
    }

    /// The directories under `node` that `base` does not have (as directories).
    private func collectFresh(_ node: EditNode, base: ObjectID?, into fresh: inout [EditNode]) throws(GitError) {
        guard !node.directories.isEmpty else { return }
        var tree: OpaquePointer?
        if let base {
            var oid = base.raw
            try check(git_tree_lookup(&tree, handle, &oid), "git_tree_lookup", base.hex)
        }
        defer { if tree != nil { git_tree_free(tree) } }
        for (name, child) in node.directories {
            if let tree, let entry = git_tree_entry_byname(tree, name), git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE, let id = git_tree_entry_id(entry) {
                try collectFresh(child, base: ObjectID(id), into: &fresh)
            } else {
                fresh.append(child)
            }
        }
    }

    private func writeEmptyTree() throws(GitError) -> ObjectID {
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, nil), "git_treebuilder_new")
        defer { git_treebuilder_free(builder) }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "git_treebuilder_write")
        return ObjectID(oid)
    }

    /// Writes one level; returns nil when the resulting tree would be empty.
    private func write(node: EditNode, base: ObjectID?) throws(GitError) -> ObjectID? {
        if let written = node.written { return written }
        var baseTree: OpaquePointer?
        if let base {
            var oid = base.raw
            try check(git_tree_lookup(&baseTree, handle, &oid), "git_tree_lookup", base.hex)
        }
        defer { if baseTree != nil { git_tree_free(baseTree) } }
        var builder: OpaquePointer?
        try check(git_treebuilder_new(&builder, handle, baseTree), "git_treebuilder_new")
        defer { git_treebuilder_free(builder) }

        for (name, edit) in node.files {
            switch edit {
            case .upsert(let path, let blob, let mode):
                var oid = blob.raw
                try check(git_treebuilder_insert(nil, builder, name, &oid, mode.raw), "git_treebuilder_insert", path)
            case .remove(let path):
                let code = git_treebuilder_remove(builder, name)
                if code != GIT_ENOTFOUND.rawValue { try check(code, "git_treebuilder_remove", path) }
            }
        }
        for (name, child) in node.directories {
            var childBase: ObjectID?
            if let existing = git_treebuilder_get(builder, name), git_tree_entry_filemode(existing) == GIT_FILEMODE_TREE,
                let id = git_tree_entry_id(existing)
            {
                childBase = ObjectID(id)
            }
            if let childID = try write(node: child, base: childBase) {
                var oid = childID.raw
                try check(git_treebuilder_insert(nil, builder, name, &oid, GIT_FILEMODE_TREE), "git_treebuilder_insert", name)
            } else {
                let code = git_treebuilder_remove(builder, name)
                if code != GIT_ENOTFOUND.rawValue { try check(code, "git_treebuilder_remove", name) }
            }
        }
        if git_treebuilder_entrycount(builder) == 0 { return nil }
        var oid = git_oid()
        try check(git_treebuilder_write(&oid, builder), "git_treebuilder_write")
        return ObjectID(oid)
    }
}

// MARK: - Commits

extension Repository {
    /// Writes a commit object without moving any reference.
    ///
    /// Wraps `git_commit_create` with a null `update_ref`.
    public func createCommit(
        tree: ObjectID, parents: [ObjectID], author: Signature, committer: Signature, message: String
    ) throws(GitError) -> ObjectID {
        var treeOID = tree.raw
        var treeHandle: OpaquePointer?
        try check(git_tree_lookup(&treeHandle, handle, &treeOID), "git_tree_lookup", tree.hex)
        defer { git_tree_free(treeHandle) }
        var parentHandles: [OpaquePointer?] = []
        defer { for parent in parentHandles { git_commit_free(parent) } }
        for parent in parents {
            var oid = parent.raw
            var commit: OpaquePointer?
            try check(git_commit_lookup(&commit, handle, &oid), "git_commit_lookup", parent.hex)
            parentHandles.append(commit)
        }
        return try author.withRaw { (authorSig) throws(GitError) -> ObjectID in
            try committer.withRaw { (committerSig) throws(GitError) -> ObjectID in
                var oid = git_oid()
                let code = parentHandles.withUnsafeMutableBufferPointer { parentsBuffer in
                    git_commit_create(
                        &oid, handle, nil, authorSig, committerSig, "UTF-8", message, treeHandle,
                        parentsBuffer.count, parentsBuffer.baseAddress)
                }
                try check(code, "git_commit_create", gitDirectory)
                return ObjectID(oid)
            }
        }
    }

    /// Reads a commit.
    ///
    /// Wraps `git_commit_lookup`.
    public func commit(_ id: ObjectID) throws(GitError) -> Commit {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "git_commit_lookup", id.hex)
        defer { git_commit_free(commit) }
        var parents: [ObjectID] = []
        for i in 0..<git_commit_parentcount(commit) {
            if let parent = git_commit_parent_id(commit, i) { parents.append(ObjectID(parent)) }
        }
        guard let treeID = git_commit_tree_id(commit), let author = git_commit_author(commit), let committer = git_commit_committer(commit)
        else { throw GitError(code: -1, message: "incomplete commit", operation: "git_commit_lookup", subject: id.hex) }
        return Commit(
            id: id, tree: ObjectID(treeID), parents: parents, author: Signature(author), committer: Signature(committer),
            message: git_commit_message(commit).map { String(cString: $0) } ?? "")
    }

    /// The signature git would use here (`user.name`, `user.email`), or nil if none is configured.
    ///
    /// Wraps `git_signature_default`.
    public func defaultSignature() -> Signature? {
        var sig: UnsafeMutablePointer<git_signature>?
        guard git_signature_default(&sig, handle) == 0, let sig else { return nil }
        defer { git_signature_free(sig) }
        return Signature(UnsafePointer(sig))
    }
}
