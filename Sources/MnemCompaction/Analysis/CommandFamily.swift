import Foundation

/// The family a command belongs to: its program, the subcommand and the flags that change what it
/// does, with every concrete value replaced by a placeholder (`pytest -x -k <test>`,
/// `pip install -e .`, `mix deps.get`, `cat > <file.py> <<EOF`).
///
/// Families are what the insight miner counts: two runs of `pytest -x -k <test>` on different
/// tests in different repositories are one technique. Only flags that change behaviour are kept
/// (the flags of `ls -la` say nothing about a technique and made the prototype's insights noise);
/// an argument survives only as its kind (`.`, `<file.py>`, `<test>`, a version pin).
enum CommandFamily {
    /// Programs whose first positional word is a subcommand worth keeping (`git diff`, `npm ci`).
    static let subcommandPrograms: Set<String> = [
        "git", "pip", "npm", "yarn", "pnpm", "bun", "cargo", "go", "mix", "poetry", "uv", "docker", "docker-compose", "bundle",
        "rails", "rake", "dotnet", "gh", "conda", "apt", "apt-get", "brew", "make", "npx", "pnpx", "bunx", "deno", "swift",
        "gradle", "mvn", "composer", "gem", "pipx", "kubectl", "terraform", "nox", "tox", "pre-commit", "alembic", "django-admin",
    ]

    /// The flags that change what a program does, by program; other flags are dropped from the family.
    static let techniqueFlags: [String: Set<String>] = [
        "pytest": ["-x", "-k", "-q", "-v", "-s", "--tb", "--lf", "--ff", "-l", "-rA", "--maxfail", "-p", "--no-header", "-vv", "--co", "--collect-only"],
        "pip": ["-e", "--editable", "-r", "-U", "--upgrade", "--no-deps", "--force-reinstall", "--user", "--pre", "-q"],
        "npm": ["--legacy-peer-deps", "--save-dev", "-D", "--force", "--silent", "--prefix", "-g"],
        "yarn": ["--frozen-lockfile", "--immutable", "-D", "--dev"],
        "pnpm": ["--frozen-lockfile", "-D"],
        "grep": ["-r", "-R", "-n", "-l", "-i", "-E", "-A", "-B", "-C", "-w", "-v", "--include", "-c", "-o", "-F"],
        "rg": ["-n", "-l", "-i", "-w", "-t", "-g", "-A", "-B", "-C", "-F"],
        "sed": ["-n", "-i", "-e", "-E"],
        "git": ["--stat", "--cached", "--staged", "--name-only", "--oneline", "-p", "--short", "-s", "--porcelain", "-b", "--hard", "-u"],
        "python": ["-c", "-m", "-W", "-X", "-u", "-i", "-B"],
        "node": ["-e", "-p", "--test", "--inspect"],
        "mix": ["--failed", "--trace", "--stale", "--max-failures", "--warnings-as-errors", "--force"],
        "cargo": ["--release", "--lib", "--all", "--workspace", "--no-run", "--all-features", "-p"],
        "go": ["-run", "-v", "-race", "-count", "./..."],
        "find": ["-name", "-path", "-exec"],
        "head": ["-n", "-c"],
        "tail": ["-n", "-f", "-c"],
        "ls": [],
        "cat": ["-n", "-A"],
        "curl": ["-s", "-I", "-X", "-v", "-f", "-L", "-o"],
        "docker": ["-d", "-it", "--rm"],
        "tsc": ["--noEmit", "--watch", "-p"],
        "jest": ["--watch", "-t", "--runInBand", "--coverage"],
        "vitest": ["run", "-t"],
        "make": ["-j", "-C", "-k"],
    ]

    /// The flags that take a value, by program (`pytest -k EXPR`, `head -n 20`, `pip install -e .`).
    static let valueFlags: [String: Set<String>] = [
        "pytest": ["-k", "--tb", "-p", "--maxfail"], "pip": ["-e", "--editable", "-r"], "python": ["-c", "-m", "-W", "-X"],
        "node": ["-e", "-p"], "grep": ["-A", "-B", "-C", "--include"], "rg": ["-t", "-g", "-A", "-B", "-C"], "sed": ["-e"],
        "head": ["-n", "-c"], "tail": ["-n", "-c"],         "go": ["-run", "-count"], "jest": ["-t"], "vitest": ["-t"], "mix": ["--max-failures"], "cargo": ["-p"], "make": ["-C", "-j"],
        "curl": ["-X", "-o"], "tsc": ["-p"],
    ]

