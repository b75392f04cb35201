import CGit2

/// A libgit2 failure, with the context needed to act on it.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// libgit2's error code (`git_error_code`), e.g. -3 not found, -15 modified.
    public var code: Int32
    /// libgit2's error class (`git_error_t`), e.g. 2 odb, 4 reference.
    public var errorClass: Int32
    public var message: String
    /// The operation mnem was doing, named after the libgit2 function.
    public var operation: String
    /// The repository path, reference name or tree path concerned, where there is one.
    public var subject: String?

    public var description: String {
        let about = subject.map { " (\($0))" } ?? ""
        return "\(operation)\(about): \(message)"
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var isExists: Bool { code == GIT_EEXISTS.rawValue }
    /// A compare-and-swap on a reference lost: the reference did not hold the expected value.
    public var isModified: Bool { code == GIT_EMODIFIED.rawValue }
    /// A lock file (`<file>.lock`) was in the way: another writer holds it, or one that died left it.
    public var isLocked: Bool { code == GIT_ELOCKED.rawValue }

    /// The lock file libgit2 names in its message ("failed to lock file '…' for writing"), if any.
    public var lockFile: String? {
        guard isLocked, let open = message.firstIndex(of: "'") else { return nil }
        let rest = message[message.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        let path = String(rest[..<close])
        return path.hasSuffix(".lock") ? path : nil
    }

    public init(code: Int32, errorClass: Int32 = 0, message: String, operation: String, subject: String? = nil) {
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.operation = operation
        self.subject = subject
    }

    /// Reads libgit2's thread-local last error at once, before another call can replace it.
    static func last(_ code: Int32, operation: String, subject: String?) -> GitError {
        var message = "libgit2 error \(code)"
        var errorClass: Int32 = 0
        if let last = git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        return GitError(code: code, errorClass: errorClass, message: message, operation: operation, subject: subject)
    }
}

/// Throws a `GitError` for a negative libgit2 return code.
@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String, _ subject: @autoclosure () -> String? = nil) throws(GitError) {
    if code < 0 { throw GitError.last(code, operation: operation(), subject: subject()) }
}
