import Foundation
import MnemIntegrations

/// `mnem mcp`: a Model Context Protocol server on standard input and output; `mnem mcp install
/// AGENT` registers it in an agent's configuration.
struct MCPCommand: Command {
    static let name = "mcp"
    static let abstract = "Serve the pool to agents over the Model Context Protocol (stdio), or register it with an agent"
    static let help = """
        Usage: mnem mcp
               mnem mcp install AGENT [--scope user|project] [--mnem PATH]
               mnem mcp uninstall AGENT [--scope user|project]

        JSON-RPC 2.0, one message per line (at most 4 MiB), on standard input and output, at
        protocol 2026-07-28 (server/discover, no handshake) and, through initialize, 2025-11-25,
        2025-06-18, 2025-03-26 and 2024-11-05. Tools: search_memories, get_memory (read-only),
        add_insight, record_feedback; resources: memory://ID. Bad arguments are tool results with
        isError, which the model reads. Nothing but JSON-RPC is written to standard output.

          AGENT         claude-code (~/.claude.json; project: .mcp.json), codex (config.toml
                        [mcp_servers.mnem]; project: .codex/config.toml), gemini (settings.json),
                        cursor (mcp.json); user scope in your home directory (default), project
                        scope in the repository
          --mnem PATH   the mnem the agent starts (default: 'mnem' when this one is on PATH, else
                        this one's path; never a build directory)

        Installing adds only the server named 'mnem' and leaves every other byte of the file as it
        was; installing twice is installing once; uninstalling gives back the original bytes.
        """

    enum Action: String { case install, uninstall }

    var action: Action?
    var agent: IntegrationAgent?
    var scope: InstallScope
    var mnem: String?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let scopeName = try args.option("--scope") ?? "user"
        guard let scope = InstallScope(rawValue: scopeName) else { throw UsageError("--scope takes user or project, not '\(scopeName)'") }
        self.scope = scope
        mnem = try args.option("--mnem")
        let words = try args.positionals()
        self.global = global
        guard !words.isEmpty else { return }
        guard words.count == 2, let action = Action(rawValue: words[0]) else { throw UsageError("mcp takes no arguments, or: install|uninstall AGENT") }
        guard let agent = IntegrationAgent(rawValue: words[1]), MCPInstaller.agents.contains(agent) else {
            throw UsageError("unknown agent '\(words[1])' (expected \(MCPInstaller.agents.map(\.rawValue).joined(separator: ", ")))")
        }
        self.action = action
        self.agent = agent
    }

    func run(_ console: Console) throws -> Int32 {
        guard let action, let agent else {
            let global = self.global
            let server = MCPServer(openPool: { try global.openPool(console) }, environment: console.environment, version: MnemCLI.version)
            server.serve(readChunk: { Array(console.readStdinChunk()) }, write: { console.outRaw($0) })
            return 0
        }
        let program = action == .uninstall ? "mnem" : try MnemExecutable.resolve(
            requested: mnem, current: DetachedProcess.currentExecutable(), environment: console.environment,
            currentDirectory: console.currentDirectory)
        let installer = MCPInstaller(
            home: console.environment["HOME"] ?? NSHomeDirectory(), projectRoot: HookInstaller.projectRoot(from: console.currentDirectory),
            mnem: program, environment: console.environment)
        let changes = action == .install ? try installer.install(agent, scope: scope) : try installer.uninstall(agent, scope: scope)
        if changes.isEmpty {
            console.out(action == .install ? "mnem's MCP server is already registered for \(agent.rawValue)" : "no mnem MCP server registered for \(agent.rawValue)")
        }
        for change in changes { console.out(change) }
        return 0
    }
}