    /// The family of one simple command.
    ///
    /// - Parameters:
    ///   - simple: the command that does the work.
    ///   - hereDocument: the line feeds a here-document (`cat > x.py << 'EOF'`, `python - << EOF`).
    static func family(of simple: ShellCommand.Simple, hereDocument: Bool) -> String {
        let program = simple.program
        guard !program.isEmpty else {
            if simple.redirectsToFile { return "> " + placeholder(simple.redirectTarget ?? "") + (hereDocument ? " <<EOF" : "") }
            return ""
        }
        var parts = [Abstraction.vocabulary.contains(program) || isWellKnown(program) ? program : placeholder(simple.words.first?.text ?? "")]
        if parts[0] == "<identifier>" || parts[0] == "<path>" || parts[0].hasPrefix("<file") {
            // A program of the task's own (`./run.sh`, `bin/server`): its kind, not its name.
            return parts[0].hasPrefix("<file") ? "./" + parts[0] : "<program>"
        }
        let flags = techniqueFlags[program] ?? []
        var keptFlags: [String] = []
        var subcommand: String?
        var argumentKinds: [String] = []
        var sawPositional = false
        var words = simple.arguments[...]
        while let word = words.first {
            words = words.dropFirst()
            let text = word.text
            if !word.quoted, text.hasPrefix("-"), text.count > 1 {
                let name = text.split(separator: "=", maxSplits: 1).first.map(String.init) ?? text
                // Bundled short flags (`-rn`, `-xvs`) are several flags.
                if !flags.contains(name), !name.hasPrefix("--"), name.count > 2, name.dropFirst().allSatisfy({ $0.isLetter && $0.isASCII }) {
                    keptFlags += name.dropFirst().map { "-" + String($0) }.filter(flags.contains)
                    continue
                }
                if flags.contains(name) {
                    keptFlags.append(name)
                    // A flag that takes a value (`-k expr`, `-m module`, `-n 20`) keeps its value's kind.
                    if valueFlags[program]?.contains(name) == true, !text.contains("="), let value = words.first
                    {
                        words = words.dropFirst()
                        keptFlags[keptFlags.count - 1] += " " + valuePlaceholder(flag: name, program: program, value)
                    }
                } else if program == "python", text.hasPrefix("-c") || text.hasPrefix("-m") {
                    keptFlags.append(String(text.prefix(2)))
                }
                continue
            }
            // Only the first positional word can be a subcommand (`npx create-app@latest NAME`
            // has none: its second word is the task's own).
            let firstPositional = !sawPositional
            sawPositional = true
            if firstPositional, subcommandPrograms.contains(program), !word.quoted, isSubcommand(text) {
                subcommand = text
                // `npm run build`, `npx tsc`: the script or tool run is part of the family.
                if ["run", "exec", "x"].contains(text), ["npm", "yarn", "pnpm", "bun", "uv", "poetry", "cargo"].contains(program),
                    let next = words.first, !next.quoted, isSubcommand(next.text)
                {
                    words = words.dropFirst()
                    subcommand = text + " " + next.text
                }
                continue
            }
            // The kind of the first argument or two: `.`, a file, a test id, a pinned version.
            if argumentKinds.count < 1 {
                let kind = argumentPlaceholder(word, program: program)
                if !kind.isEmpty { argumentKinds.append(kind) }
            }
        }
        if let subcommand { parts.append(subcommand) }
        parts += Array(Set(keptFlags)).sorted()
        parts += argumentKinds
        if simple.redirectsToFile, let target = simple.redirectTarget { parts.append("> " + placeholder(target)) }
        if hereDocument { parts.append("<<EOF") }
        return parts.joined(separator: " ")
    }

    /// The commands an agent harness adds to the shell (SWE-agent's editor and navigation): a
    /// harness's vocabulary, not a command family a different agent could run.
    static let harnessCommands: Set<String> = [
        "open", "goto", "scroll_up", "scroll_down", "create", "edit", "insert", "append", "submit", "find_file", "search_dir",
        "search_file", "str_replace", "undo_edit", "filemap", "decompile", "disassemble", "debug_start", "debug_exec", "connect_start",
    ]

