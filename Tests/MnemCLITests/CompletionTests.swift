import Foundation
import MnemEmbedding
import MnemTestSupport
import Testing

@testable import MnemCLI

/// Where a shell is installed, if it is.
func installedShell(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
        return "\(directory)/\(name)"
    }
    return nil
}

@Suite("Shell completion and the man page, generated from the help texts")
struct CompletionTests {
    /// Parses `words` as `command`'s arguments the way `mnem` does (global options first), without running anything.
    func parse(_ command: any Command.Type, _ words: [String]) -> UsageError? {
        var args = Arguments(words)
        var global = GlobalOptions(pool: nil, json: false)
        do {
            try global.parse(&args)
            args = Arguments(args.remaining)
            _ = try command.init(parsing: &args, global: global)
            try args.finish()
            return nil
        } catch {
            return error
        }
    }

    @Test("Every option, choice and subcommand the completion offers is one the command's parser accepts", arguments: MnemCLI.commands.map { $0.name })
    func offeredWordsParse(_ name: String) throws {
        let command = try #require(MnemCLI.commands.first { $0.name == name })
        let syntax = HelpSyntax(command)
        let prefix = Array(syntax.subcommands.prefix(1)) + Array(syntax.positionalChoices.prefix(1))
        for option in syntax.options {
            for spelling in option.names {
                let values = option.choices.isEmpty ? (option.value == nil ? [nil] : ["1"]) : option.choices.map { Optional($0) }
                for value in values {
                    let words = prefix + [spelling] + (value.map { [$0] } ?? [])
                    if let error = parse(command, words) {
                        #expect(!error.message.hasPrefix("unknown option"), "mnem \(name) \(words.joined(separator: " ")): \(error.message)")
                        if let value, !option.choices.isEmpty {
                            #expect(!error.message.contains("'\(value)'"), "mnem \(name) \(words.joined(separator: " ")): \(error.message)")
                        }
                    }
                }
            }
        }
        for word in syntax.subcommands + syntax.positionalChoices {
            let words = syntax.positionalChoices.contains(word) ? Array(syntax.subcommands.prefix(1)) + [word] : [word] + Array(syntax.positionalChoices.prefix(1))
            if let error = parse(command, words) { #expect(!error.message.contains("'\(word)'"), "mnem \(name) \(words.joined(separator: " ")): \(error.message)") }
        }
    }

    @Test("The help texts yield the options, choices and subcommands they list")
    func syntaxFromHelp() throws {
        func syntax(_ name: String) throws -> HelpSyntax { HelpSyntax(try #require(MnemCLI.commands.first { $0.name == name })) }
        let stats = try syntax("stats")
        #expect(stats.options.first { $0.names == ["--by"] }?.choices == ["kind", "domain", "agent", "model", "outcome", "author"])
        let hooks = try syntax("hooks")
        #expect(hooks.subcommands == ["install", "uninstall"] && hooks.positionalChoices == ["claude-code", "codex", "gemini", "cursor", "git"])
        #expect(hooks.options.first { $0.names == ["--scope"] }?.choices == ["user", "project"])
        let search = try syntax("search")
        #expect(search.options.first { $0.names == ["--outcome"] }?.choices == ["success", "failure", "unknown"])
        #expect(search.options.first { $0.names == ["-v", "--verbose"] }?.value == nil)
        #expect(search.options.first { $0.names == ["-k"] }?.value == "N")
        #expect(try syntax("export").options.first { $0.names == ["--html"] }?.valueKind == .directory)
        #expect(try syntax("capture").takesFiles && !(try syntax("bench").takesFiles))
        #expect(try syntax("completion").subcommands == ["bash", "zsh", "fish"])
    }

    @Test("bash completes commands, options, choices, subcommands and files, after --pool too")
    func bashCompletes() throws {
        let dir = TemporaryDirectory("completion")
        let script = try dir.write("mnem.bash", CLI(dir).run(["completion", "bash"]).stdout)
        let cases: [([String], String)] = [
            (["mnem", "ex"], "export"),
            (["mnem", "stats", "--by", ""], "kind domain agent model outcome author"),
            (["mnem", "hooks", ""], "install uninstall"),
            (["mnem", "hooks", "install", ""], "claude-code codex gemini cursor git"),
            (["mnem", "--pool", "/p", "list", "--k"], "--kind"),
            (["mnem", "search", "--kind", "in"], "insight"),
            (["mnem", "search", "--kind", "insight", "-k", "3", "--outc"], "--outcome"),
            (["mnem", "completion", "z"], "zsh"),
            (["mnem", "help", "comp"], "compact completion"),
        ]
        var harness = "source \(script)\n"
        for (words, _) in cases {
            harness += "COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " "))); COMP_CWORD=\(words.count - 1); _mnem; echo \"${COMPREPLY[*]}\"\n"
        }
        let result = try Shell.run("bash", ["-c", harness])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (n, (words, expected)) in cases.enumerated() {
            #expect(n < lines.count && lines[n] == expected, "\(words.joined(separator: " ")) → \(n < lines.count ? lines[n] : "nothing")")
        }
    }

    @Test("Each script passes its shell's syntax check where the shell is installed", arguments: CompletionScript.Shell.allCases)
    func syntaxCheck(_ shell: CompletionScript.Shell) throws {
        guard let binary = installedShell(shell.rawValue) else {
            // Not a failure: scripts/install-deps.sh --test installs zsh and fish; say what was not checked.
            print("note: \(shell.rawValue) is not installed: its completion script's syntax was not checked")
            return
        }
        let dir = TemporaryDirectory("completion-\(shell.rawValue)")
        let output = CLI(dir).run(["completion", shell.rawValue])
        #expect(output.code == 0 && output.stdout.hasPrefix(shell == .zsh ? "#compdef mnem" : "# \(shell.rawValue) completion for mnem"))
        let file = try dir.write("script", output.stdout)
        let check = try Shell.run(binary, ["-n", file])
        #expect(check.status == 0 && check.stderr.isEmpty, "\(shell.rawValue) -n: \(check.stderr)")
        for command in MnemCLI.commands { #expect(output.stdout.contains(command.name), "\(command.name) missing") }
        if shell == .fish {
            // fish can ask its completion engine directly.
            let asked = try Shell.run(binary, ["-c", "source \(file); complete -C'mnem hooks install '; complete -C'mnem stats --by '"], currentDirectory: dir.path)
            let words = Set(asked.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) })
            #expect(words == ["claude-code", "codex", "gemini", "cursor", "git", "kind", "domain", "agent", "model", "outcome", "author"], "\(asked.stdout)")
        }
    }

    @Test("The man page has every command's help and renders without a warning")
    func manPage() throws {
        let dir = TemporaryDirectory("manpage")
        let output = CLI(dir).run(["manpage"])
        #expect(output.code == 0 && output.stdout.hasPrefix(".\\\""))
        for command in MnemCLI.commands { #expect(output.stdout.contains(".SS \"mnem \(ManPage.roff(command.name))\""), "\(command.name) missing") }
        #expect(output.stdout.contains("MNEM_POOL") && output.stdout.contains("MNEM_LLM_BASE_URL"))
        #expect(!output.stdout.unicodeScalars.contains { $0.value > 0x7E }, "the page must be ASCII for roff")
        guard installedShell("groff") != nil else {
            print("note: groff is not installed: the man page was not rendered")
            return
        }
        let page = try dir.write("mnem.1", output.stdout)
        // -P-cbou: plain text, no bold or underline sequences.
        let rendered = try Shell.run("groff", ["-man", "-Tutf8", "-ww", "-P-cbou", page])
        #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(rendered.stderr)")
        let text = rendered.stdout
        for needle in ["mnem export --html DIR [--json]", "mnem completion bash|zsh|fish", "Usage: mnem hooks install AGENT", "--max-observation N"] {
            #expect(text.contains(needle), "rendered page lacks \(needle)")
        }
    }

    @Test("make install DESTDIR=… stages the binary, the model, the man page and the three completions under the prefix")
    func makeInstall() throws {
        let binary = try #require(Locations.mnemBinary, "the mnem binary is not built")
        guard installedShell("make") != nil else {
            print("note: make is not installed: 'make install' was not run")
            return
        }
        let dir = TemporaryDirectory("install")
        let stage = dir.file("stage")
        // -o release -o deps: install what is built rather than building a release here.
        let make = try Shell.run(
            "make", ["-C", Locations.packageRoot, "-o", "release", "-o", "deps", "install", "DESTDIR=\(stage)", "PREFIX=/opt/mnem", "RELEASE_BIN=\(binary)", "DOCS=\(dir.file("docs"))"])
        try #require(make.status == 0, "make install failed: \(make.stderr)")
        let prefix = stage + "/opt/mnem"
        let expected = [
            "bin/mnem", "share/mnem/minilm-l6-tl-256.mnemb", "share/mnem/LICENSE", "share/mnem/NOTICE", "share/man/man1/mnem.1",
            "share/bash-completion/completions/mnem", "share/zsh/site-functions/_mnem", "share/fish/vendor_completions.d/mnem.fish",
        ]
        for path in expected { #expect(FileManager.default.fileExists(atPath: prefix + "/" + path), "\(path) not installed") }
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/mnem"))
        // The installed binary finds the installed model beside it (no source checkout to fall back on).
        let located = try ModelLocator(environment: [:], executableDirectory: URL(fileURLWithPath: prefix + "/bin"), sourceCheckoutModelDirectory: nil).locate()
        #expect(located == prefix + "/share/mnem/minilm-l6-tl-256.mnemb")
        let cli = CLI(dir)
        #expect(try String(contentsOfFile: prefix + "/share/man/man1/mnem.1", encoding: .utf8) == cli.run(["manpage"]).stdout)
        #expect(try String(contentsOfFile: prefix + "/share/bash-completion/completions/mnem", encoding: .utf8) == cli.run(["completion", "bash"]).stdout)
    }
}
