import MnemCore

/// A JSON-RPC 2.0 error: its code, message and optional data.
public struct JSONRPCError: Error, Sendable {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603

    public init(_ code: Int, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    static func invalidParams(_ message: String) -> JSONRPCError { JSONRPCError(Self.invalidParams, message) }
}

/// Building JSON-RPC 2.0 messages.
enum JSONRPC {
    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func error(id: JSONValue, _ error: JSONRPCError) -> JSONValue {
        var body: [String: JSONValue] = ["code": .int(Int64(error.code)), "message": .string(error.message)]
        if let data = error.data { body["data"] = data }
        return .object(["jsonrpc": "2.0", "id": id, "error": .object(body)])
    }
}
