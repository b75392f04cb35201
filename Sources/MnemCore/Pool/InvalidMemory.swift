import MnemGit

/// A file at the pool's tip that does not read as a valid memory: what `list`, `stats`, `scan`,
/// `compact`, `search` and the hooks skip, and what `mnem doctor` names and repairs.
public struct InvalidMemory: Sendable, Hashable, CustomStringConvertible {
    /// The file's path in the pool's tree.
    public var path: String
    /// Why it is not a valid memory, starting with the path.
    public var reason: String
    public var blob: ObjectID

    public init(path: String, reason: String, blob: ObjectID) {
        self.path = path
        self.reason = reason
        self.blob = blob
    }

    public var description: String { reason }
}
