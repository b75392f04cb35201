import Foundation
import MnemCore
import MnemEmbedding

/// A trajectory step as the compactor sees it: its category, its abstracted action, and what happened.
public struct ClassifiedStep: Sendable, Hashable {
    public var category: StepCategory
    /// What was done, with concrete values replaced by placeholders.
    public var action: String
    /// Whether the step failed (a non-zero exit, a tool error, or an error in an observation without an exit status).
    public var failed: Bool
    public var errorClass: ErrorClass?
    /// Steps that change nothing (planning notes, empty commands): left out of workflows.
    public var noOp: Bool
    /// The base name of the file the step read or edited, when it names one (for matching, never for output).
    var target: String?
    /// A `git diff` or `git status`: looking at the change itself.
    var reviewsChange: Bool
    /// Tests counted in the observation, when the step ran tests and said so.
    var testsPassed: Int?
    var testsFailed: Int?
    /// The program that did the work (`pytest`, `npm`), when it is a well-known one.
    var program: String?
    /// The command family the step belongs to (`pytest -x -k <test>`, `Read <file.py>`); see `CommandFamily`.
    var family = ""
    /// How a command's output was shaped (`2>&1`, `| tail -n <number>`).
    var modifiers: [CommandFamily.Modifier] = []
    /// The base names of files the step wrote or created (for telling scratch scripts apart; never output).
    var writes: [String] = []
    /// The base name of a script the step ran with an interpreter (`python x.py`, `bash x.sh`).
    var runs: String?
    /// Why an edit was refused, when it was.
    var editFailure: EditFailure?
    /// The length of the text an edit replaced (`old_string`), when the tool says.
    var anchorLength: Int?
    /// A digest of the step's exact input, to tell an identical rerun from a changed one.
    var inputDigest = 0
    /// The step was a shell command line (not a tool call).
    var viaShell = false

    /// A shell command any agent could run: not a harness's own command (SWE-agent's `open`, `edit`, `submit`).
    var isCommand: Bool {
        viaShell && !family.isEmpty && !CommandFamily.harnessCommands.contains(family.split(separator: " ").first.map(String.init) ?? "")
    }

    /// Steps with the same signature are retries of each other.
    var signature: String { category.rawValue + " " + action }
}

/// Classifies trajectory steps from the tool name and the command text.
public enum StepClassifier {
    /// Tools whose input is a shell command line.
    static let shellTools: Set<String> = [
        "bash", "shell", "execute_bash", "run", "run_command", "run_shell_command", "exec_command", "shell_command", "terminal",
        "cmd", "cmdrunaction", "commandrunaction", "local_shell", "bash_command", "execute_command", "container.exec",
        "runcommand", "command", "sh", "zsh", "powershell", "run_terminal_cmd", "bashoutput", "keystrokes",
    ]
    static let editTools: Set<String> = [
        "edit", "multiedit", "write", "str_replace", "apply_patch", "notebookedit", "create", "insert", "fileeditaction",
        "edit_file", "write_file", "replace", "write_to_file", "editfile", "filewriteaction", "edit_notebook", "append",
        "search_replace", "create_file", "delete_file",
    ]
    static let editorTools: Set<String> = ["str_replace_editor", "text_editor", "str_replace_based_edit_tool", "editor", "file_editor"]
    static let readTools: Set<String> = [
        "read", "view", "read_file", "fileread", "filereadaction", "notebookread", "view_file", "readfile", "read_many_files",
        "ls", "list_directory", "listdir", "list_files", "open", "goto", "scroll_up", "scroll_down", "cat",
    ]
    static let searchTools: Set<String> = [
        "grep", "glob", "search", "search_file_content", "codebase_search", "find", "find_file", "search_dir", "search_file",
        "file_search", "grep_search", "find_files", "rg",
    ]
    static let webTools: Set<String> = [
        "webfetch", "websearch", "web_fetch", "web_search", "google_web_search", "browse", "browser", "fetch",
        "browseinteractiveaction", "browseurlaction", "browse_interactive", "url_fetch",
    ]
    static let noOpTools: Set<String> = [
        "todowrite", "todoread", "think", "exitplanmode", "message", "messageaction", "agentthinkaction", "thinking",
        "update_plan", "plan", "exit", "exit_cost", "exit_context", "exit_format", "exit_api", "skip", "recall", "note",
    ]
    static let delegateTools: Set<String> = ["task", "agent", "subagent", "delegate", "agentdelegateaction", "dispatch_agent"]
    static let finishTools: Set<String> = ["submit", "finish", "agentfinishaction", "attempt_completion", "complete_task", "mark_task_complete", "task_complete"]
    /// Tools that read or stop a command running in the background.
    static let backgroundTools: Set<String> = ["bashoutput", "killbash", "killshell", "taskoutput", "shelloutput", "read_output"]
    /// Tools that run code in a notebook kernel (OpenHands' IPython cell, with its file helpers).
    static let notebookTools: Set<String> = ["run_ipython", "ipython", "ipythonruncellaction", "execute_ipython_cell", "jupyter"]
    /// The file helpers notebook cells call, by category.
    static let notebookHelpers: [String: (StepCategory, String)] = [
        "edit_file_by_replace": (.edit, "replace text in <path>"), "create_file": (.edit, "create <path>"),
        "append_file": (.edit, "append to <path>"), "insert_content_at_line": (.edit, "insert into <path>"),
        "edit_file": (.edit, "edit <path>"), "open_file": (.inspect, "open <path>"), "goto_line": (.inspect, "go to a line"),
        "scroll_down": (.inspect, "scroll"), "scroll_up": (.inspect, "scroll"), "search_dir": (.search, "search the code for <string>"),
        "search_file": (.search, "search a file for <string>"), "find_file": (.search, "find a file named <string>"),
        "parse_pdf": (.inspect, "read a document"), "parse_docx": (.inspect, "read a document"),
    ]

