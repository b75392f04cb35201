import CGit2

/// The type of a git object, as its header names it.
public enum ObjectKind: String, Sendable, Hashable {
    case commit, tree, blob, tag, other

    init(_ type: git_object_t) {
        switch type {
        case GIT_OBJECT_COMMIT: self = .commit
        case GIT_OBJECT_TREE: self = .tree
        case GIT_OBJECT_BLOB: self = .blob
        case GIT_OBJECT_TAG: self = .tag
        default: self = .other
        }
    }
}

/// One entry of a tree as its bytes hold it: the mode as written (not normalized), the name's
/// byte range in the tree and the id.
public struct RawTreeEntry: Sendable {
    /// The octal mode as written; git writes `40000`, `100644`, `100755`, `120000` or `160000`.
    public var mode: UInt32
    /// Whether the mode was written with a leading zero (`040000`), which `git fsck --strict` refuses.
    public var zeroPadded: Bool
    public var nameStart: Int
    public var nameEnd: Int
    public var id: ObjectID

    public var isTree: Bool { mode == 0o40000 }
    public var fileMode: FileMode { FileMode(rawValue: mode) ?? .unknown }
}

/// A commit as its bytes hold it: what `git fsck` looks at.
public struct RawCommit: Sendable {
    public var tree: ObjectID
    public var parents: [ObjectID]
    /// Where the message starts in the object's bytes.
    public var messageStart: Int
}

extension Repository {
    /// The type and size of an object, read from its header without inflating its content
    /// (for a delta in a pack, from the delta's own header).
    ///
    /// Wraps `git_odb_read_header`.
    public func objectHeader(_ id: ObjectID) throws(GitError) -> (kind: ObjectKind, size: Int) {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_ANY
        try check(git_odb_read_header(&size, &type, odb, &oid), "git_odb_read_header", id.hex)
        return (ObjectKind(type), size)
    }

    /// The bytes of an object of `kind`, refused from its header when it is another kind or larger
    /// than `maxBytes`, so nothing larger is ever inflated.
    ///
    /// Wraps `git_odb_read_header` and `git_odb_read`.
    public func readObject(_ id: ObjectID, kind: ObjectKind, maxBytes: Int) throws(GitError) -> [UInt8] {
        let header = try objectHeader(id)
        guard header.kind == kind else {
            throw GitError(code: -1, message: "a \(header.kind.rawValue) where a \(kind.rawValue) belongs", operation: "readObject", subject: id.hex)
        }
        guard header.size <= maxBytes else {
            throw GitError(code: -1, message: "\(header.size) bytes, more than the limit of \(maxBytes) for a \(kind.rawValue)", operation: GitError.oversizeOperation, subject: id.hex)
        }
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        var oid = id.raw
        var object: OpaquePointer?
        try check(git_odb_read(&object, odb, &oid), "git_odb_read", id.hex)
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        guard size > 0, let data = git_odb_object_data(object) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: data, count: size))
    }
}

extension GitError {
    static let oversizeOperation = "readObject (size from the header)"
    /// An object refused from its header for being larger than the limit.
    public var isOversize: Bool { operation == Self.oversizeOperation }
}

/// Parsing and checking raw objects the way `git fsck --strict` does (`fsck_commit`, `fsck_ident`,
/// `fsck_tree`, `verify_headers` in git's `fsck.c`), so what a pool accepts never makes
/// `git fsck --strict` fail, here or on a host that checks pushed objects.
public enum RawObjectCheck {
    /// A tree's entries and what `git fsck --strict` refuses in them.
    public struct ParsedTree: Sendable {
        /// The entries whose name, mode and id are acceptable (refused ones are left out, so
        /// nothing below them is read).
        public var entries: [RawTreeEntry]
        /// Each refused entry, and order or duplicate problems.
        public var problems: [TreeProblem]
    }

