/// The names git refuses in a tree, or that a checkout on some file system would turn into
/// `.git` or `.gitmodules`: the rules `git fsck` applies (`fsck_tree`, `is_ntfs_dotgit`,
/// `is_hfs_dotgit` in git's `path.c` and `utf8.c`), written over the raw name bytes.
///
/// Git checks these names so that no clone can write into its own `.git` directory: NTFS
/// ignores trailing dots and spaces and reads `name::$INDEX_ALLOCATION` as `name`, and knows
/// the 8.3 short name `GIT~1`; HFS+ ignores some Unicode code points (zero-width joiners,
/// direction marks) and folds case.
public enum TreeEntryNames {
    /// Why a tree entry name is refused, or nil when git (and mnem) accept it.
    ///
    /// Refused: an empty name, `.`, `..`, a name with `/`, a NUL or another control character,
    /// a backslash, and any name a checkout could turn into `.git` or `.gitmodules` (mnem has no
    /// submodules, so a `.gitmodules` file is hostile wherever it is).
    public static func problem(_ name: UnsafeRawBufferPointer) -> String? {
        if name.isEmpty { return "empty name" }
        if name.count == 1 && name[0] == 0x2E { return "a '.' entry" }
        if name.count == 2 && name[0] == 0x2E && name[1] == 0x2E { return "a '..' entry" }
        for byte in name {
            if byte == 0x2F { return "a '/' inside a name" }
            if byte < 0x20 || byte == 0x7F { return "a control character in a name" }
            if byte == 0x5C { return "a backslash in a name" }
        }
        if isDotGit(name) { return "names .git (or a name a checkout on Windows or macOS reads as .git)" }
        if isDotGitModules(name) { return "names .gitmodules (or a variant of it)" }
        return nil
    }

    /// `problem` for a Swift string (tests, messages).
    public static func problem(_ name: String) -> String? {
        var copy = name
        return copy.withUTF8 { problem(UnsafeRawBufferPointer($0)) }
    }

    /// `.git` in any case, with trailing dots or spaces or an NTFS stream suffix, `git~1`, or
    /// `.git` with HFS+-ignorable code points anywhere.
    public static func isDotGit(_ name: UnsafeRawBufferPointer) -> Bool {
        isNTFSDotGit(name) || isHFS(name, needle: "git")
    }

    /// `.gitmodules` in any case, its NTFS short names (`gitmod~1`…`~4`, `gi7eba~N`) with trailing
    /// dots, spaces or a stream suffix, or with HFS+-ignorable code points.
    public static func isDotGitModules(_ name: UnsafeRawBufferPointer) -> Bool {
        isNTFSDotGeneric(name, dotName: "gitmodules", shortPrefix: "gi7eba") || isHFS(name, needle: "gitmodules")
    }

    /// `.gitattributes` and its variants: a file git parses, so its lines are checked like git does.
    public static func isDotGitAttributes(_ name: UnsafeRawBufferPointer) -> Bool {
        isNTFSDotGeneric(name, dotName: "gitattributes", shortPrefix: "gi7d29") || isHFS(name, needle: "gitattributes")
    }

    public static func isDotGitAttributes(_ name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { isDotGitAttributes(UnsafeRawBufferPointer($0)) }
    }

    // MARK: - NTFS

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// What follows a matched name: only dots and spaces up to the end or a ':' (an NTFS stream).
    private static func onlyDotsAndSpaces(_ name: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var i = start
        while i < name.count {
            let c = name[i]
            if c == 0x3A || c == 0x2F || c == 0x5C { return true }
            if c != 0x2E && c != 0x20 { return false }
            i += 1
        }
        return true
    }

    /// git's `is_ntfs_dotgit`: `.git` or `git~1`, case-insensitive, then only dots and spaces.
    private static func isNTFSDotGit(_ name: UnsafeRawBufferPointer) -> Bool {
        let n = name.count
        if n >= 4 && name[0] == 0x2E && lower(name[1]) == 0x67 && lower(name[2]) == 0x69 && lower(name[3]) == 0x74 {
            return onlyDotsAndSpaces(name, from: 4)
        }
        if n >= 5 && lower(name[0]) == 0x67 && lower(name[1]) == 0x69 && lower(name[2]) == 0x74 && name[3] == 0x7E && name[4] == 0x31 {
            return onlyDotsAndSpaces(name, from: 5)
        }
        return false
    }

    /// git's `is_ntfs_dot_generic`: `.<name>`, its 6-character short name with `~1`…`~4`, or the
    /// hashed fallback short name (`<prefix>~N`), each followed only by dots and spaces.
    private static func isNTFSDotGeneric(_ name: UnsafeRawBufferPointer, dotName: StaticString, shortPrefix: StaticString) -> Bool {
        let needle = UnsafeRawBufferPointer(start: dotName.utf8Start, count: dotName.utf8CodeUnitCount)
        let prefix = UnsafeRawBufferPointer(start: shortPrefix.utf8Start, count: shortPrefix.utf8CodeUnitCount)
        let n = name.count
        if n >= needle.count + 1 && name[0] == 0x2E {
            var same = true
            for k in 0..<needle.count where lower(name[k + 1]) != needle[k] {
                same = false
                break
            }
            if same { return onlyDotsAndSpaces(name, from: needle.count + 1) }
        }
        if n >= 8 && name[6] == 0x7E && name[7] >= 0x31 && name[7] <= 0x34 {
            var same = true
            for k in 0..<6 where lower(name[k]) != needle[k] {
                same = false
                break
            }
            if same { return onlyDotsAndSpaces(name, from: 8) }
        }
        // The fallback: up to 6 characters of the prefix, '~', a digit 1-9, then digits to 8 characters.
        var i = 0
        var sawTilde = false
        while i < 8 {
            guard i < n else { return false }
            let c = name[i]
            if sawTilde {
                if c < 0x30 || c > 0x39 { return false }
            } else if c == 0x7E {
                i += 1
                guard i < n, name[i] >= 0x31, name[i] <= 0x39 else { return false }
                sawTilde = true
            } else if i >= 6 || c & 0x80 != 0 || lower(c) != prefix[i] {
                return false
            }
            i += 1
        }
        return onlyDotsAndSpaces(name, from: 8)
    }

    // MARK: - HFS+

    /// Code points HFS+ drops from names (git's `next_hfs_char`).
    private static func isHFSIgnorable(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x200C...0x200F, 0x202A...0x202E, 0x206A...0x206F, 0xFEFF: true
        default: false
        }
    }

    /// git's `is_hfs_dot_generic`: '.' then `needle`, case-folded (ASCII), ignoring the code points
    /// above, and nothing after. Malformed UTF-8 never matches.
    private static func isHFS(_ name: UnsafeRawBufferPointer, needle: StaticString) -> Bool {
        // Quick exit: every match starts with '.' or an ignorable code point (all start with 0xE2 or 0xEF).
        guard let first = name.first, first == 0x2E || first == 0xE2 || first == 0xEF else { return false }
        var scalars: [UInt32] = []
        var iterator = name.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if isHFSIgnorable(scalar.value) { continue }
                scalars.append(scalar.value)
                if scalars.count > needle.utf8CodeUnitCount + 1 { return false }
            case .emptyInput: break loop
            case .error: return false
            }
        }
        guard scalars.count == needle.utf8CodeUnitCount + 1, scalars[0] == 0x2E else { return false }
        let bytes = UnsafeRawBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        for (k, byte) in bytes.enumerated() {
            let c = scalars[k + 1]
            guard c < 0x80, lower(UInt8(c)) == byte else { return false }
        }
        return true
    }
}