    /// Classifies one step.
    public static func classify(_ step: TrajectoryStep) -> ClassifiedStep {
        let tool = step.tool.lowercased()
        let input = step.input.trimmedASCII
        var result = ClassifiedStep(
            category: .other, action: "", failed: false, errorClass: nil, noOp: false, target: nil, reviewsChange: false,
            testsPassed: nil, testsFailed: nil, program: nil)
        let json = input.hasPrefix("{") ? (try? JSONParser.parse(input, duplicateKeys: .lastWins)) : nil

        if noOpTools.contains(tool) {
            result.noOp = true
            result.action = "note the plan"
        } else if delegateTools.contains(tool) {
            result.category = .other
            result.action = "delegate a subtask to a sub-agent"
        } else if finishTools.contains(tool) {
            result.category = .other
            result.action = "submit the change"
        } else if backgroundTools.contains(tool) {
            result.category = .run
            result.action = tool.hasPrefix("kill") ? "stop a background command" : "read the output of a background command"
        } else if notebookTools.contains(tool) {
            let call = input.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
            if input.dropFirst(call.count).hasPrefix("("), let (category, action) = notebookHelpers[String(call)] {
                result.category = category
                result.action = action
                if let open = input.firstIndex(of: "'") ?? input.firstIndex(of: "\""),
                    let close = input[input.index(after: open)...].firstIndex(of: input[open])
                {
                    result.target = Abstraction.baseName(String(input[input.index(after: open)..<close]))
                }
            } else {
                result.category = .run
                result.action = "run Python code in a notebook cell"
            }
        } else if tool == "git-commit" || tool == "git_commit" {
            result.category = .versionControl
            result.action = "git commit"
        } else if editorTools.contains(tool) {
            let sub = (json?["command"]?.stringValue ?? input.split(separator: " ").first.map(String.init) ?? "").lowercased()
            let path = json?["path"]?.stringValue ?? json?["file_path"]?.stringValue
            result.target = path.flatMap(Abstraction.baseName)
            let fileWord = path.map { Abstraction.word(ShellCommand.Word(text: $0, quoted: false)) } ?? "<path>"
            if sub == "view" {
                result.category = .inspect
                result.action = "view \(fileWord)"
            } else {
                result.category = isReproScript(path) ? .reproduce : .edit
                let verb = ["create": "create", "insert": "insert into", "undo_edit": "undo an edit of"][sub] ?? "replace text in"
                result.action = "\(verb) \(fileWord)"
            }
        } else if editTools.contains(tool) {
            let path = json?["file_path"]?.stringValue ?? json?["path"]?.stringValue ?? json?["filename"]?.stringValue
                ?? (json == nil && tool != "edit" ? argumentLine(input, tool: tool) : nil)
            result.target = path.flatMap(Abstraction.baseName)
            let fileWord = path.map { Abstraction.word(ShellCommand.Word(text: $0, quoted: false)) } ?? "<path>"
            result.category = isReproScript(path) ? .reproduce : .edit
            let verb = tool.contains("write") || tool.contains("create") ? "write" : "edit"
            result.action = "\(verb) \(fileWord)"
        } else if readTools.contains(tool), tool != "cat", tool != "ls", json != nil || !input.contains(" ") {
            // A read tool with arguments, or with a bare path (Claude Code's Read); `open x 100`
            // and `cat x` are commands and go through the shell classifier below.
            let path = json?["file_path"]?.stringValue ?? json?["path"]?.stringValue ?? json?["absolute_path"]?.stringValue ?? (json == nil ? input : nil)
            result.target = path.flatMap(Abstraction.baseName)
            result.category = .inspect
            let fileWord = path.map { Abstraction.word(ShellCommand.Word(text: $0, quoted: false)) } ?? "<path>"
            result.action = "read \(fileWord)"
        } else if searchTools.contains(tool) && (json != nil || tool == "glob" || tool == "grep") {
            result.category = .search
            let pattern = json?["pattern"]?.stringValue ?? json?["query"]?.stringValue
            result.action = "\(tool == "glob" ? "find files matching" : "search for") \(pattern == nil ? "<pattern>" : "<string>")"
        } else if webTools.contains(tool) {
            result.category = .web
            let isSearch = tool.contains("search")
            result.action = isSearch ? "search the web for <string>" : "fetch <url>"
        } else if shellTools.contains(tool) || json == nil {
            classifyCommand(json?["command"]?.stringValue ?? input, into: &result)
        } else if let command = json?["command"]?.stringValue ?? json?["cmd"]?.stringValue {
            classifyCommand(command, into: &result)
        } else {
            result.category = byName(tool)
            result.action = "use a \(result.category == .other ? "tool" : result.category.phrase + " tool")"
        }
        if result.action.isEmpty { result.noOp = true }

        let observation = step.observation
        let exitFailed = (step.exitStatus ?? 0) != 0
        let toolFailed = step.isError == true
        // Without an exit status, only a step that executed something can show an error in its
        // output: a file view or an edit echoes file contents, whose words are not errors.
        let executes = [StepCategory.test, .build, .run, .reproduce, .install].contains(result.category)
            && !(result.category == .reproduce && step.exitStatus == nil && result.runs == nil && !result.family.hasPrefix("python"))
        var errorClass = (exitFailed || toolFailed || (step.exitStatus == nil && executes)) ? ErrorClass.detect(in: observation) : nil
        if step.exitStatus == 124 { errorClass = .timeout }
        if result.category == .test {
            let counts = TestCounts.parse(observation)
            result.testsPassed = counts.passed
            result.testsFailed = counts.failed
            if (counts.failed ?? 0) > 0, errorClass == nil || errorClass == .runtimeException { errorClass = .testFailure }
        }
        // Without an exit status, an error class in the output is the only failure signal; a
        // test error in a passing run's output (an expected failure) is not one.
        let observedFailure = step.exitStatus == nil && errorClass != nil && !(result.category == .test && (result.testsFailed ?? 1) == 0)
        result.failed = exitFailed || toolFailed || observedFailure
        result.errorClass = result.failed ? errorClass : nil
        StepFacts.complete(&result, step: step, tool: tool, input: input, json: json)
        result.inputDigest = Self.stableHash(tool + "\u{0}" + input)
        return result
    }