    /// How the output of a command was shaped, read from its line: merged streams, a tail, a
    /// filter, a time limit, a background run.
    enum Modifier: String, Sendable, CaseIterable, Comparable {
        case mergedStreams = "2>&1"
        case tail = "| tail -n <number>"
        case head = "| head -n <number>"
        case grep = "| grep <pattern>"
        case quietErrors = "2>/dev/null"
        case timeout = "timeout <number>"
        case background = "&"

        static func < (a: Modifier, b: Modifier) -> Bool { a.rawValue < b.rawValue }
    }

    /// The modifiers on the first line of `line` (a here-document's body is data).
    static func modifiers(_ line: String) -> [Modifier] {
        let first = line.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? line
        var found = Set<Modifier>()
        let compact = String(first.unicodeScalars.filter { $0 != " " })
        if compact.contains("2>&1") || compact.contains("&>") { found.insert(.mergedStreams) }
        if compact.contains("2>/dev/null") { found.insert(.quietErrors) }
        if first.contains("|") {
            for pipe in first.split(separator: "|").dropFirst() {
                let program = ShellCommand.programName(pipe.split(separator: " ").first.map(String.init) ?? "")
                switch program {
                case "tail": found.insert(.tail)
                case "head": found.insert(.head)
                case "grep", "egrep", "rg": found.insert(.grep)
                default: break
                }
            }
        }
        let trimmed = first.trimmedASCII
        if trimmed.hasPrefix("timeout ") || trimmed.contains("&& timeout ") { found.insert(.timeout) }
        if trimmed.hasSuffix("&"), !trimmed.hasSuffix("&&") { found.insert(.background) }
        return found.sorted()
    }

    static func isWellKnown(_ program: String) -> Bool {
        techniqueFlags[program] != nil || subcommandPrograms.contains(program)
            || ["python", "node", "ruby", "perl", "php", "java", "mypy", "ruff", "flake8", "pylint", "eslint", "prettier", "black", "credo", "dialyzer", "iex", "elixir", "tsc", "jest", "vitest"]
                .contains(program)
    }

    /// A subcommand or script name: lower-case letters, digits and `._:-`, not a path or a file.
    static func isSubcommand(_ text: String) -> Bool {
        guard let first = text.first, first.isLetter, first.isLowercase, text.count <= 24 else { return false }
        guard Abstraction.fileExtension(text) == nil || text.contains("deps.") || text.contains("phx.") || text.contains("ecto.") else { return false }
        return text.allSatisfy { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "." || $0 == "_" || $0 == ":" || $0 == "-" }
    }

    static func placeholder(_ text: String) -> String {
        Abstraction.word(ShellCommand.Word(text: text, quoted: false))
    }

    static func valuePlaceholder(flag: String, program: String, _ value: ShellCommand.Word) -> String {
        if program == "pip" {
            if flag == "-r" { return "<requirements.txt>" }
            return value.text == "." ? "." : "<path>"
        }
        switch flag {
        case "-k", "-run", "-t": return "<test>"
        case "-m": return value.quoted ? "<string>" : (Abstraction.vocabulary.contains(value.text) ? value.text : "<module>")
        case "-c", "-e", "-p": return "<snippet>"
        case "-n", "-A", "-B", "-C": return "<number>"
        case "--tb": return value.text.count <= 6 ? value.text : "<style>"
        default: return Abstraction.word(value)
        }
    }

    /// An argument's kind: `.` (the project), `<file.py>`, `<test>`, `<package>==<version>`; empty for what says nothing.
    static func argumentPlaceholder(_ word: ShellCommand.Word, program: String) -> String {
        let text = word.text
        if word.quoted { return "" }
        // Where a search or a listing looks says nothing about the technique; `pip install -e .` does.
        if ["grep", "egrep", "rg", "ag", "ack", "find", "fd", "ls", "tree", "du"].contains(program) { return "" }
        if text == "." || text == "-" { return text }
        if text.contains("==") || text.contains(">=") || text.contains("~=") || (text.contains("@") && !text.hasPrefix("@") && program != "git") {
            return "<package>==<version>"
        }
        if text.contains("::") { return "<test>" }
        let abstracted = Abstraction.word(word)
        if abstracted.hasPrefix("<file") {
            if let ext = Abstraction.fileExtension(text), ext == "txt", text.lowercased().contains("requirements") { return "<requirements.txt>" }
            return abstracted
        }
        if ["pip", "npm", "yarn", "pnpm", "gem", "cargo", "go", "conda", "apt", "apt-get", "brew", "uv", "poetry"].contains(program) { return "<package>" }
        return ""
    }
}
