import MnemCore

/// What a step did, as far as the outcome is concerned: changed files, checked the work, or neither.
enum StepRole: Equatable {
    case edit
    case check(OutcomeSignal)
    case other

    /// The role of `step`, from its tool and its input.
    ///
    /// A file-editing tool (`Edit`, `Write`, `apply_patch`, `str_replace_editor create`, …) is an
    /// edit; a command line is split into its commands (`&&`, `||`, `;`, `|`, newlines) and each
    /// read past its wrappers (`cd x`, `VAR=1`, `timeout 60`, `uv run`, `npx`, `bundle exec`, …):
    /// a test runner makes the step a test, a compiler or type checker a build, running the
    /// program (`python app.py`, `node server.js`, `cargo run`, `curl localhost:…`) a run; a
    /// command that writes files (`sed -i`, `> file`, `tee`, `patch`, `git apply`) an edit.
    static func of(_ step: TrajectoryStep) -> StepRole {
        let tool = step.tool.lowercased()
        if editTools.contains(tool) { return .edit }
        if editorTools.contains(tool) {
            let command = commandField(step.input)
            return command == nil || ["view", "read"].contains(command ?? "") ? .other : .edit
        }
        if tool == "run_ipython" || tool == "ipython" || tool == "execute_ipython_cell" {
            return ipythonEdits.contains { step.input.contains($0) } ? .edit : .other
        }
        if nonShellTools.contains(tool) { return .other }
        let input = step.input.trimmingWhitespace
        if input.hasPrefix("{") || input.isEmpty { return .other }
        return ofCommandLine(input)
    }

    /// The role of a shell command line: the strongest of its commands (test over build over run
    /// over edit), so `sed -i … && pytest` is a test and `pip install x && python app.py` a run.
    static func ofCommandLine(_ line: String) -> StepRole {
        var best = StepRole.other
        var wrote = false
        for segment in CommandLine.segments(line[...]) {
            let words = CommandLine.words(segment.text)
            switch classify(words) {
            case .check(let signal):
                if rank(signal) > rank(best) { best = .check(signal) }
            case .edit:
                wrote = true
            case .other:
                if writesFile(segment.text, words) { wrote = true }
            }
        }
        if case .check = best { return best }
        return wrote ? .edit : .other
    }

    static func rank(_ role: StepRole) -> Int {
        if case .check(let signal) = role { return rank(signal) }
        return 0
    }

    static func rank(_ signal: OutcomeSignal) -> Int {
        switch signal {
        case .test: 3
        case .build: 2
        case .run: 1
        default: 0
        }
    }

    // MARK: - Tools

    static let editTools: Set<String> = [
        "edit", "multiedit", "write", "notebookedit", "write_file", "replace", "edit_file", "create_file", "apply_patch",
        "str_replace", "insert", "create", "append", "write_to_file", "replace_in_file", "search_replace", "patch",
    ]
    /// Editors whose `command` argument says whether a call views or changes a file.
    static let editorTools: Set<String> = ["str_replace_editor", "str_replace_based_edit_tool", "file_editor", "text_editor", "edit_tool"]
    static let ipythonEdits = ["edit_file_by_replace(", "insert_content_at_line(", "append_file(", "create_file(", "open(", ".write("]
    static let nonShellTools: Set<String> = [
        "read", "glob", "grep", "ls", "todowrite", "todoread", "websearch", "webfetch", "task", "agent", "read_file", "read_many_files",
        "list_directory", "glob_files", "search_file_content", "web_fetch", "google_web_search", "view", "open", "goto", "scroll_up",
        "scroll_down", "search_file", "search_dir", "find_file", "submit", "git-commit", "think", "finish", "browse",
        "browse_interactive", "mark_task_complete", "exitplanmode", "killshell", "bashoutput", "skill", "slashcommand",
    ]

    static func commandField(_ input: String) -> String? {
        guard input.hasPrefix("{"), let value = try? JSONParser.parse(input, duplicateKeys: .lastWins) else { return nil }
        return value["command"]?.stringValue
    }

    // MARK: - Commands

