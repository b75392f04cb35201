import MnemCore

extension SearchHit {
    /// The hit without its memory: id, kind, domain, outcome, model, and the score with the bar
    /// it had to clear (four decimals).
    public var json: JSONValue {
        var m: [String: JSONValue] = [
            "id": .string(id.rawValue), "kind": .string(kind.rawValue), "domain": .string(domain),
            "outcome": .string(outcome.rawValue), "score": .double((Double(score) * 10_000).rounded() / 10_000),
            "bar": .double((Double(bar) * 10_000).rounded() / 10_000),
        ]
        m["model"] = model.map { .string($0) } ?? .null
        return .object(m)
    }
}

extension RetrievedMemory {
    /// One search result as both `mnem search --json` (an array of them) and the MCP tool
    /// `search_memories` (`{"results": [...]}`) print it: `{"headline", "hit", "memory"}`.
    ///
    /// - Parameter includeMemory: false leaves `memory` null (MCP does so for trajectories,
    ///   whose steps can be long: `get_memory` reads them).
    public func json(includeMemory: Bool = true) -> JSONValue {
        ["headline": .string(memory.headline), "hit": hit.json, "memory": includeMemory ? memory.jsonObject() : .null]
    }

    /// The JSON Schema of `json(includeMemory:)`, for MCP's `outputSchema`.
    public static let jsonSchema: JSONValue = [
        "type": "object",
        "required": ["headline", "hit", "memory"],
        "properties": [
            "headline": ["type": "string", "description": "the memory's title or task, one line"],
            "hit": [
                "type": "object",
                "required": ["id", "kind", "domain", "outcome", "score", "bar", "model"],
                "properties": [
                    "id": ["type": "string", "pattern": "^[0-9a-f]{40}$"],
                    "kind": ["enum": ["trajectory", "workflow", "summary", "insight"]],
                    "domain": ["type": "string"],
                    "outcome": ["enum": ["success", "failure", "unknown"]],
                    "score": ["type": "number", "description": "cosine similarity to the query"],
                    "bar": ["type": "number", "description": "the score the memory had to reach"],
                    "model": ["type": ["string", "null"]],
                ],
            ],
            "memory": ["type": ["object", "null"], "description": "the memory as its file holds it (null for a trajectory in MCP)"],
        ],
    ]
}
