import Foundation

/// Replaces the concrete values of a command with placeholders, so a workflow step says what was
/// done without naming the task's files, paths, tests, strings or identifiers.
///
/// Only words from a fixed vocabulary (well-known programs, subcommands and flags) survive; every
/// other word becomes `<file.py>`, `<dir>`, `<path>`, `<test>`, `<url>`, `<number>`, `<hash>`,
/// `<string>`, `<pattern>` or `<identifier>`. That is what makes the output safe by construction.
enum Abstraction {
    /// File extensions kept in `<file.ext>` placeholders; any other extension gives `<file>`.
    static let extensions: Set<String> = [
        "py", "pyi", "ipynb", "js", "mjs", "cjs", "ts", "tsx", "jsx", "json", "md", "rst", "txt", "toml", "yaml", "yml", "ini",
        "cfg", "ex", "exs", "heex", "eex", "erl", "go", "rs", "c", "h", "cc", "cpp", "hpp", "java", "kt", "rb", "php", "sh",
        "bash", "zsh", "html", "css", "scss", "vue", "svelte", "v", "sv", "vhd", "swift", "sql", "xml", "lock", "log", "csv",
        "patch", "diff", "lua", "r", "scala", "cs", "fs", "dart", "zig", "nim", "ml", "hs", "pl", "dockerfile", "env", "conf",
    ]

    /// Programs and subcommands that may appear as they are.
    static let vocabulary: Set<String> = [
        // programs
        "python", "pip", "pytest", "tox", "nox", "uv", "poetry", "conda", "node", "npm", "npx", "yarn", "pnpm", "bun", "deno",
        "jest", "vitest", "mocha", "tsc", "eslint", "prettier", "cargo", "rustc", "go", "mix", "elixir", "iex", "erl", "ruby",
        "gem", "bundle", "rake", "rails", "rspec", "java", "javac", "mvn", "gradle", "gradlew", "dotnet", "swift", "swiftc",
        "make", "cmake", "ninja", "gcc", "clang", "cc", "iverilog", "vvp", "php", "composer", "phpunit", "perl", "bash", "sh",
        "zsh", "git", "gh", "grep", "egrep", "rg", "ag", "ack", "find", "fd", "locate", "cat", "head", "tail", "less", "more",
        "nl", "wc", "ls", "tree", "stat", "file", "pwd", "diff", "du", "which", "type", "sed", "awk", "echo", "printf", "tee",
        "patch", "cp", "mv", "rm", "mkdir", "touch", "chmod", "ln", "curl", "wget", "docker", "kill", "pkill", "ps", "lsof",
        "apt", "brew", "yum", "dnf", "apk", "cd", "export", "source", "sleep", "xxd", "od", "strings", "objdump", "readelf",
        "gdb", "nc", "ssh", "unzip", "tar", "open", "goto", "edit", "create", "submit", "scroll_up", "scroll_down",
        "search_dir", "search_file", "find_file", "ctest", "nosetests", "unittest", "pyright", "mypy", "ruff", "flake8",
        "black", "isort", "pylint", "sort", "uniq", "cut", "tr", "xargs", "jq", "sqlite3", "psql", "redis-cli", "netstat",
        "ss", "timeout", "true", "false", "test", "env", "decompile", "disassemble",
        // subcommands
        "status", "log", "show", "add", "commit", "checkout", "switch", "branch", "stash", "reset", "restore", "apply",
        "clone", "pull", "push", "fetch", "merge", "rebase", "init", "blame", "build", "run", "install", "uninstall", "i",
        "ci", "start", "dev", "serve", "exec", "check", "clippy", "fmt", "format", "lint", "get", "mod", "tidy", "compile",
        "clean", "update", "upgrade", "list", "freeze", "version", "help", "remove", "sync", "new", "view", "rev-parse",
        "ls-files", "worktree", "config", "remote", "tag", "cherry-pick", "revert", "pr", "issue", "up", "down", "ps",
        "compose", "vet", "doc", "bench", "watch", "preview", "typecheck", "setup", "develop", "venv", "str_replace",
        "insert", "undo_edit", "replace", "write", "read", "glob", "search", "web", "fetch", "browse", "keystrokes",
    ]

    /// The abstracted form of a command, at most `limit` words.
    static func command(_ words: [ShellCommand.Word], limit: Int = 8) -> String {
        var out: [String] = []
        var previous = ""
        for word in words {
            let abstracted = self.word(word, after: previous)
            previous = word.text
            // A run of the same placeholder says no more than one.
            if abstracted.hasPrefix("<"), out.last == abstracted { continue }
            out.append(abstracted)
            if out.count == limit {
                if words.count > limit { out.append("…") }
                break
            }
        }
        return out.joined(separator: " ")
    }