    /// Words that wrap the command that matters (`timeout 60 pytest`, `uv run pytest`).
    static let wrappers: Set<String> = [
        "sudo", "env", "time", "nice", "nohup", "timeout", "xvfb-run", "exec", "command", "stdbuf", "unbuffer", "npx", "bunx", "pnpx",
        "dotenv", "catchsegv", "strace", "valgrind",
    ]
    /// Wrappers followed by a word of their own before the command (`uv run X`, `poetry run X`).
    static let twoWordWrappers: [String: Set<String>] = [
        "uv": ["run"], "poetry": ["run"], "pipenv": ["run"], "pdm": ["run"], "hatch": ["run"], "rye": ["run"], "conda": ["run"],
        "bundle": ["exec"], "pnpm": ["exec", "dlx"], "yarn": ["exec", "dlx"], "npm": ["exec"], "mamba": ["run"], "pixi": ["run"],
    ]

    static let testRunners: Set<String> = [
        "pytest", "py.test", "tox", "nox", "jest", "vitest", "mocha", "ava", "karma", "rspec", "phpunit", "pest", "ctest", "bats",
        "nosetests", "trial", "behave", "cucumber", "playwright", "cypress", "prove",
    ]
    static let buildTools: Set<String> = [
        "tsc", "mypy", "pyright", "gcc", "g++", "clang", "clang++", "cc", "c++", "rustc", "javac", "kotlinc", "swiftc", "ninja",
        "webpack", "esbuild", "rollup", "eslint", "flake8", "pylint", "ruff", "shellcheck", "golangci-lint", "vue-tsc", "svelte-check",
        "elm", "ghc", "scalac", "msbuild", "xcodebuild", "cmake", "bazel", "buck", "meson", "tsup", "parcel",
    ]
    static let interpreters: Set<String> = ["python", "python3", "python2", "node", "ruby", "php", "perl", "deno", "bun", "lua", "julia", "Rscript", "elixir", "java", "dotnet", "ts-node", "tsx"]
    static let npmLike: Set<String> = ["npm", "yarn", "pnpm", "bun"]