    /// FNV-1a over the UTF-8 bytes: the same across processes, unlike `Hasher`.
    static func stableHash(_ text: String) -> Int {
        Int(truncatingIfNeeded: FNV1a64.hash(text.utf8))
    }

    static func byName(_ tool: String) -> StepCategory {
        if tool.contains("test") { return .test }
        if tool.contains("edit") || tool.contains("write") || tool.contains("replace") || tool.contains("patch") { return .edit }
        if tool.contains("read") || tool.contains("view") || tool.contains("open") || tool.contains("list") { return .inspect }
        if tool.contains("search") || tool.contains("grep") || tool.contains("find") || tool.contains("glob") { return .search }
        if tool.contains("web") || tool.contains("fetch") || tool.contains("brows") || tool.contains("url") { return .web }
        if tool.contains("install") { return .install }
        if tool.contains("build") || tool.contains("compile") { return .build }
        if tool.contains("git") { return .versionControl }
        if tool.contains("run") || tool.contains("exec") { return .run }
        return .other
    }

    /// The first line of a bare tool call without the tool's own name: SWE-agent records
    /// `create exploit.py` as the whole action, Aider-style tools record only `exploit.py`.
    static func argumentLine(_ input: String, tool: String) -> String? {
        guard var line = input.split(separator: "\n").first.map(String.init) else { return nil }
        if line.lowercased().hasPrefix(tool + " ") { line = String(line.dropFirst(tool.count + 1)) }
        line = line.trimmingCharacters(in: .whitespaces)
        return line.isEmpty ? nil : line
    }

