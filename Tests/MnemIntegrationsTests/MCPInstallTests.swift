import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemIntegrations

@Suite("MCP install and portable configurations")
struct MCPInstallTests {
    /// `~/.claude.json` as Claude Code writes it: its own state beside the servers, its own formatting.
    static let claudeState = """
        {
          "numStartups": 12,
          "projects": {
            "/home/me/app": {
              "allowedTools": [],
              "mcpServers": {}
            }
          },
          "mcpServers": {
            "docs": {
              "type": "stdio",
              "command": "docs-server",
              "args": ["--port", "0"]
            }
          },
          "tipsHistory": {"new-user-warmup": 1}
        }

        """

    static let compactSettings = #"{"theme":"dark","mcpServers":{"other":{"command":"x"}}}"#
    static let noServers = "{\n    \"theme\": \"dark\"\n}"
    static let codexConfig = """
        # my Codex settings
        model = "gpt-5.3-codex"
        notify = ["my-notifier"]

        [mcp_servers.docs]
        command = "docs-server"
        """

    @Test("Install adds only mnem's entry, twice is once, uninstall gives back the original bytes", arguments: [
        (IntegrationAgent.claudeCode, ".claude.json", claudeState),
        (.claudeCode, ".claude.json", compactSettings),
        (.gemini, ".gemini/settings.json", noServers),
        (.cursor, ".cursor/mcp.json", compactSettings),
        (.codex, ".codex/config.toml", codexConfig),
    ])
    func byteForByte(agent: IntegrationAgent, file: String, original: String) throws {
        let dir = TemporaryDirectory("mcp-install")
        let path = try dir.write("home/" + file, original)
        let installer = MCPInstaller(home: dir.file("home"), projectRoot: dir.file("project"), mnem: "mnem", environment: [:])
        #expect(!(try installer.install(agent, scope: .user)).isEmpty)
        let once = try String(contentsOfFile: path, encoding: .utf8)
        #expect(try installer.install(agent, scope: .user).isEmpty, "install twice = install once")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == once)
        #expect(installer.installedCommand(agent, scope: .user) == "mnem")
        if agent == .codex {
            #expect(once.hasPrefix(original), "everything the user had is untouched")
            #expect(once.contains("[mcp_servers.mnem]\ncommand = \"mnem\"\nargs = [\"mcp\"]\n"))
        } else {
            let before = try JSONParser.parse(original)
            var expected = before.objectValue ?? [:]
            var servers = expected["mcpServers"]?.objectValue ?? [:]
            servers["mnem"] = installer.entry(agent)
            expected["mcpServers"] = .object(servers)
            #expect(try JSONParser.parse(once) == .object(expected))
            // Every byte outside the servers object is where it was.
            let head = original.contains("\"mcpServers\"") ? original.components(separatedBy: "\"mcpServers\"").first ?? "" : String(original.dropLast(2))
            #expect(once.hasPrefix(head))
        }
        #expect(!(try installer.uninstall(agent, scope: .user)).isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original, "uninstall restores the original bytes")
        #expect(!FileManager.default.fileExists(atPath: path + ".mnem-backup"))
        #expect(try installer.uninstall(agent, scope: .user).isEmpty)
    }

    @Test("Project scope writes the file the agent reads in the repository, and removes it again", arguments: [
        (IntegrationAgent.claudeCode, ".mcp.json"), (.codex, ".codex/config.toml"), (.gemini, ".gemini/settings.json"), (.cursor, ".cursor/mcp.json"),
    ])
    func projectScope(agent: IntegrationAgent, file: String) throws {
        let dir = TemporaryDirectory("mcp-install")
        let installer = MCPInstaller(home: dir.file("home"), projectRoot: dir.file("project"), mnem: "mnem", environment: [:])
        _ = try installer.install(agent, scope: .project)
        let path = dir.file("project/" + file)
        #expect(try installer.configFile(agent, scope: .project) == path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("mnem") && text.contains("mcp"))
        if agent != .codex { #expect(try JSONParser.parse(text)["mcpServers"]?["mnem"]?["args"] == ["mcp"]) }
        _ = try installer.uninstall(agent, scope: .project)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("A server named mnem that is not mnem's, and malformed files, are left alone")
    func notOurs() throws {
        let dir = TemporaryDirectory("mcp-install")
        let installer = MCPInstaller(home: dir.file("home"), projectRoot: dir.file("project"), mnem: "mnem", environment: [:])
        let theirs = #"{"mcpServers":{"mnem":{"command":"/opt/other/mnemonic"}}}"#
        let path = try dir.write("home/.cursor/mcp.json", theirs)
        #expect(throws: IntegrationError.self) { try installer.install(.cursor, scope: .user) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == theirs)
        let broken = try dir.write("home/.gemini/settings.json", "{ oops")
        #expect(throws: IntegrationError.self) { try installer.install(.gemini, scope: .user) }
        #expect(try String(contentsOfFile: broken, encoding: .utf8) == "{ oops")
    }

    @Test("Installed hooks and MCP servers name mnem from PATH, never the build directory; --mnem is checked")
    func portable() throws {
        let world = try HookWorld()
        #expect(try world.mnem(["hooks", "install", "claude-code", "--scope", "project"]).status == 0)
        let settings = try readJSON(world.project + "/.claude/settings.json")
        #expect(hookCommands(settings, "SessionStart") == ["mnem hook claude-code session-start"])
        #expect(try world.mnem(["mcp", "install", "claude-code", "--scope", "project"]).status == 0)
        #expect(try readJSON(world.project + "/.mcp.json")["mcpServers"]?["mnem"]?["command"] == "mnem")
        for file in [world.project + "/.claude/settings.json", world.project + "/.mcp.json"] {
            #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains(".build"))
        }
        // Without mnem on PATH, a build refuses to write its own path.
        let offPath = try world.mnem(["mcp", "install", "cursor"], env: ["PATH": "/usr/bin:/bin"])
        #expect(offPath.status == 1)
        #expect(offPath.stderr.contains("--mnem"))
        #expect(!FileManager.default.fileExists(atPath: world.home + "/.cursor/mcp.json"))
        // --mnem: a name must be on PATH, a path must be an executable file.
        #expect(try world.mnem(["hooks", "install", "gemini", "--mnem", "no-such-mnem"]).status == 1)
        #expect(try world.mnem(["mcp", "install", "gemini", "--mnem", world.dir.file("nowhere/mnem")]).status == 1)
        #expect(!FileManager.default.fileExists(atPath: world.home + "/.gemini/settings.json"))
        #expect(try world.mnem(["mcp", "install", "gemini", "--mnem", world.bin + "/mnem"]).status == 0)
        #expect(try readJSON(world.home + "/.gemini/settings.json")["mcpServers"]?["mnem"]?["command"]?.stringValue == world.bin + "/mnem")
    }

    @Test("Every 'mnem hook' exits 0, whatever it is given", arguments: [
        ["hook", "claude-code", "session-start", "--bogus"], ["hook", "claude-code", "session-start", "--budget-ms", "soon"],
        ["hook", "nobody", "nothing"], ["hook"], ["hook", "--pool"],
    ])
    func hooksNeverFail(arguments: [String]) throws {
        let world = try HookWorld()
        let result = try world.mnem(arguments, stdin: "")
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