    /// The role of one command, given its words.
    static func classify(_ rawWords: [String]) -> StepRole {
        var words = rawWords
        // Past assignments and wrappers to the command itself.
        while let first = words.first {
            if first.contains("="), !first.hasPrefix("-"), first.first?.isLetter == true || first.first == "_" {
                words.removeFirst()
            } else if wrappers.contains(first) {
                words.removeFirst()
                while let next = words.first, next.hasPrefix("-") || next.first?.isNumber == true { words.removeFirst() }
            } else if let second = twoWordWrappers[first], words.count > 1, second.contains(words[1]) {
                words.removeFirst(2)
            } else {
                break
            }
        }
        guard let head = words.first else { return .other }
        let command = head.split(separator: "/").last.map(String.init) ?? head
        let rest = Array(words.dropFirst())
        let sub = rest.first { !$0.hasPrefix("-") } ?? ""

        if testRunners.contains(command) { return .check(.test) }
        if command == "go" { return sub == "test" ? .check(.test) : ["build", "vet"].contains(sub) ? .check(.build) : sub == "run" ? .check(.run) : .other }
        if command == "cargo" {
            switch sub {
            case "test", "nextest": return .check(.test)
            case "build", "check", "clippy": return .check(.build)
            case "run": return .check(.run)
            default: return .other
            }
        }
        if command == "swift" { return sub == "test" ? .check(.test) : sub == "build" ? .check(.build) : sub == "run" ? .check(.run) : isScript(sub, ".swift") ? .check(.run) : .other }
        if command == "mix" {
            switch sub {
            case "test": return .check(.test)
            case "compile", "credo", "dialyzer", "format": return sub == "format" && !rest.contains("--check-formatted") ? .other : .check(.build)
            case "run", "phx.server": return .check(.run)
            default: return .other
            }
        }
        if command == "iex", rest.contains("mix") { return .check(.run) }
        if ["mvn", "mvnw", "gradle", "gradlew", "sbt", "lein"].contains(command) {
            if rest.contains(where: { ["test", "verify", "check", "integrationTest"].contains($0) || $0.hasSuffix(":test") }) { return .check(.test) }
            if rest.contains(where: { ["compile", "package", "install", "build", "assemble", "compileJava", "jar"].contains($0) }) { return .check(.build) }
            if rest.contains(where: { ["run", "bootRun", "exec:java", "spring-boot:run"].contains($0) }) { return .check(.run) }
            return .other
        }
        if command == "make" || command == "gmake" {
            let targets = rest.filter { !$0.hasPrefix("-") && !$0.contains("=") }
            if targets.contains(where: { $0.contains("test") || $0 == "check" }) { return .check(.test) }
            if targets.contains(where: { ["run", "serve", "start", "dev"].contains($0) }) { return .check(.run) }
            return ["install", "clean", "distclean", "deps", "setup", "help"].contains(targets.first ?? "") ? .other : .check(.build)
        }
        if command == "dotnet" { return sub == "test" ? .check(.test) : sub == "build" ? .check(.build) : sub == "run" ? .check(.run) : .other }
        if command == "zig" { return sub == "test" || rest.contains("test") ? .check(.test) : sub == "build" ? .check(.build) : sub == "run" ? .check(.run) : .other }
        if ["rake", "rails"].contains(command) { return ["test", "spec"].contains(sub) ? .check(.test) : ["server", "s"].contains(sub) ? .check(.run) : .other }
        if ["stack", "cabal", "dune", "flutter", "dart"].contains(command) { return sub == "test" ? .check(.test) : sub == "build" ? .check(.build) : sub == "run" ? .check(.run) : .other }
        if command == "deno" { return sub == "test" ? .check(.test) : sub == "check" || sub == "lint" ? .check(.build) : sub == "run" ? .check(.run) : .other }
        if npmLike.contains(command) { return packageScript(command, rest) }
        if ["vite", "next", "nuxt", "astro", "ng", "react-scripts", "remix", "svelte-kit"].contains(command) {
            return ["build", "check"].contains(sub) ? .check(.build) : sub == "test" ? .check(.test) : ["dev", "start", "serve", "preview", ""].contains(sub) ? .check(.run) : .other
        }
        if buildTools.contains(command) {
            if command == "ruff", sub == "format", !rest.contains("--check") { return .other }
            if command == "cmake", !rest.contains("--build") { return .other }
            return .check(.build)
        }
        if command.hasPrefix("python") || command == "pypy3" || command == "pypy" {
            if let module = rest.firstIndex(of: "-m").flatMap({ rest.indices.contains($0 + 1) ? rest[$0 + 1] : nil }) {
                if ["pytest", "unittest", "nose", "nose2", "tox", "doctest", "pytest_benchmark"].contains(module) { return .check(.test) }
                if ["py_compile", "compileall", "mypy", "pyright", "flake8", "pylint", "ruff", "build"].contains(module) { return .check(.build) }
                if ["pip", "venv", "virtualenv", "ensurepip", "http.server", "SimpleHTTPServer", "json.tool", "pydoc", "site", "uv"].contains(module) {
                    return .other
                }
                return .check(.run)
            }
            guard let script = rest.first(where: { !$0.hasPrefix("-") }) else { return rest.contains("-c") ? .check(.run) : .other }
            if rest.first == "-c" { return .check(.run) }
            let name = script.split(separator: "/").last.map(String.init) ?? script
            if name == "manage.py" { return rest.contains("test") ? .check(.test) : rest.contains("runserver") ? .check(.run) : rest.contains("check") ? .check(.build) : .other }
            if name.hasPrefix("test") || name.hasSuffix("_test.py") || name.hasPrefix("runtests") || name.hasPrefix("run_tests") { return .check(.test) }
            if name == "setup.py" { return rest.contains("test") ? .check(.test) : rest.contains("build") || rest.contains("build_ext") ? .check(.build) : .other }
            return name.hasSuffix(".py") || !name.contains(".") ? .check(.run) : .other
        }
        if interpreters.contains(command) {
            guard let script = rest.first(where: { !$0.hasPrefix("-") }) else { return rest.contains("-e") || rest.contains("-c") ? .check(.run) : .other }
            let name = script.split(separator: "/").last.map(String.init) ?? script
            if name.contains("test") || name.contains("spec") { return .check(.test) }
            if command == "java", rest.contains("-version") { return .other }
            return .check(.run)
        }
        if ["bash", "sh", "zsh"].contains(command), let script = rest.first(where: { !$0.hasPrefix("-") }), script.hasSuffix(".sh") {
            return script.contains("test") ? .check(.test) : script.contains("build") ? .check(.build) : .check(.run)
        }
        if head.hasPrefix("./") || (head.hasPrefix("/") && head.contains("/bin/") == false && head.count > 1) {
            let name = command
            if name.contains("test") { return .check(.test) }
            if name.contains("build") || name.contains("compile") { return .check(.build) }
            if ["configure", "install.sh", "setup.sh", "bootstrap"].contains(name) { return .other }
            return .check(.run)
        }
        if command == "curl" || command == "wget" || command == "http" {
            let local = rest.contains { $0.contains("localhost") || $0.contains("127.0.0.1") || $0.contains("0.0.0.0") || $0.contains("[::1]") }
            return local ? .check(.run) : .other
        }
        if ["uvicorn", "gunicorn", "flask", "streamlit", "hypercorn", "daphne", "gradio"].contains(command) { return .check(.run) }
        if ["sed", "perl"].contains(command), rest.contains(where: { $0 == "-i" || $0.hasPrefix("-i") || $0 == "-pi" || $0.hasPrefix("-pi") }) { return .edit }
        if command == "patch" || command == "tee" { return .edit }
        if command == "git", ["apply", "am", "cherry-pick", "revert", "merge", "rebase"].contains(sub) { return .edit }
        if command == "git", ["checkout", "restore"].contains(sub), rest.contains("--") { return .edit }
        if ["cp", "mv", "install", "ln"].contains(command) { return .edit }
        return .other
    }

