import Foundation
import MnemGit

/// A pool error a user can act on: what went wrong and with which file, id or path.
public struct PoolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The memory pool: an ordinary git repository whose tree holds one canonical JSON file per memory.
///
/// Every write builds a new tree from the current tip plus the change, writes a commit, and moves
/// the branch by compare-and-swap; when another writer moved it first, the write is rebuilt on
/// the new tip and tried again, so concurrent writers never lose a memory.
public final class Pool {
    public let repository: Repository
    /// The path the pool was opened at.
    public let path: String
    /// The branch memories are committed to (what HEAD names, `refs/heads/main` for new pools).
    public let branch: String
    /// Told about each memory file a whole-pool read skips because it is not a valid memory
    /// (see `memories(kinds:)`); the command line reports it once on standard error.
    public var onInvalidMemory: ((InvalidMemory) -> Void)?

    init(repository: Repository, path: String) throws(GitError) {
        self.repository = repository
        self.path = path
        self.branch = try repository.headReferenceName()
    }

    /// Creates a pool at `path` (bare unless `workTree`), or opens the pool already there.
    public static func create(at path: String, workTree: Bool = false) throws -> Pool {
        let repository: Repository
        do {
            repository = try Repository.create(at: path, bare: !workTree)
            try repository.setConfigValue("mnem.version", "1")
        } catch {
            throw PoolError("cannot create a pool at \(path): \(error.message)")
        }
        return try Pool(repository: repository, path: path)
    }

    /// Opens the pool at `path`, which must be a git repository.
    public static func open(at path: String) throws -> Pool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PoolError("no pool at \(path): the path does not exist (create one with 'mnem init \(path)')")
        }
        guard isDirectory.boolValue else { throw PoolError("no pool at \(path): not a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw PoolError("cannot read the pool at \(path): permission denied") }
        do {
            return try Pool(repository: try Repository.open(at: path), path: path)
        } catch {
            throw PoolError("not a pool: \(path) is not a git repository (\(error.message))")
        }
    }

    /// The commit at the tip of the pool's branch, or nil before the first memory.
    public func tip() throws(GitError) -> ObjectID? {
        try repository.resolveReference(branch)
    }

    /// The tree at the tip, or nil for an empty pool.
    public func tipTree() throws(GitError) -> ObjectID? {
        guard let tip = try tip() else { return nil }
        return try repository.commit(tip).tree
    }
}

extension GitError {
    var message: String { description }
}

extension Error {
    /// A one-line description for the user.
    public var oneLine: String {
        String(describing: self).replacingOccurrences(of: "\n", with: " ")
    }
}
