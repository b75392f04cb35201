/// Quoting and recognizing the command lines mnem installs into agents' settings.
public enum ShellWords {
    /// `word` as one shell word: as is when it holds only safe characters, else single-quoted.
    public static func quote(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || "/._-+:@=,%".unicodeScalars.contains(c))
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The first `limit` words of a command line (single and double quotes understood; no expansion).
    public static func words(_ line: String, limit: Int = 3) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for c in line {
            if words.count >= limit { break }
            if let open = quote {
                if c == open { quote = nil } else { current.append(c) }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                inWord = true
            case " ", "\t", "\n":
                if inWord {
                    words.append(current)
                    current = ""
                    inWord = false
                }
            default:
                current.append(c)
                inWord = true
            }
        }
        if inWord && words.count < limit { words.append(current) }
        return words
    }

    /// Whether `command` is one mnem installed: a program named `mnem` whose first argument is `hook`.
    ///
    /// The program's directory does not matter, so an entry installed from another build of
    /// mnem is still recognized (and replaced on install, removed on uninstall).
    public static func isMnemHook(_ command: String) -> Bool {
        let parts = words(command, limit: 2)
        guard parts.count == 2, let program = parts.first else { return false }
        return program.split(separator: "/").last.map(String.init) == "mnem" && parts[1] == "hook"
    }

    /// The same test for a command given as an argument vector (Codex `notify`).
    public static func isMnemHook(argv: [String]) -> Bool {
        guard argv.count >= 2 else { return false }
        return argv[0].split(separator: "/").last.map(String.init) == "mnem" && argv[1] == "hook"
    }
}
