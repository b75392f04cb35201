import Foundation
import MnemCore

/// A Model Context Protocol server over standard input and output: JSON-RPC 2.0, one message per line.
///
/// It serves both eras of the protocol (see `MCPProtocol`), as the client's first request decides:
/// `initialize` (or any request without the 2026-07-28 envelope) opens a handshake-era connection
/// at the version agreed on; a request carrying the envelope opens a 2026-07-28 one, where every
/// request must carry it. A later claim of the other era is refused, as the reference SDK does:
/// `initialize` on a 2026-07-28 connection gets -32022 naming the versions served, an enveloped
/// request on a handshake connection gets -32600.
///
/// Methods: `server/discover` (2026-07-28), `initialize` and `ping` (handshake era), `tools/list`,
/// `tools/call`, `resources/list`, `resources/templates/list`, `resources/read`; notifications get no
/// answer. Every line written is one JSON-RPC response; nothing else reaches standard output.
/// Malformed input gets the protocol's error codes (-32700 invalid JSON, -32600 not a request or
/// longer than `maxLineBytes`, -32601 unknown method, -32602 bad parameters or unknown tool);
/// a tool's own failure, bad arguments included, is a result with `isError: true` that the model reads.
public final class MCPServer {
    /// The longest message accepted; a longer line is answered with -32600 and skipped.
    public static let defaultMaxLineBytes = 4 << 20

    enum Era: Equatable {
        case handshake(version: String)
        case modern
    }

    let tools: MCPTools
    let version: String
    let maxLineBytes: Int
    /// Decided by the client's first request.
    var era: Era?
    /// The client's name from `initialize`, recorded as the agent of insights and feedback.
    var clientName: String?

    /// - Parameter openPool: opens the pool on first use (so a server starts even before a pool exists).
    public init(
        openPool: @escaping () throws -> Pool, environment: [String: String], version: String, maxLineBytes: Int = MCPServer.defaultMaxLineBytes
    ) {
        tools = MCPTools(openPool: openPool, environment: environment)
        self.version = version
        self.maxLineBytes = maxLineBytes
    }

    var serverInfo: JSONValue { ["name": "mnem", "version": .string(version)] }

    static let instructions =
        "mnem is a pool of memories from past coding-agent sessions. search_memories before a task; record_feedback on memories you used; add_insight for a reusable lesson (no task-specific paths or strings). Each memory is also a resource, memory://ID."

    /// Serves until end of input, writing each response with `write`.
    ///
    /// - Complexity: linear in the bytes read; memory bounded by `maxLineBytes`.
    public func serve(readChunk: () -> [UInt8], write: ([UInt8]) -> Void) {
        var reader = LineReader(maxLineBytes: maxLineBytes)
        while true {
            let chunk = readChunk()
            if chunk.isEmpty { break }
            for item in reader.feed(chunk) {
                if let response = handle(item) { write(response) }
            }
        }
        if let item = reader.finish(), let response = handle(item) { write(response) }
    }

