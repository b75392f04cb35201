import Foundation
import MnemCore

/// A Model Context Protocol server over standard input and output: JSON-RPC 2.0, one message per line.
///
/// Methods: `initialize`, `ping`, `tools/list`, `tools/call` (and the `notifications/…` a client
/// sends, which get no answer). Every line written is one JSON-RPC response; nothing else ever
/// reaches standard output. Malformed input gets the protocol's error codes: -32700 for invalid
/// JSON, -32600 for a message that is not a request, -32601 for an unknown method, -32602 for
/// bad parameters (and unknown tools); a tool that fails on the pool's side answers with
/// `isError: true`, as MCP asks, so the model can read why.
public final class MCPServer {
    public static let protocolVersions = ["2025-06-18", "2025-03-26", "2024-11-05"]

    let tools: MCPTools
    /// The client's name from `initialize`, recorded as the agent of insights and feedback.
    var clientName: String?

    /// - Parameter openPool: opens the pool on first use (so a server starts even before a pool exists).
    public init(openPool: @escaping () throws -> Pool, environment: [String: String], version: String) {
        tools = MCPTools(openPool: openPool, environment: environment)
        self.version = version
    }

    let version: String

    /// Serves until end of input, writing each response with `write`.
    public func serve(readChunk: () -> [UInt8], write: ([UInt8]) -> Void) {
        var buffer: [UInt8] = []
        while true {
            let chunk = readChunk()
            if chunk.isEmpty { break }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if let response = handle(line: line) { write(response) }
            }
        }
        if let response = handle(line: buffer) { write(response) }
    }

    /// The response line (with its newline) for one input line; nil for notifications and blank lines.
    public func handle(line: [UInt8]) -> [UInt8]? {
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        guard trimmed.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return nil }
        guard let response = respond(Array(trimmed)) else { return nil }
        return CanonicalJSON.compact(response) + [0x0A]
    }

    func respond(_ bytes: [UInt8]) -> JSONValue? {
        let message: JSONValue
        do {
            message = try JSONParser.parse(Data(bytes))
        } catch {
            return JSONRPC.error(id: .null, JSONRPCError(JSONRPCError.parseError, "parse error: \(error)"))
        }
        if case .array = message {
            return JSONRPC.error(id: .null, JSONRPCError(JSONRPCError.invalidRequest, "batches are not supported; send one message per line"))
        }
        guard let object = message.objectValue else {
            return JSONRPC.error(id: .null, JSONRPCError(JSONRPCError.invalidRequest, "a request is a JSON object, not a \(message.typeName)"))
        }
        let rawID = object["id"]
        var id: JSONValue = .null
        if let rawID {
            switch rawID {
            case .string, .int: id = rawID
            default:
                return JSONRPC.error(id: .null, JSONRPCError(JSONRPCError.invalidRequest, "id must be a string or an integer"))
            }
        }
        guard object["jsonrpc"]?.stringValue == "2.0" else {
            return JSONRPC.error(id: id, JSONRPCError(JSONRPCError.invalidRequest, "jsonrpc must be \"2.0\""))
        }
        guard let method = object["method"]?.stringValue else {
            // A response from the client (we send no requests) or junk; only a request with an id gets an answer.
            if rawID != nil, object["result"] == nil, object["error"] == nil {
                return JSONRPC.error(id: id, JSONRPCError(JSONRPCError.invalidRequest, "method must be a string"))
            }
            return nil
        }
        let params = object["params"] ?? .object([:])
        guard params.objectValue != nil else {
            return rawID == nil ? nil : JSONRPC.error(id: id, JSONRPCError.invalidParams("params must be an object"))
        }
        guard rawID != nil else {
            // Notifications (`notifications/initialized`, `notifications/cancelled`, …) get no answer.
            return nil
        }
        do {
            return JSONRPC.result(id: id, try dispatch(method, params))
        } catch let error as JSONRPCError {
            return JSONRPC.error(id: id, error)
        } catch {
            return JSONRPC.error(id: id, JSONRPCError(JSONRPCError.internalError, "internal error: \(error)"))
        }
    }

    func dispatch(_ method: String, _ params: JSONValue) throws -> JSONValue {
        switch method {
        case "initialize":
            let requested = params["protocolVersion"]?.stringValue
            let version = requested.flatMap { Self.protocolVersions.contains($0) ? $0 : nil } ?? Self.protocolVersions[0]
            clientName = params["clientInfo"]?["name"]?.stringValue
            tools.agent = clientName
            return [
                "protocolVersion": .string(version),
                "capabilities": ["tools": ["listChanged": false]],
                "serverInfo": ["name": "mnem", "version": .string(self.version)],
                "instructions": .string(
                    "mnem is a pool of memories from past coding-agent sessions. search_memories before a task; record_feedback on memories you used; add_insight for a reusable lesson (no task-specific paths or strings)."
                ),
            ]
        case "ping":
            return .object([:])
        case "tools/list":
            return ["tools": .array(MCPTools.definitions)]
        case "tools/call":
            guard let name = params["name"]?.stringValue else { throw JSONRPCError.invalidParams("tools/call needs a tool name") }
            let arguments = params["arguments"] ?? .object([:])
            guard arguments.objectValue != nil else { throw JSONRPCError.invalidParams("arguments must be an object") }
            return try tools.call(name, arguments)
        default:
            throw JSONRPCError(JSONRPCError.methodNotFound, "method not found: \(method)")
        }
    }
}