    /// `npm test`, `npm run build`, `yarn dev`, `pnpm run typecheck`, `bun test`…
    static func packageScript(_ command: String, _ rest: [String]) -> StepRole {
        var args = rest.filter { !$0.hasPrefix("-") }
        if args.first == "run" || args.first == "run-script" { args.removeFirst() }
        guard let script = args.first else { return .other }
        if ["test", "t", "tst", "jest", "vitest", "e2e", "cypress", "playwright"].contains(script) || script.hasPrefix("test") { return .check(.test) }
        if ["build", "typecheck", "type-check", "tsc", "lint", "check", "compile", "types"].contains(script) || script.hasPrefix("build")
            || script.hasPrefix("lint") || script.hasPrefix("typecheck")
        {
            return .check(.build)
        }
        if ["start", "dev", "serve", "preview", "develop"].contains(script) || script.hasPrefix("dev") || script.hasPrefix("start") { return .check(.run) }
        if command == "bun", script.hasSuffix(".ts") || script.hasSuffix(".js") { return .check(.run) }
        return .other
    }

    static func isScript(_ word: String, _ ext: String) -> Bool { word.hasSuffix(ext) }

    /// Commands whose output, redirected to a file, records something rather than changes the
    /// code (`git diff > patch.txt`, `pip freeze > requirements.lock`, `ls > files.txt`).
    static let readOnlyProducers: Set<String> = [
        "git", "diff", "grep", "rg", "find", "ls", "wc", "head", "tail", "sort", "uniq", "env", "printenv", "date", "ps", "du", "df",
        "which", "tree", "pip", "pip3", "cat",
    ]

    /// Whether a command writes a project file: an output redirection to a path (not a
    /// descriptor, `/dev/…` or a scratch file under `/tmp`) from a command that makes content,
    /// or a script that opens a file for writing. `cat > f <<EOF` writes; `cat a > b` copies.
    static func writesFile(_ text: Substring, _ words: [String]) -> Bool {
        for (i, word) in words.enumerated() {
            guard word.hasPrefix(">") || word.hasPrefix("1>") else { continue }
            var target = word.drop(while: { $0 == ">" || $0 == "1" })
            if target.isEmpty, i + 1 < words.count { target = Substring(words[i + 1]) }
            if target.hasPrefix("&") || target.isEmpty || target.hasPrefix("/dev/") || target.hasPrefix("/tmp/") { continue }
            if let first = words.first, readOnlyProducers.contains(first) {
                // `cat > file` (its input is the here-document or what follows) writes content.
                if first == "cat", !words.dropFirst().contains(where: { !$0.hasPrefix(">") && !$0.hasPrefix("<") && $0 != String(target) && !$0.hasPrefix("-") }) {
                    return true
                }
                if first == "cat", text.contains("<<") { return true }
                continue
            }
            return true
        }
        if words.first.map({ $0.hasPrefix("python") || $0 == "node" }) == true {
            if text.contains("open(") && (text.contains("'w'") || text.contains("\"w\"") || text.contains("'a'")) { return true }
            if text.contains(".write_text(") || text.contains("writeFileSync(") { return true }
        }
        return false
    }
}

