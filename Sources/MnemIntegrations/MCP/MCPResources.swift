import MnemCore

/// Each memory as an MCP resource, `memory://ID`, so a client can attach one to a conversation.
extension MCPTools {
    static let resourceScheme = "memory://"
    /// Memories per `resources/list` page: each one's blob is read for its title.
    static let resourcePageSize = 100

    /// One page of the pool's memories, ordered by id; `nextCursor` (the last id) asks for the next.
    func resourceList(_ params: JSONValue, features: MCPProtocol.Features) throws -> JSONValue {
        var after: String?
        if let raw = params["cursor"], !raw.isNull {
            guard let cursor = raw.stringValue, MemoryID(cursor) != nil else { throw JSONRPCError.invalidParams("cursor is not one this server gave") }
            after = cursor
        }
        let pool = try thePool()
        var entries = try pool.entries().sorted { $0.id < $1.id }
        if let after { entries = entries.filter { $0.id.rawValue > after } }
        let page = entries.prefix(Self.resourcePageSize)
        var resources: [JSONValue] = []
        for entry in page {
            // An invalid memory is left out here as everywhere ('mnem doctor' names it).
            guard let memory = try? pool.readMemory(blob: entry.blob, path: entry.path) else { continue }
            var resource: [String: JSONValue] = [
                "uri": .string(Self.resourceScheme + memory.id.rawValue), "name": .string(memory.id.rawValue),
                "description": .string("\(memory.kind.rawValue) · \(memory.domain) · \(memory.outcome.rawValue)"),
                "mimeType": "application/json",
            ]
            if features.structuredOutput { resource["title"] = .string(SecretCheck.redacted(memory.headline)) }
            resources.append(.object(resource))
        }
        var result: [String: JSONValue] = ["resources": .array(resources)]
        if entries.count > page.count, let last = page.last { result["nextCursor"] = .string(last.id.rawValue) }
        if features.isModern {
            // The pool changes with every capture and pull.
            result["ttlMs"] = 0
            result["cacheScope"] = "private"
        }
        return .object(result)
    }

    func resourceTemplates(features: MCPProtocol.Features) -> JSONValue {
        var template: [String: JSONValue] = [
            "uriTemplate": .string(Self.resourceScheme + "{id}"), "name": "memory",
            "description": "A memory of the pool by its id (or an unambiguous prefix of 4+ hex digits), as canonical JSON.",
            "mimeType": "application/json",
        ]
        if features.structuredOutput { template["title"] = "Memory" }
        var result: [String: JSONValue] = ["resourceTemplates": [.object(template)]]
        if features.isModern {
            result["ttlMs"] = .int(3_600_000)
            result["cacheScope"] = "public"
        }
        return .object(result)
    }

    /// The memory a `memory://ID` names, as its file's canonical JSON.
    ///
    /// - Throws: `JSONRPCError` for another scheme or an id that names no memory (-32002 at the
    ///   handshake versions, -32602 at 2026-07-28, which retired -32002).
    func readResource(_ uri: String, features: MCPProtocol.Features) throws -> JSONValue {
        let notFound = features.isModern ? JSONRPCError.invalidParams : -32002
        guard uri.hasPrefix(Self.resourceScheme) else {
            throw JSONRPCError(notFound, "resource not found: \(uri) (mnem's resources are memory://ID)", data: ["uri": .string(uri)])
        }
        let text = String(uri.dropFirst(Self.resourceScheme.count))
        let memory: Memory
        do {
            let pool = try thePool()
            guard let found = try pool.memory(try pool.resolve(text)) else { throw PoolError("no memory \(text)") }
            memory = found
        } catch {
            throw JSONRPCError(notFound, "resource not found: \(uri): \(error)", data: ["uri": .string(uri)])
        }
        var result: [String: JSONValue] = [
            "contents": [
                [
                    "uri": .string(Self.resourceScheme + memory.id.rawValue), "mimeType": "application/json",
                    // Redacted like every memory an agent reads, whenever a credential got into the pool.
                    "text": .string(CanonicalJSON.documentString(SecretCheck.redacted(memory.jsonObject()))),
                ]
            ]
        ]
        if features.isModern {
            // A memory never changes (a change is a new id), but it can be forgotten.
            result["ttlMs"] = 0
            result["cacheScope"] = "private"
        }
        return .object(result)
    }
}
