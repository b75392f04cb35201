import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemIntegrations

@Suite("Hook install and uninstall")
struct InstallTests {
    static let mnemPath = "/opt/mnem tools/bin/mnem"

    func installer(_ dir: TemporaryDirectory) -> HookInstaller {
        HookInstaller(home: dir.file("home"), projectRoot: dir.file("project"), mnem: Self.mnemPath, environment: [:])
    }

    /// Settings that already hold the user's hooks and other keys, in the user's own formatting.
    static let claudeSettings = """
        {
            "model": "opus",
            "permissions": { "allow": ["Bash(ls:*)"] },
            "hooks": {
                "SessionStart": [ { "matcher": "startup", "hooks": [ { "type": "command", "command": "echo hello", "timeout": 5 } ] } ],
                "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "/usr/local/bin/guard" } ] } ]
            }
        }

        """

    static let cursorSettings = """
        {"version": 1, "hooks": {"stop": [{"command": "./audit.sh"}], "beforeShellExecution": [{"command": "./check.sh"}]}}
        """

    @Test("JSON settings: merge beside the user's entries, idempotent, uninstall gives back the original bytes", arguments: [
        (IntegrationAgent.claudeCode, ".claude/settings.json", claudeSettings),
        (IntegrationAgent.gemini, ".gemini/settings.json", claudeSettings),
        (IntegrationAgent.cursor, ".cursor/hooks.json", cursorSettings),
    ])
    func jsonSettings(agent: IntegrationAgent, file: String, original: String) throws {
        let dir = TemporaryDirectory("install")
        let path = try dir.write("home/" + file, original)
        let installer = installer(dir)
        let changes = try installer.install(agent, scope: .user)
        #expect(!changes.isEmpty)
        let once = try #require(FileManager.default.contents(atPath: path))
        #expect(try installer.install(agent, scope: .user).isEmpty)
        #expect(FileManager.default.contents(atPath: path) == once, "install twice = install once")
        #expect(FileManager.default.fileExists(atPath: path + ".mnem-backup"))

        // Everything the user had is still there; only mnem's entries were added.
        let before = try JSONParser.parse(original)
        let after = try JSONParser.parse(once)
        let stripped = try JSONHooksConfig.uninstall(from: after, shape: agent == .cursor ? .flat : .grouped)
        #expect(stripped == before)
        let installedCommands = try #require(after["hooks"]?.objectValue).values.flatMap { entries in
            (entries.arrayValue ?? []).flatMap { entry in
                [entry["command"]?.stringValue].compactMap { $0 } + (entry["hooks"]?.arrayValue ?? []).compactMap { $0["command"]?.stringValue }
            }
        }
        #expect(installedCommands.filter(ShellWords.isMnemHook).count == installer.specs(agent).count)
        #expect(installedCommands.contains("'/opt/mnem tools/bin/mnem' hook \(agent.rawValue) session-start"))