    /// One word, abstracted.
    static func word(_ word: ShellCommand.Word, after previous: String = "") -> String {
        let text = word.text
        if word.quoted || text.isEmpty { return "<string>" }
        if text.contains("://") { return "<url>" }
        if text.hasPrefix("-") {
            if let eq = text.firstIndex(of: "=") {
                let flag = String(text[..<eq])
                let value = String(text[text.index(after: eq)...])
                return (isFlag(flag) ? flag : "<flag>") + "=" + self.word(ShellCommand.Word(text: value, quoted: false))
            }
            return isFlag(text) ? text : (isNumber(text) ? "<number>" : "<flag>")
        }
        if text.contains("::") { return "<test>" }
        if isNumber(text) { return "<number>" }
        if isHash(text) { return "<hash>" }
        if text.contains("*") || text.contains("?") || text.contains("[") { return "<pattern>" }
        if let ext = fileExtension(text) { return extensions.contains(ext) ? "<file.\(ext)>" : "<file>" }
        if text.contains("/") || text == "." || text == ".." || text == "~" {
            if text.hasSuffix("/") || text == "." || text == ".." || text == "~" || ["cd", "ls", "mkdir", "find", "tree"].contains(previous) {
                return "<dir>"
            }
            return "<path>"
        }
        if vocabulary.contains(text) { return text }
        return "<identifier>"
    }

    static func isFlag(_ text: String) -> Bool {
        let body = text.drop(while: { $0 == "-" })
        guard text.count - body.count <= 2, let first = body.first, first.isLetter, body.count <= 24 else { return false }
        return body.allSatisfy { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    static func isNumber(_ text: String) -> Bool {
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard let first = body.first, first.isNumber else { return false }
        return body.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" || $0 == "," || $0 == "_" || $0 == "%" }
    }

    static func isHash(_ text: String) -> Bool {
        guard (7...64).contains(text.count) else { return false }
        let hex = text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
        return hex && text.contains(where: \.isNumber) && text.contains(where: \.isLetter)
    }

    /// The extension of the last path component (`pkg/mod.py` → `py`), lower-cased, or nil.
    static func fileExtension(_ text: String) -> String? {
        if let ascii = asciiFileExtension(text.utf8) { return ascii }
        return anyFileExtension(text)
    }

    /// `fileExtension` over Characters, for any text.
    static func anyFileExtension(_ text: String) -> String? {
        let last = text.split(separator: "/").last.map(String.init) ?? text
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        let ext = last[last.index(after: dot)...]
        guard (1...10).contains(ext.count), ext.allSatisfy({ $0.isLetter || $0.isNumber }), ext.contains(where: \.isLetter) else { return nil }
        return ext.lowercased()
    }

    /// `fileExtension` over the bytes of an ASCII last component, without building Characters
    /// (it runs on every word of every command). Nil when the component is not ASCII, which
    /// leaves the answer to the general code; otherwise the answer (`.some(nil)` when none).
    static func asciiFileExtension(_ utf8: String.UTF8View) -> String?? {
        var end = utf8.endIndex
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: "/") { end = utf8.index(before: end) }
        if end == utf8.startIndex { return utf8.contains(where: { $0 >= 0x80 }) ? nil : .some(nil) }
        var start = end
        var dot: String.UTF8View.Index?
        while start > utf8.startIndex {
            let previous = utf8.index(before: start)
            let byte = utf8[previous]
            if byte == UInt8(ascii: "/") { break }
            if byte >= 0x80 { return nil }
            if byte == UInt8(ascii: "."), dot == nil { dot = previous }
            start = previous
        }
        guard let dot, dot != start else { return .some(nil) }
        let ext = utf8[utf8.index(after: dot)..<end]
        guard (1...10).contains(ext.count) else { return .some(nil) }
        var letter = false
        for byte in ext {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): continue
            default: return .some(nil)
            }
        }
        guard letter else { return .some(nil) }
        return .some(String(decoding: ext.map { $0 | (($0 >= 0x41 && $0 <= 0x5A) ? 0x20 : 0) }, as: UTF8.self))
    }

    /// The base name of a path-like word, for matching what was read with what was edited.
    static func baseName(_ text: String) -> String? {
        let trimmed = text.trimmedASCII
        guard !trimmed.isEmpty, fileExtension(trimmed) != nil else { return nil }
        return trimmed.split(separator: "/").last.map(String.init)
    }
}