    /// Parses a tree's entries, refusing what `git fsck --strict` refuses: a mode git does not
    /// write (or one padded with a zero), a null id, entries out of git's order or repeated, and
    /// every name `TreeEntryNames` refuses.
    /// - Returns: the entries and their problems, or a failure when the tree cannot be parsed at all.
    public static func parseTree(_ bytes: UnsafeRawBufferPointer) -> Result<ParsedTree, TreeProblem> {
        var entries: [RawTreeEntry] = []
        var problems: [TreeProblem] = []
        var fileNames: [RawTreeEntry] = []
        var previous: RawTreeEntry?
        var i = 0
        let n = bytes.count
        while i < n {
            var mode: UInt32 = 0
            let modeStart = i
            while i < n, bytes[i] != 0x20 {
                let c = bytes[i]
                guard c >= 0x30, c <= 0x37, i - modeStart < 7 else { return .failure(TreeProblem(name: nil, reason: "malformed mode")) }
                mode = mode << 3 | UInt32(c - 0x30)
                i += 1
            }
            guard i < n, i > modeStart else { return .failure(TreeProblem(name: nil, reason: "malformed entry")) }
            let zeroPadded = bytes[modeStart] == 0x30
            i += 1
            let nameStart = i
            while i < n, bytes[i] != 0 { i += 1 }
            guard i < n else { return .failure(TreeProblem(name: nil, reason: "truncated entry")) }
            let nameEnd = i
            i += 1
            guard i + 20 <= n, let base = bytes.baseAddress else { return .failure(TreeProblem(name: nil, reason: "truncated entry id")) }
            let id = ObjectID(bytes: base + i)
            i += 20
            let entry = RawTreeEntry(mode: mode, zeroPadded: zeroPadded, nameStart: nameStart, nameEnd: nameEnd, id: id)
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            var shown: String { String(decoding: name, as: UTF8.self) }
            if let previous {
                let order = compareEntries(previous, entry, in: bytes)
                if order == 0 { problems.append(TreeProblem(name: shown, reason: "duplicate entries")) }
                if order > 0 { problems.append(TreeProblem(name: shown, reason: "entries not in git's order")) }
            }
            previous = entry
            // A file "a" and a directory "a" need not be neighbours ("a", "a-b", "a/"): git keeps
            // the files that may still meet their directory on a stack (`verify_ordered`).
            while let top = fileNames.last, !isPrefix(top, of: entry, in: bytes) { fileNames.removeLast() }
            if entry.isTree, fileNames.contains(where: { $0.nameEnd - $0.nameStart == nameEnd - nameStart }) {
                problems.append(TreeProblem(name: shown, reason: "duplicate entries"))
            }
            if !entry.isTree { fileNames.append(entry) }
            if let reason = TreeEntryNames.problem(name) {
                problems.append(TreeProblem(name: shown, reason: reason))
                continue
            }
            if zeroPadded {
                problems.append(TreeProblem(name: shown, reason: "zero-padded file mode", isMode: true))
                continue
            }
            switch mode {
            case 0o40000, 0o100644, 0o100755, 0o120000, 0o160000: break
            default:
                problems.append(TreeProblem(name: shown, reason: "file mode \(String(mode, radix: 8)) that git does not write", isMode: true))
                continue
            }
            if id.isZero {
                problems.append(TreeProblem(name: shown, reason: "a null object id"))
                continue
            }
            entries.append(entry)
        }
        return .success(ParsedTree(entries: entries, problems: problems))
    }

    /// git's `verify_ordered`: names compared as if a directory's ended in '/'; a file and a
    /// directory of the same name are duplicates too (0).
    static func compareEntries(_ a: RawTreeEntry, _ b: RawTreeEntry, in bytes: UnsafeRawBufferPointer) -> Int {
        compareEntries(a, in: bytes, b, in: bytes)
    }

    /// The same between entries of two trees.
    static func compareEntries(_ a: RawTreeEntry, in aBytes: UnsafeRawBufferPointer, _ b: RawTreeEntry, in bBytes: UnsafeRawBufferPointer) -> Int {
        let la = a.nameEnd - a.nameStart
        let lb = b.nameEnd - b.nameStart
        let common = min(la, lb)
        for k in 0..<common {
            let x = aBytes[a.nameStart + k]
            let y = bBytes[b.nameStart + k]
            if x != y { return x < y ? -1 : 1 }
        }
        if la == lb { return 0 }
        // One name is a prefix of the other: the next character, '/' standing for a directory's end.
        let x: UInt8 = la > common ? aBytes[a.nameStart + common] : (a.isTree ? 0x2F : 0)
        let y: UInt8 = lb > common ? bBytes[b.nameStart + common] : (b.isTree ? 0x2F : 0)
        return x < y ? -1 : 1
    }

    /// Whether `a`'s name is a prefix of `b`'s.
    private static func isPrefix(_ a: RawTreeEntry, of b: RawTreeEntry, in bytes: UnsafeRawBufferPointer) -> Bool {
        let la = a.nameEnd - a.nameStart
        guard la <= b.nameEnd - b.nameStart else { return false }
        for k in 0..<la where bytes[a.nameStart + k] != bytes[b.nameStart + k] { return false }
        return true
    }

    /// What is wrong with a tree, and with which entry.
    public struct TreeProblem: Error, Sendable {
        public var name: String?
        public var reason: String
        /// A mode problem rather than a name or structure one.
        public var isMode = false
    }