    static func isReproScript(_ path: String?) -> Bool {
        guard let path, let base = path.split(separator: "/").last?.lowercased() else { return false }
        return ["repro", "reproduce", "debug_", "bug_", "issue"].contains { base.contains($0) }
    }

    /// Classifies a shell command line: the most telling pipeline names the step.
    static func classifyCommand(_ text: String, into result: inout ClassifiedStep) {
        let command = ShellCommand(text)
        var best: (category: StepCategory, simple: ShellCommand.Simple, verb: String)?
        for pipeline in command.pipelines {
            guard var head = pipeline.head else { continue }
            var found = category(of: head, hereDocument: command.hasHereDocument)
            // `echo input | ./program`: the head only feeds the program that does the work.
            if ["echo", "printf", "cat", "yes"].contains(head.program), !head.redirectsToFile, pipeline.commands.count > 1 {
                let next = pipeline.commands[1]
                if let downstream = category(of: next, hereDocument: command.hasHereDocument), downstream.0 != .inspect && downstream.0 != .search {
                    head = next
                    found = downstream
                }
            }
            guard let (category, verb) = found else { continue }
            if best == nil || category.weight > (best?.category.weight ?? 0) { best = (category, head, verb) }
            if head.program == "git", let sub = head.arguments.first?.text, sub == "diff" || sub == "status" { result.reviewsChange = true }
        }
        guard let best else {
            result.noOp = true
            return
        }
        result.category = best.category
        result.program = Abstraction.vocabulary.contains(best.simple.program) ? best.simple.program : nil
        var words = best.simple.words
        if let first = words.first { words[0] = ShellCommand.Word(text: ShellCommand.programName(first.text), quoted: first.quoted) }
        var action = Abstraction.command(words)
        if best.simple.redirectsToFile, let target = best.simple.redirectTarget {
            action += " > " + Abstraction.word(ShellCommand.Word(text: target, quoted: false))
        }
        result.action = best.verb.isEmpty ? action : "\(best.verb): \(action)"
        result.family = CommandFamily.family(of: best.simple, hereDocument: command.hasHereDocument && best.simple.redirectsToFile)
        result.viaShell = true
        result.modifiers = CommandFamily.modifiers(text)
        for pipeline in command.pipelines {
            for simple in pipeline.commands {
                if simple.redirectsToFile, let target = simple.redirectTarget.flatMap(Abstraction.baseName) { result.writes.append(target) }
                if ["python", "node", "bash", "sh", "ruby", "perl", "php", "elixir", "deno", "bun", "tsx", "ts-node"].contains(simple.program),
                    let script = simple.arguments.first(where: { !$0.quoted && !$0.text.hasPrefix("-") }).flatMap({ Abstraction.baseName($0.text) })
                {
                    result.runs = script
                }
            }
        }
        let targets = best.simple.arguments.filter { !$0.quoted && !$0.text.hasPrefix("-") }.compactMap { Abstraction.baseName($0.text) }
        result.target = best.simple.redirectTarget.flatMap(Abstraction.baseName) ?? targets.last
    }

