import Foundation
import MnemIntegrations

/// `mnem mcp`: a Model Context Protocol server on standard input and output.
struct MCPCommand: Command {
    static let name = "mcp"
    static let abstract = "Serve the pool to agents over the Model Context Protocol (stdio)"
    static let help = """
        Usage: mnem mcp

        JSON-RPC 2.0, one message per line, on standard input and output. Tools: search_memories,
        get_memory, add_insight, record_feedback. Nothing but JSON-RPC is written to standard output.

        Register it with an agent, e.g. Claude Code: claude mcp add mnem -- mnem mcp
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
