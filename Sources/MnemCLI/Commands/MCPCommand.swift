import Foundation
import MnemIntegrations

/// `mnem mcp`: a Model Context Protocol server on standard input and output.
struct MCPCommand: Command {
    static let name = "mcp"
    static let abstract = "Serve the pool to agents over the Model Context Protocol (stdio)"
    static let help = """
        Usage: mnem mcp

        JSON-RPC 2.0, one message per line (at most 4 MiB), on standard input and output, at
        protocol 2026-07-28 (server/discover, no handshake) and, through initialize, 2025-11-25,
        2025-06-18, 2025-03-26 and 2024-11-05. Tools: search_memories, get_memory (read-only),
        add_insight, record_feedback; resources: memory://ID. Bad arguments are tool results with
        isError, which the model reads. Nothing but JSON-RPC is written to standard output.

        Register it with an agent: mnem mcp install claude-code|codex|gemini|cursor
        """

    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let global = self.global
        let server = MCPServer(openPool: { try global.openPool(console) }, environment: console.environment, version: MnemCLI.version)
        server.serve(readChunk: { Array(console.readStdinChunk()) }, write: { console.outRaw($0) })
        return 0
    }
}