    /// The category of one simple command and a verb phrase for it; nil for commands that do
    /// nothing worth a step (`cd`, `export`, a bare `echo`).
    static func category(of simple: ShellCommand.Simple, hereDocument: Bool) -> (StepCategory, String)? {
        let program = simple.program
        let args = simple.arguments.map(\.text)
        let positional = simple.arguments.filter { !$0.text.hasPrefix("-") }.map(\.text)
        let sub = positional.first ?? ""
        if simple.redirectsToFile, ["cat", "echo", "printf", "tee"].contains(program) || program.isEmpty {
            return isReproScript(simple.redirectTarget) ? (.reproduce, "write a reproduction script") : (.edit, "write a file")
        }
        switch program {
        case "", "cd", "export", "source", ".", "set", "unset", "true", "false", "sleep", "clear", "alias", "wait", "exit":
            return nil
        case "echo", "printf":
            return nil
        case "uv":
            if args.contains("pytest") { return (.test, "run the tests") }
            if ["pip", "add", "sync", "lock", "venv"].contains(sub) { return (.install, "install dependencies") }
            return (.run, "run a script")
        case "python", "python2", "pypy", "pypy3":
            if let m = args.firstIndex(of: "-m"), m + 1 < args.count {
                let module = args[m + 1]
                if ["pytest", "unittest", "nose", "nose2", "tox"].contains(module) { return (.test, "run the tests") }
                if module == "pip" { return args.contains("install") ? (.install, "install dependencies") : (.inspect, "list packages") }
                if module == "build" || module == "compileall" || module == "py_compile" { return (.build, "build") }
                return (.run, "run a module")
            }
            if args.contains("-c") { return (.run, "run a snippet") }
            guard let script = positional.first else { return (.run, "start an interpreter") }
            let base = (script.split(separator: "/").last.map(String.init) ?? script).lowercased()
            if base == "setup.py" { return args.contains("install") || args.contains("develop") ? (.install, "install the package") : (.build, "build the package") }
            if base.contains("runtests") || base.hasPrefix("test_") || base.hasSuffix("_test.py") || base == "manage.py" && args.contains("test") {
                return (.test, "run the tests")
            }
            if isReproScript(script) { return (.reproduce, "run the reproduction script") }
            return (.run, "run a script")
        case "pytest", "tox", "nox", "nosetests", "jest", "vitest", "mocha", "rspec", "phpunit", "ctest", "karma", "ava", "tap":
            return (.test, "run the tests")
        case "npm", "yarn", "pnpm", "bun":
            let script = sub == "run" ? (positional.dropFirst().first ?? "") : sub
            if script.isEmpty { return (.install, "install dependencies") }
            if ["test", "t"].contains(script) || script.contains("test") { return (.test, "run the tests") }
            if ["install", "i", "ci", "add"].contains(script) { return (.install, "install dependencies") }
            if script.contains("build") || script.contains("lint") || script.contains("typecheck") || script == "tsc" { return (.build, "build") }
            return (.run, "run the app")
        case "npx", "pnpx", "bunx":
            if ["jest", "vitest", "mocha", "playwright", "cypress"].contains(sub) { return (.test, "run the tests") }
            if ["tsc", "eslint", "prettier", "next", "vite", "webpack"].contains(sub) { return (.build, "build") }
            return (.run, "run a tool")
        case "cargo", "go", "swift", "dotnet", "mvn", "gradle", "gradlew", "mix", "rake", "rails", "bundle", "poetry", "deno", "dune", "stack", "cabal", "zig":
            if sub == "test" || sub.hasPrefix("test") || args.contains("test") && (program == "rails" || program == "bundle" || program == "rake") || args.contains("rspec") {
                return (.test, "run the tests")
            }
            if ["build", "check", "clippy", "compile", "vet", "package", "assemble", "tsc"].contains(sub) { return (.build, "build") }
            if ["add", "install", "get", "mod", "deps.get", "restore", "fetch", "update", "lock"].contains(sub) { return (.install, "install dependencies") }
            if ["fmt", "format"].contains(sub) { return (.edit, "format the code") }
            return (.run, "run the app")
        case "make", "cmake", "ninja", "meson", "bazel", "scons":
            if args.contains(where: { $0.contains("test") || $0 == "check" }) { return (.test, "run the tests") }
            if args.contains("install") { return (.install, "install") }
            return (.build, "build")
        case "gcc", "g++", "clang", "clang++", "cc", "c++", "javac", "tsc", "rustc", "swiftc", "iverilog", "kotlinc", "ghc":
            return (.build, "compile")
        case "pip", "conda", "apt", "apt-get", "brew", "yum", "dnf", "apk", "gem", "composer", "pipx", "pacman", "port":
            if ["list", "show", "freeze", "search", "info"].contains(sub) { return (.inspect, "list packages") }
            return (.install, "install dependencies")
        case "git":
            if sub == "grep" { return (.search, "search the code") }
            if ["apply", "checkout", "restore", "stash", "reset"].contains(sub) && hereDocument { return (.edit, "apply a patch") }
            return (.versionControl, "")
        case "gh", "hub":
            return (.versionControl, "")
        case "grep", "egrep", "fgrep", "rg", "ag", "ack", "find", "fd", "locate", "search_dir", "search_file", "find_file", "git-grep":
            return (.search, "search the code")
        case "cat", "head", "tail", "less", "more", "nl", "wc", "ls", "tree", "stat", "file", "pwd", "diff", "du", "which",
            "type", "open", "goto", "scroll_up", "scroll_down", "xxd", "od", "hexdump", "strings", "readelf", "objdump",
            "ps", "lsof", "netstat", "ss", "jq", "env", "printenv", "whoami", "uname", "df", "column", "bat", "view":
            return (.inspect, "")
        case "sed", "perl", "awk":
            if args.contains(where: { $0.hasPrefix("-i") || $0 == "-pi" || $0 == "--in-place" || $0 == "inplace" }) { return (.edit, "edit in place") }
            return (.inspect, "")
        case "tee", "patch", "cp", "mv", "rm", "mkdir", "touch", "chmod", "chown", "ln", "edit", "create", "insert", "append",
            "str_replace", "rmdir", "unzip", "tar", "applypatch", "apply_patch":
            if program == "create", isReproScript(sub) { return (.reproduce, "write a reproduction script") }
            return (.edit, "")
        case "curl", "wget", "http", "https", "httpie", "xh":
            if args.contains(where: { $0.contains("localhost") || $0.contains("127.0.0.1") || $0.contains("0.0.0.0") }) {
                return (.run, "probe the running app")
            }
            return (.web, "fetch from the web")
        case "submit":
            return (.other, "submit the change")
        case "node", "ruby", "php", "java", "perl6", "lua", "Rscript", "julia", "elixir", "iex", "erl", "vvp", "docker",
            "docker-compose", "podman", "kill", "pkill", "killall", "bash", "sh", "zsh", "nc", "ssh", "gdb", "sqlite3", "psql",
            "redis-cli", "uvicorn", "gunicorn", "flask", "streamlit", "next", "vite", "serve", "tmux", "screen":
            if (program == "bash" || program == "sh") && isReproScript(sub) { return (.reproduce, "run the reproduction script") }
            return (.run, "")
        case "decompile", "disassemble", "ghidra", "r2", "radare2", "checksec":
            return (.inspect, "")
        default:
            if isReproScript(program) { return (.reproduce, "run the reproduction script") }
            let raw = simple.words.first?.text ?? ""
            if raw.hasPrefix("./") || raw.hasPrefix("/") || raw.contains("/") { return (.run, "run a program") }
            if ["mypy", "pyright", "ruff", "flake8", "pylint", "eslint", "black", "isort", "prettier", "rubocop", "credo", "dialyzer"].contains(program) {
                return (.build, "check the code")
            }
            return (.other, "")
        }
    }
}

