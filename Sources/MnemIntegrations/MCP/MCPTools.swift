import Foundation
import MnemCore
import MnemIndex

/// The tools `mnem mcp` offers: search, read, add an insight, record feedback.
final class MCPTools {
    let openPool: () throws -> Pool
    let environment: [String: String]
    var agent: String?
    private var pool: Pool?

    init(openPool: @escaping () throws -> Pool, environment: [String: String]) {
        self.openPool = openPool
        self.environment = environment
    }

    static let definitions: [JSONValue] = [
        [
            "name": "search_memories",
            "description": "Find the memories (insight, summary, workflow, trajectory) most relevant to a task, most abstract first.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "query": ["type": "string", "description": "the task or question"],
                    "k": ["type": "integer", "minimum": 1, "maximum": 50, "description": "how many (default 5)"],
                    "kind": ["type": "string", "enum": ["trajectory", "workflow", "summary", "insight"]],
                    "domain": ["type": "string", "description": "only memories of this domain"],
                ],
                "required": ["query"],
            ],
        ],
        [
            "name": "get_memory",
            "description": "Read one memory by its id or an unambiguous prefix (at least 4 hex digits).",
            "inputSchema": [
                "type": "object", "properties": ["id": ["type": "string"]], "required": ["id"],
            ],
        ],
        [
            "name": "add_insight",
            "description": "Add an insight: a reusable lesson with a title, a one-sentence description and 1-3 sentences of content, free of task-specific files or strings.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "title": ["type": "string"], "description": ["type": "string"], "content": ["type": "string"],
                    "domain": ["type": "string", "description": "e.g. python, swift, general (default general)"],
                    "tags": ["type": "array", "items": ["type": "string"]],
                ],
                "required": ["title", "description", "content"],
            ],
        ],
        [
            "name": "record_feedback",
            "description": "Say whether a memory helped; feedback is kept in the pool and moves the memory up or down in later searches.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "id": ["type": "string", "description": "the memory's id or prefix"], "helped": ["type": "boolean"],
                    "note": ["type": "string"],
                ],
                "required": ["id", "helped"],
            ],
        ],
    ]

    /// Runs a tool.
    ///
    /// - Throws: `JSONRPCError` -32602 for an unknown tool or bad arguments. Failures of the tool
    ///   itself (no pool, no such memory) are results with `isError: true`.
    func call(_ name: String, _ arguments: JSONValue) throws -> JSONValue {
        let run: () throws -> JSONValue
        switch name {
        case "search_memories":
            let query = try string(arguments, "query", max: 10_000)
            let k = try integer(arguments, "k", range: 1...50) ?? 5
            var filter = SearchFilter()
            if let kindName = try optionalString(arguments, "kind") {
                guard let kind = MemoryKind(rawValue: kindName) else {
                    throw JSONRPCError.invalidParams("kind must be trajectory, workflow, summary or insight")
                }
                filter.kinds = [kind]
            }
            if let domain = try optionalString(arguments, "domain") { filter.domains = [domain] }
            run = { try self.search(query, k: k, filter: filter) }
        case "get_memory":
            let id = try string(arguments, "id", max: 64)
            run = { try self.get(id) }
        case "add_insight":
            let title = try string(arguments, "title", max: 200)
            let description = try string(arguments, "description", max: 1_000)
            let content = try string(arguments, "content", max: 4_000)
            let domain = try optionalString(arguments, "domain") ?? "general"
            var tags: [String] = []
            if let list = arguments["tags"] {
                guard let items = list.arrayValue, items.count <= 32 else { throw JSONRPCError.invalidParams("tags must be an array of at most 32 strings") }
                tags = try items.map { item in
                    guard let tag = item.stringValue, !tag.isEmpty, tag.count <= 64 else {
                        throw JSONRPCError.invalidParams("each tag must be a string of 1 to 64 characters")
                    }
                    return tag
                }
            }
            run = { try self.addInsight(title: title, description: description, content: content, domain: domain, tags: tags) }
        case "record_feedback":
            let id = try string(arguments, "id", max: 64)
            guard let helped = arguments["helped"]?.boolValue else { throw JSONRPCError.invalidParams("helped must be true or false") }
            let note = try optionalString(arguments, "note", max: 2_000) ?? ""
            run = { try self.feedback(id, helped: helped, note: note) }
        default:
            throw JSONRPCError.invalidParams("unknown tool: \(name)")
        }
        do {
            let value = try run()
            return [
                "content": [["type": "text", "text": .string(CanonicalJSON.compactString(value))]],
                "structuredContent": value,
                "isError": false,
            ]
        } catch {
            return ["content": [["type": "text", "text": .string(String(describing: error))]], "isError": true]
        }
    }

    // MARK: - Arguments

    func string(_ arguments: JSONValue, _ key: String, max: Int) throws -> String {
        guard let value = try optionalString(arguments, key, max: max) else { throw JSONRPCError.invalidParams("\(key) is required (a non-empty string)") }
        return value
    }

    func optionalString(_ arguments: JSONValue, _ key: String, max: Int = 200) throws -> String? {
        guard let raw = arguments[key], !raw.isNull else { return nil }
        guard let value = raw.stringValue else { throw JSONRPCError.invalidParams("\(key) must be a string") }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw JSONRPCError.invalidParams("\(key) must not be empty") }
        guard trimmed.count <= max else { throw JSONRPCError.invalidParams("\(key) is longer than \(max) characters") }
        return trimmed
    }

    func integer(_ arguments: JSONValue, _ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw = arguments[key], !raw.isNull else { return nil }
        guard let value = raw.intValue, range.contains(Int(value)) else {
            throw JSONRPCError.invalidParams("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }

    // MARK: - Tools

    func thePool() throws -> Pool {
        if let pool { return pool }
        let opened = try openPool()
        pool = opened
        return opened
    }

    func search(_ query: String, k: Int, filter: SearchFilter) throws -> JSONValue {
        let pool = try thePool()
        let name = environment["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 } ?? EmbedderRegistry.defaultName
        let retriever = Retriever(pool: pool, embedder: try EmbedderRegistry.makeEmbedder(name: name))
        // Fetch extra candidates so feedback can lift a memory just below the cut.
        let found = try retriever.search(query, k: min(k * 3, 150), filter: filter)
        let ranked = FeedbackStore.rerank(found, scores: try FeedbackStore.netScores(pool)).prefix(k)
        return [
            "results": .array(ranked.map { item in
                var entry: [String: JSONValue] = [
                    "id": .string(item.memory.id.rawValue), "kind": .string(item.memory.kind.rawValue), "domain": .string(item.memory.domain),
                    "outcome": .string(item.memory.outcome.rawValue), "score": .double((Double(item.hit.score) * 10_000).rounded() / 10_000),
                    "headline": .string(SecretCheck.redacted(item.memory.headline)),
                ]
                // Trajectories can be long: their steps are left to get_memory.
                entry["memory"] = item.memory.kind == .trajectory ? .null : SecretCheck.redacted(item.memory.jsonObject())
                return .object(entry)
            })
        ]
    }

    func get(_ text: String) throws -> JSONValue {
        let pool = try thePool()
        let id = try pool.resolve(text)
        guard let memory = try pool.memory(id) else { throw PoolError("no memory \(text)") }
        // What an agent reads goes into its context: no credential, whenever it got into the pool.
        return SecretCheck.redacted(memory.jsonObject())
    }

    func addInsight(title: String, description: String, content: String, domain: String, tags: [String]) throws -> JSONValue {
        // Refused, not redacted: the agent is told which argument held what, and can try again.
        try SecretCheck.refuse(
            fields: [("title", title), ("description", description), ("content", content), ("domain", domain)]
                + tags.enumerated().map { ("tags/\($0.offset)", $0.element) },
            label: "add_insight")
        let pool = try thePool()
        var source = MemorySource(agent: agent ?? "mcp")
        source.capturedAt = Self.now()
        let memory = Memory(
            body: .insight(Insight(title: title, description: description, content: content)), task: description, domain: domain,
            outcome: .unknown, source: source, tags: Array(Set(tags + ["via:mcp"])).sorted())
        // The same checks a memory read from a file gets.
        do {
            _ = try Memory(json: memory.jsonObject())
        } catch {
            throw JSONRPCError.invalidParams("not a valid insight: \(error)")
        }
        let result = try pool.add([memory], info: CommitInfo(summary: "add insight: \(title.prefix(60))", author: pool.defaultAuthor(environment: environment)))
        return [
            "id": .string(memory.id.rawValue), "added": .bool(!result.added.isEmpty),
            "commit": result.commit.map { .string($0.hex) } ?? .null,
        ]
    }

    func feedback(_ text: String, helped: Bool, note: String) throws -> JSONValue {
        try SecretCheck.refuse(fields: [("note", note)], label: "record_feedback")
        let pool = try thePool()
        let id = try pool.resolve(text)
        let feedback = Feedback(memory: id, helped: helped, note: note, agent: agent, createdAt: Self.now())
        let commit = try FeedbackStore.record(feedback, in: pool, author: pool.defaultAuthor(environment: environment))
        return [
            "memory": .string(id.rawValue), "path": .string(feedback.path), "commit": commit.map { .string($0.hex) } ?? .null,
            "net": .int(Int64(try FeedbackStore.netScores(pool)[id] ?? 0)),
        ]
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