    func handle(_ item: LineReader.Item) -> [UInt8]? {
        switch item {
        case .line(let bytes):
            return handle(line: bytes)
        case .tooLong(let length):
            let error = JSONRPCError(
                JSONRPCError.invalidRequest, "message of \(length) bytes is longer than the limit of \(maxLineBytes) bytes; ignored")
            return CanonicalJSON.compact(JSONRPC.error(id: .null, error)) + [0x0A]
        }
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
            return JSONRPC.result(id: id, try route(method, params))
        } catch let error as JSONRPCError {
            return JSONRPC.error(id: id, error)
        } catch {
            return JSONRPC.error(id: id, JSONRPCError(JSONRPCError.internalError, "internal error: \(error)"))
        }
    }

    /// Decides the era (on the first request) and checks the request belongs to it.
    func route(_ method: String, _ params: JSONValue) throws -> JSONValue {
        if method == "initialize" {
            if era == .modern {
                throw JSONRPCError(
                    MCPProtocol.unsupportedProtocolVersion, "this connection serves protocol 2026-07-28, which has no initialize handshake",
                    data: ["supported": .array(MCPProtocol.modernVersions.map { .string($0) }), "requested": params["protocolVersion"] ?? .null])
            }
            return initialize(params)
        }
        if MCPProtocol.hasModernEnvelope(params) {
            if case .handshake = era {
                throw JSONRPCError(
                    JSONRPCError.invalidRequest,
                    "this connection began with initialize; requests carrying the 2026-07-28 envelope are not accepted on it")
            }
            era = .modern
            return try modern(method, params)
        }
        switch era {
        case .modern:
            throw JSONRPCError.invalidParams(
                "params._meta must carry \(MCPProtocol.protocolVersionKey) and \(MCPProtocol.clientCapabilitiesKey) on a 2026-07-28 connection")
        case .handshake(let version):
            return try handshake(method, params, version: version)
        case nil:
            if method == "server/discover" {
                // Not a claim of either era: the probe just lacks its envelope.
                throw JSONRPCError.invalidParams(
                    "server/discover needs params._meta with \(MCPProtocol.protocolVersionKey) and \(MCPProtocol.clientCapabilitiesKey)")
            }
            // A client that skips the handshake gets the newest handshake-era answers.
            era = .handshake(version: MCPProtocol.handshakeVersions[0])
            return try handshake(method, params, version: MCPProtocol.handshakeVersions[0])
        }
    }

    func initialize(_ params: JSONValue) -> JSONValue {
        let requested = params["protocolVersion"]?.stringValue
        let agreed = requested.flatMap { MCPProtocol.handshakeVersions.contains($0) ? $0 : nil } ?? MCPProtocol.handshakeVersions[0]
        era = .handshake(version: agreed)
        clientName = params["clientInfo"]?["name"]?.stringValue
        return [
            "protocolVersion": .string(agreed),
            "capabilities": capabilities,
            "serverInfo": serverInfo,
            "instructions": .string(Self.instructions),
        ]
    }

    var capabilities: JSONValue {
        ["tools": ["listChanged": false], "resources": ["listChanged": false, "subscribe": false]]
    }

    func handshake(_ method: String, _ params: JSONValue, version: String) throws -> JSONValue {
        let features = MCPProtocol.Features(version: version)
        switch method {
        case "ping":
            return .object([:])
        case "server/discover":
            throw JSONRPCError(JSONRPCError.methodNotFound, "method not found: server/discover (this connection began with initialize)")
        default:
            return try common(method, params, features: features, agent: clientName)
        }
    }

    func modern(_ method: String, _ params: JSONValue) throws -> JSONValue {
        let meta = params["_meta"] ?? .null
        guard let requested = meta[MCPProtocol.protocolVersionKey]?.stringValue else {
            throw JSONRPCError.invalidParams("\(MCPProtocol.protocolVersionKey) in params._meta must be a string")
        }
        guard meta[MCPProtocol.clientCapabilitiesKey]?.objectValue != nil else {
            throw JSONRPCError.invalidParams("params._meta is missing the required \(MCPProtocol.clientCapabilitiesKey) object")
        }
        guard MCPProtocol.modernVersions.contains(requested) else {
            throw JSONRPCError(
                MCPProtocol.unsupportedProtocolVersion, "Unsupported protocol version",
                data: ["supported": .array(MCPProtocol.modernVersions.map { .string($0) }), "requested": .string(requested)])
        }
        // Capabilities and identity are per request at 2026-07-28; nothing carries over.
        let agent = meta[MCPProtocol.clientInfoKey]?["name"]?.stringValue
        var result: [String: JSONValue]
        switch method {
        case "server/discover":
            result = [
                "supportedVersions": .array(MCPProtocol.modernVersions.map { .string($0) }),
                "capabilities": capabilities,
                "instructions": .string(Self.instructions),
                // What the server offers changes only with its binary.
                "ttlMs": .int(3_600_000), "cacheScope": "public",
            ]
        default:
            result = try common(method, params, features: MCPProtocol.Features(version: requested), agent: agent).objectValue ?? [:]
        }
        result["resultType"] = "complete"
        var resultMeta = result["_meta"]?.objectValue ?? [:]
        resultMeta[MCPProtocol.serverInfoKey] = serverInfo
        result["_meta"] = .object(resultMeta)
        return .object(result)
    }

    /// The methods both eras share.
    func common(_ method: String, _ params: JSONValue, features: MCPProtocol.Features, agent: String?) throws -> JSONValue {
        tools.agent = agent
        switch method {
        case "tools/list":
            var result: [String: JSONValue] = ["tools": .array(MCPTools.definitions(features))]
            if features.isModern {
                result["ttlMs"] = .int(3_600_000)
                result["cacheScope"] = "public"
            }
            return .object(result)
        case "tools/call":
            guard let name = params["name"]?.stringValue else { throw JSONRPCError.invalidParams("tools/call needs a tool name") }
            let arguments = params["arguments"] ?? .object([:])
            guard arguments.objectValue != nil else { throw JSONRPCError.invalidParams("arguments must be an object") }
            return try tools.call(name, arguments, features: features)
        case "resources/list":
            return try tools.resourceList(params, features: features)
        case "resources/templates/list":
            return tools.resourceTemplates(features: features)
        case "resources/read":
            guard let uri = params["uri"]?.stringValue else { throw JSONRPCError.invalidParams("resources/read needs a uri") }
            return try tools.readResource(uri, features: features)
        default:
            throw JSONRPCError(JSONRPCError.methodNotFound, "method not found: \(method)")
        }
    }
}