/// Test counts read from a test runner's output (pytest, unittest, jest, cargo, go, mix, rspec).
struct TestCounts {
    var passed: Int?
    var failed: Int?

    static func parse(_ text: String) -> TestCounts {
        var counts = TestCounts()
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == ";" || $0 == "(" || $0 == ")" || $0 == "=" })
        for (i, word) in words.enumerated() {
            let lower = word.lowercased()
            func number(before: Bool) -> Int? {
                let j = before ? i - 1 : i + 1
                guard words.indices.contains(j) else { return nil }
                return Int(words[j].trimmingCharacters(in: CharacterSet(charactersIn: ".:")))
            }
            if lower.hasPrefix("passed") || lower == "passing" || lower == "ok" && number(before: true) != nil {
                if let n = number(before: true) { counts.passed = (counts.passed ?? 0) + n }
            } else if lower.hasPrefix("failed") || lower.hasPrefix("failures") || lower.hasPrefix("failing") || lower == "errors" || lower == "error" {
                if let n = number(before: true) { counts.failed = (counts.failed ?? 0) + n } else if lower.hasPrefix("failures"), let n = number(before: false) {
                    counts.failed = (counts.failed ?? 0) + n
                }
            }
        }
        if counts.passed == nil, counts.failed == nil {
            if text.contains("\nOK") || text.hasPrefix("OK") { counts.failed = 0 }
        }
        return counts
    }
}