        let removed = try installer.uninstall(agent, scope: .user)
        #expect(!removed.isEmpty)
        #expect(FileManager.default.contents(atPath: path) == Data(original.utf8), "uninstall restores the original bytes")
        #expect(try installer.uninstall(agent, scope: .user).isEmpty)
    }

    @Test("A setting the user adds after install survives uninstall; only mnem's entries go")
    func editsAfterInstall() throws {
        let dir = TemporaryDirectory("install")
        let path = try dir.write("home/.claude/settings.json", Self.claudeSettings)
        let installer = installer(dir)
        _ = try installer.install(.claudeCode, scope: .user)
        guard case .object(var settings) = try readJSON(path) else { Issue.record("not an object"); return }
        settings["theme"] = "dark"
        try AtomicFile.write(CanonicalJSON.document(.object(settings)), to: path)
        _ = try installer.uninstall(.claudeCode, scope: .user)
        guard case .object(var expected) = try JSONParser.parse(Self.claudeSettings) else { return }
        expected["theme"] = "dark"
        #expect(try readJSON(path) == .object(expected))
    }

    @Test("A settings file mnem created is removed again; project scope writes under the project")
    func createdFiles() throws {
        let dir = TemporaryDirectory("install")
        let installer = installer(dir)
        try FileManager.default.createDirectory(atPath: dir.file("project"), withIntermediateDirectories: true)
        for agent in [IntegrationAgent.claudeCode, .gemini, .cursor] {
            _ = try installer.install(agent, scope: .project)
            let file = try installer.settingsFiles(agent, scope: .project)[0]
            #expect(file.hasPrefix(dir.file("project")))
            #expect(FileManager.default.fileExists(atPath: file))
            _ = try installer.uninstall(agent, scope: .project)
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }

    @Test("Settings that are not valid JSON are refused and left alone")
    func malformedSettings() throws {
        let dir = TemporaryDirectory("install")
        let path = try dir.write("home/.claude/settings.json", "{ \"hooks\": [ oops")
        #expect(throws: IntegrationError.self) { try installer(dir).install(.claudeCode, scope: .user) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{ \"hooks\": [ oops")
        let wrongShape = try dir.write("home/.gemini/settings.json", "{\"hooks\": []}")
        #expect(throws: IntegrationError.self) { try installer(dir).install(.gemini, scope: .user) }
        #expect(try String(contentsOfFile: wrongShape, encoding: .utf8) == "{\"hooks\": []}")
    }

    // MARK: - Codex

    static let codexConfig = """
        # my Codex settings
        model = "gpt-5.3-codex"
        approval_policy = "on-request"
        trusted = [
            "/home/me/a",   # comment with ] bracket
            "/home/me/b",
        ]
        note = \"\"\"
        [not a table]
        notify = "inside a string"
        \"\"\"

        [profiles.fast]
        model = "gpt-5-mini"
        notify = ["not", "top-level"]

        [mcp_servers.docs]
        command = "docs-server"
        """

    @Test("Codex config.toml: one line added before the first table, everything else byte for byte", arguments: [
        codexConfig, codexConfig + "\n", "model = \"o3\"", "", "model = \"o3\"\n# trailing comment\n",
    ])
    func codexNotify(original: String) throws {
        let dir = TemporaryDirectory("codex")
        let path = try dir.write("home/.codex/config.toml", original)
        let installer = installer(dir)
        _ = try installer.install(.codex, scope: .user)
        let installed = try String(contentsOfFile: path, encoding: .utf8)
        let line = CodexConfig.notifyLine([Self.mnemPath, "hook", "codex", "notify"])
        #expect(installed.contains(line))
        #expect(CodexConfig.notifyArgv(installed) == [Self.mnemPath, "hook", "codex", "notify"])
        // Removing exactly the added line gives back the original.
        #expect(CodexConfig.uninstall(installed) == original)
        if let tableStart = original.range(of: "[profiles.fast]") {
            #expect(installed.range(of: line)!.lowerBound < installed.range(of: "[profiles.fast]")!.lowerBound)
            #expect(installed.hasSuffix(String(original[tableStart.lowerBound...])))
        }
        let once = try #require(FileManager.default.contents(atPath: path))
        _ = try installer.install(.codex, scope: .user)
        #expect(FileManager.default.contents(atPath: path) == once, "install twice = install once")
        let hooksJSON = try readJSON(dir.file("home/.codex/hooks.json"))
        #expect(hookCommands(hooksJSON, "SessionStart").contains { $0.hasSuffix("hook codex session-start") })

        _ = try installer.uninstall(.codex, scope: .user)
        if original.isEmpty {
            let leftover = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            #expect(leftover.isEmpty)
        } else {
            #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("home/.codex/hooks.json")))
    }

    @Test("Codex: another program's notify is never clobbered")
    func codexConflict() throws {
        let dir = TemporaryDirectory("codex")
        let original = "notify = [\"python3\", \"/home/me/notify.py\"]\nmodel = \"o3\"\n"
        let path = try dir.write("home/.codex/config.toml", original)
        #expect(throws: CodexConfig.Conflict.self) { try installer(dir).install(.codex, scope: .user) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
        #expect(CodexConfig.uninstall(original) == nil)
        // A notify that names mnem from another build is recognized as mnem's, and replaced.
        let moved = "notify = [\"/old/place/mnem\", \"hook\", \"codex\", \"notify\"]\n"
        #expect(try CodexConfig.install(moved, argv: ["/new/mnem", "hook", "codex", "notify"]) == "notify = [\"/new/mnem\", \"hook\", \"codex\", \"notify\"]\n")
    }

    @Test("Codex: a multi-line notify of mnem's is found and removed whole")
    func codexMultiline() throws {
        let text = "a = 1\nnotify = [\n  \"/x/mnem\",\n  \"hook\", # why\n  \"codex\", \"notify\",\n]\n[t]\nb = 2\n"
        #expect(CodexConfig.uninstall(text) == "a = 1\n[t]\nb = 2\n")
    }

    // MARK: - git

    @Test("git: an existing post-commit hook is chained, runs first, and comes back on uninstall")
    func gitChaining() throws {
        let dir = TemporaryDirectory("git")
        let project = dir.file("project")
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Shell.git(["init", "-q", project])
        let marker = dir.file("chained-ran")
        let original = "#!/bin/sh\necho ran > '\(marker)'\n"
        let hook = project + "/.git/hooks/post-commit"
        try writeFile(hook, original)
        chmod(hook, 0o755)
        // A fake mnem that records that it was called.
        let fake = dir.file("bin/mnem")
        try writeFile(fake, "#!/bin/sh\necho \"$@\" > '\(dir.file("mnem-ran"))'\n")
        chmod(fake, 0o755)
        var installer = HookInstaller(home: dir.file("home"), projectRoot: project, mnem: fake, environment: [:])
        installer.gitPreCommit = true
        _ = try installer.install(.git, scope: .project)
        let once = try #require(FileManager.default.contents(atPath: hook))
        _ = try installer.install(.git, scope: .project)
        #expect(FileManager.default.contents(atPath: hook) == once)
        #expect(FileManager.default.isExecutableFile(atPath: hook))
        #expect(try String(contentsOfFile: hook + ".mnem-chained", encoding: .utf8) == original)

        try writeFile(project + "/a.txt", "a\n")
        try Shell.git(["add", "a.txt"], in: project)
        try Shell.git(["commit", "-q", "-m", "first"], in: project)
        #expect(FileManager.default.fileExists(atPath: marker), "the user's hook still runs")
        #expect(try String(contentsOfFile: dir.file("mnem-ran"), encoding: .utf8).hasPrefix("hook git"))

        _ = try installer.uninstall(.git, scope: .project)
        #expect(try String(contentsOfFile: hook, encoding: .utf8) == original)
        #expect(!FileManager.default.fileExists(atPath: hook + ".mnem-chained"))
        #expect(!FileManager.default.fileExists(atPath: project + "/.git/hooks/pre-commit"))
    }

    @Test("A failing chained pre-commit still blocks the commit; mnem's part never does")
    func gitPreCommitStatus() throws {
        let dir = TemporaryDirectory("git")
        let project = dir.file("project")
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try Shell.git(["init", "-q", project])
        try writeFile(project + "/.git/hooks/pre-commit", "#!/bin/sh\nexit 3\n")
        chmod(project + "/.git/hooks/pre-commit", 0o755)
        var installer = HookInstaller(home: dir.file("home"), projectRoot: project, mnem: "/bin/false", environment: [:])
        installer.gitPreCommit = true
        _ = try installer.install(.git, scope: .project)
        try writeFile(project + "/a.txt", "a\n")
        try Shell.git(["add", "a.txt"], in: project)
        #expect(throws: (any Error).self) { try Shell.git(["commit", "-q", "-m", "blocked"], in: project) }
        try Shell.git(["commit", "-q", "--no-verify", "-m", "allowed"], in: project)
    }

    @Test("Recognizing mnem's command lines", arguments: [
        ("/usr/bin/mnem hook claude-code session-start", true), ("'/a b/mnem' hook git post-commit", true), ("mnem hook x y", true),
        ("mnem hooks install", false), ("/usr/bin/mnemonic hook x", false), ("echo mnem hook", false), ("", false),
    ])
    func recognition(command: String, expected: Bool) {
        #expect(ShellWords.isMnemHook(command) == expected)
    }
}