/// A shell command line taken apart just enough to see its commands, on its UTF-8 bytes (every
/// character that matters to it is ASCII).
enum CommandLine {
    struct Segment {
        var text: Substring
        /// The operator after this command (`&&`, `||`, `;`, `|`, newline), nil for the last.
        var followedBy: String?
    }

    /// The commands of a line, split on `&&`, `||`, `;`, `|` and newlines outside quotes; a
    /// here-document's body is skipped.
    /// - Complexity: O(n) in the bytes of the line.
    static func segments(_ line: Substring) -> [Segment] {
        let bytes = Array(line.utf8)
        var out: [Segment] = []
        func text(_ range: Range<Int>) -> Substring {
            let from = line.utf8.index(line.utf8.startIndex, offsetBy: range.lowerBound)
            let to = line.utf8.index(from, offsetBy: range.count)
            return line[from..<to]
        }
        var start = 0
        func push(_ end: Int, _ op: String?) {
            if bytes[start..<end].contains(where: { $0 != 0x20 && $0 != 0x09 }) { out.append(Segment(text: text(start..<end), followedBy: op)) }
        }
        var i = 0
        var quote: UInt8?
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == 0x5C, q == 0x22, i + 1 < n {
                    i += 1  // an escaped character inside double quotes
                }
                i += 1
                continue
            }
            switch c {
            case 0x27, 0x22, 0x60:  // ' " `
                quote = c
            case 0x3C where i + 1 < n && bytes[i + 1] == 0x3C && !(i + 2 < n && bytes[i + 2] == 0x3C):  // << (not <<<)
                var j = i + 2
                if j < n, bytes[j] == 0x2D { j += 1 }
                while j < n, bytes[j] == 0x20 { j += 1 }
                var wordEnd = j
                while wordEnd < n, ![0x20, 0x0A, 0x3B, 0x3E, 0x7C, 0x26].contains(bytes[wordEnd]) { wordEnd += 1 }
                let marker = bytes[j..<wordEnd].filter { $0 != 0x27 && $0 != 0x22 }
                guard !marker.isEmpty else { break }
                // The rest of this line still belongs to the command (`cat <<EOF > file`).
                var lineEnd = wordEnd
                while lineEnd < n, bytes[lineEnd] != 0x0A { lineEnd += 1 }
                push(lineEnd, "\n")
                // Skip the body, to the line that is the marker alone.
                var k = lineEnd + 1
                var closed = false
                while k <= n {
                    var e = k
                    while e < n, bytes[e] != 0x0A { e += 1 }
                    var a = k
                    var b = e
                    while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 { a += 1 }
                    while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D { b -= 1 }
                    if bytes[a..<b].elementsEqual(marker) {
                        closed = true
                        start = e
                        i = e
                        break
                    }
                    k = e + 1
                }
                if !closed { return out }
                continue
            case 0x26, 0x7C:  // & |
                if i + 1 < n, bytes[i + 1] == c {
                    push(i, c == 0x26 ? "&&" : "||")
                    i += 2
                    start = i
                    continue
                }
                let redirect = c == 0x26 && ((i > 0 && (bytes[i - 1] == 0x3E || bytes[i - 1] == 0x3C)) || (i + 1 < n && bytes[i + 1] == 0x3E))
                if !redirect {
                    push(i, c == 0x26 ? "&" : "|")
                    start = i + 1
                }
            case 0x3B, 0x0A:  // ; newline
                push(i, c == 0x3B ? ";" : "\n")
                start = i + 1
            default:
                break
            }
            i += 1
        }
        if start < n { push(n, nil) }
        return out
    }

    /// The words of one command, quotes removed (no expansion), at most 64.
    static func words(_ text: Substring) -> [String] {
        var out: [String] = []
        var current: [UInt8] = []
        var quote: UInt8?
        var inWord = false
        for c in text.utf8 {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            switch c {
            case 0x27, 0x22:
                quote = c
                inWord = true
            case 0x20, 0x09, 0x0A, 0x28, 0x29:
                if inWord {
                    out.append(String(decoding: current, as: UTF8.self))
                    current.removeAll(keepingCapacity: true)
                    inWord = false
                    if out.count >= 64 { return out }
                }
            default:
                current.append(c)
                inWord = true
            }
        }
        if inWord { out.append(String(decoding: current, as: UTF8.self)) }
        return out
    }
}