    /// Parses a commit, refusing what `git fsck --strict` refuses: a NUL anywhere, an unterminated
    /// header, a missing or malformed tree or parent line, no author or more than one, no committer,
    /// and a malformed identity (name, email, date, time zone).
    /// - Returns: the tree, the parents and where the message starts, or the problem.
    public static func parseCommit(_ bytes: UnsafeRawBufferPointer) -> Result<RawCommit, CommitProblem> {
        let n = bytes.count
        if bytes.contains(0) { return .failure(CommitProblem("a NUL byte in the commit")) }
        // The header ends at the first empty line; without one the last header line must end in LF.
        var headerEnd = n
        var k = 0
        while k + 1 < n {
            if bytes[k] == 0x0A && bytes[k + 1] == 0x0A {
                headerEnd = k + 1
                break
            }
            k += 1
        }
        if headerEnd == n && (n == 0 || bytes[n - 1] != 0x0A) { return .failure(CommitProblem("unterminated header")) }
        var i = 0
        func skip(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard i + count <= n else { return false }
            for m in 0..<count where bytes[i + m] != prefix.utf8Start[m] { return false }
            i += count
            return true
        }
        func objectID() -> ObjectID? {
            guard i + 41 <= n, bytes[i + 40] == 0x0A else { return nil }
            var raw = [UInt8](repeating: 0, count: 20)
            for m in 0..<20 {
                guard let high = hexValue(bytes[i + 2 * m]), let low = hexValue(bytes[i + 2 * m + 1]) else { return nil }
                raw[m] = high << 4 | low
            }
            i += 41
            return raw.withUnsafeBytes { bytes in bytes.baseAddress.map { ObjectID(bytes: $0) } }
        }
        guard skip("tree ") else { return .failure(CommitProblem("no tree line")) }
        guard let tree = objectID() else { return .failure(CommitProblem("malformed tree line")) }
        var parents: [ObjectID] = []
        while skip("parent ") {
            guard let parent = objectID() else { return .failure(CommitProblem("malformed parent line")) }
            parents.append(parent)
        }
        var authors = 0
        while skip("author ") {
            authors += 1
            if let problem = checkIdent(bytes, &i) { return .failure(CommitProblem("author: \(problem)")) }
        }
        if authors == 0 { return .failure(CommitProblem("no author")) }
        if authors > 1 { return .failure(CommitProblem("more than one author")) }
        guard skip("committer ") else { return .failure(CommitProblem("no committer")) }
        if let problem = checkIdent(bytes, &i) { return .failure(CommitProblem("committer: \(problem)")) }
        return .success(RawCommit(tree: tree, parents: parents, messageStart: min(headerEnd + 1, n)))
    }

    public struct CommitProblem: Error, Sendable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }

    /// git's `fsck_ident`: `Name <email> 1234567890 +0000` then LF; advances `i` past the line.
    private static func checkIdent(_ bytes: UnsafeRawBufferPointer, _ i: inout Int) -> String? {
        let n = bytes.count
        var p = i
        var lineEnd = p
        while lineEnd < n && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        i = lineEnd < n ? lineEnd + 1 : lineEnd
        func at(_ q: Int) -> UInt8 { q < lineEnd ? bytes[q] : (q == lineEnd && lineEnd < n ? 0x0A : 0) }
        if at(p) == 0x3C { return "missing space before email" }
        while p < lineEnd && at(p) != 0x3C && at(p) != 0x3E { p += 1 }
        if at(p) == 0x3E { return "bad name" }
        if at(p) != 0x3C { return "missing email" }
        if p == 0 || bytes[p - 1] != 0x20 { return "missing space before email" }
        p += 1
        while p < lineEnd && at(p) != 0x3C && at(p) != 0x3E { p += 1 }
        if at(p) != 0x3E { return "bad email" }
        p += 1
        if at(p) != 0x20 { return "missing space before date" }
        p += 1
        if at(p) == 0x30 && at(p + 1) != 0x20 { return "zero-padded date" }
        let dateStart = p
        var date: UInt64 = 0
        while at(p) >= 0x30 && at(p) <= 0x39 {
            let (times, o1) = date.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt64(at(p) - 0x30))
            if o1 || o2 || plus > UInt64(Int64.max) { return "date causes integer overflow" }
            date = plus
            p += 1
        }
        if p == dateStart || at(p) != 0x20 { return "bad date" }
        p += 1
        let sign = at(p)
        guard sign == 0x2B || sign == 0x2D else { return "bad time zone" }
        for m in 1...4 where !(at(p + m) >= 0x30 && at(p + m) <= 0x39) { return "bad time zone" }
        if at(p + 5) != 0x0A { return "bad time zone" }
        return nil
    }
}
