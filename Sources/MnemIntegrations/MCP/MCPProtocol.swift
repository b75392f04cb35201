import MnemCore

/// The Model Context Protocol versions mnem serves, and what differs between them.
///
/// Two eras: up to 2025-11-25 a client opens with the `initialize` handshake and the version it
/// agrees on holds for the connection; from 2026-07-28 there is no handshake: every request
/// carries its protocol version and the client's capabilities in `params._meta`, the client asks
/// `server/discover` what the server offers, and every result says its `resultType`.
public enum MCPProtocol {
    /// The per-request versions (no handshake), newest last.
    public static let modernVersions = ["2026-07-28"]
    /// The versions reachable through `initialize`, newest first (the first is the counter-offer
    /// to a version mnem does not know).
    public static let handshakeVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    static let protocolVersionKey = "io.modelcontextprotocol/protocolVersion"
    static let clientCapabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    /// JSON-RPC error code for a protocol version the server does not serve (2026-07-28).
    static let unsupportedProtocolVersion = -32022

    /// Whether `params` carry the 2026-07-28 envelope: the protocol-version key alone decides, so
    /// a half-built envelope is still answered by the modern rules (which name what is missing).
    static func hasModernEnvelope(_ params: JSONValue) -> Bool {
        params["_meta"]?[protocolVersionKey] != nil
    }

    /// What a result may contain at a version: the features arrived one revision at a time.
    struct Features {
        var version: String
        var isModern: Bool { MCPProtocol.modernVersions.contains(version) }
        /// `annotations` on tools (2025-03-26).
        var toolAnnotations: Bool { version >= "2025-03-26" }
        /// `outputSchema`, `structuredContent` and `title` (2025-06-18).
        var structuredOutput: Bool { version >= "2025-06-18" }
    }
}
