import Foundation
import MnemCore
import MnemIndex

/// Why a tool's arguments were refused: answered as a tool result with `isError: true`, so the
/// model reads the reason and can call again (a JSON-RPC error would never reach it).
struct ToolArgumentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The tools `mnem mcp` offers (search, read, add an insight, record feedback) and its resources
/// (each memory as `memory://ID`).
final class MCPTools {
    let openPool: () throws -> Pool
    let environment: [String: String]
    /// The client's name, recorded as the agent of insights and feedback.
    var agent: String?
    private var pool: Pool?

    init(openPool: @escaping () throws -> Pool, environment: [String: String]) {
        self.openPool = openPool
        self.environment = environment
    }

    // MARK: - Definitions

    static let kindNames: JSONValue = ["trajectory", "workflow", "summary", "insight"]

    static let memorySchema: JSONValue = [
        "type": "object",
        "description": "a memory as its file in the pool holds it (schema/memory.schema.json)",
        "required": ["id", "kind", "task", "domain", "outcome", "source"],
        "properties": [
            "id": ["type": "string", "pattern": "^[0-9a-f]{40}$"], "kind": ["enum": kindNames], "task": ["type": "string"],
            "domain": ["type": "string"], "outcome": ["enum": ["success", "failure", "unknown"]], "source": ["type": "object"],
        ],
    ]

    struct Definition {
        var name: String
        var title: String
        var description: String
        var input: JSONValue
        var output: JSONValue
        var annotations: JSONValue
    }

    static let all: [Definition] = [
        Definition(
            name: "search_memories", title: "Search memories",
            description:
                "Find the memories (insight, summary, workflow, trajectory) most relevant to a task, most abstract first. Each result is {headline, hit: {id, kind, domain, outcome, score, bar, model}, memory} (memory is null for a trajectory: read it with get_memory).",
            input: [
                "type": "object",
                "properties": [
                    "query": ["type": "string", "description": "the task or question"],
                    "k": ["type": "integer", "minimum": 1, "maximum": 50, "description": "how many (default 5)"],
                    "kind": ["type": "string", "enum": kindNames],
                    "domain": ["type": "string", "description": "only memories of this domain"],
                ],
                "required": ["query"],
            ],
            output: ["type": "object", "required": ["results"], "properties": ["results": ["type": "array", "items": RetrievedMemory.jsonSchema]]],
            annotations: ["title": "Search memories", "readOnlyHint": true, "openWorldHint": false]),
        Definition(
            name: "get_memory", title: "Read a memory",
            description: "Read one memory by its id or an unambiguous prefix (at least 4 hex digits).",
            input: ["type": "object", "properties": ["id": ["type": "string", "description": "the id or a prefix of 4+ hex digits"]], "required": ["id"]],
            output: memorySchema,
            annotations: ["title": "Read a memory", "readOnlyHint": true, "openWorldHint": false]),
        Definition(
            name: "add_insight", title: "Add an insight",
            description:
                "Add an insight: a reusable lesson with a title, a one-sentence description and 1-3 sentences of content, free of task-specific files or strings.",
            input: [
                "type": "object",
                "properties": [
                    "title": ["type": "string"], "description": ["type": "string"], "content": ["type": "string"],
                    "domain": ["type": "string", "description": "e.g. python, swift, general (default general)"],
                    "tags": ["type": "array", "items": ["type": "string"]],
                ],
                "required": ["title", "description", "content"],
            ],
            output: [
                "type": "object", "required": ["id", "added", "commit"],
                "properties": [
                    "id": ["type": "string"], "added": ["type": "boolean", "description": "false when the pool already held it"],
                    "commit": ["type": ["string", "null"]],
                ],
            ],
            // The same insight twice is the same memory (its id is its content): nothing changes the second time.
            annotations: ["title": "Add an insight", "readOnlyHint": false, "destructiveHint": false, "idempotentHint": true, "openWorldHint": false]),
        Definition(
            name: "record_feedback", title: "Record feedback",
            description: "Say whether a memory helped; feedback is kept in the pool and moves the memory up or down in later searches.",
            input: [
                "type": "object",
                "properties": [
                    "id": ["type": "string", "description": "the memory's id or prefix"], "helped": ["type": "boolean"],
                    "note": ["type": "string"],
                ],
                "required": ["id", "helped"],
            ],
            output: [
                "type": "object", "required": ["memory", "path", "commit", "net"],
                "properties": [
                    "memory": ["type": "string"], "path": ["type": "string"], "commit": ["type": ["string", "null"]],
                    "net": ["type": "integer", "description": "reports that it helped minus reports that it did not"],
                ],
            ],
            annotations: ["title": "Record feedback", "readOnlyHint": false, "destructiveHint": false, "idempotentHint": false, "openWorldHint": false]),
    ]

    /// The tool list as a client at `features`' version expects it.
    static func definitions(_ features: MCPProtocol.Features) -> [JSONValue] {
        all.map { tool in
            var m: [String: JSONValue] = ["name": .string(tool.name), "description": .string(tool.description), "inputSchema": tool.input]
            if features.toolAnnotations { m["annotations"] = tool.annotations }
            if features.structuredOutput {
                m["title"] = .string(tool.title)
                m["outputSchema"] = tool.output
            }
            return .object(m)
        }
    }

    // MARK: - Calls

    /// Runs a tool.
    ///
    /// - Throws: `JSONRPCError` -32602 for an unknown tool. Everything else, bad arguments
    ///   included, is a result with `isError: true` whose text says what to change.
    func call(_ name: String, _ arguments: JSONValue, features: MCPProtocol.Features) throws -> JSONValue {
        guard Self.all.contains(where: { $0.name == name }) else { throw JSONRPCError.invalidParams("unknown tool: \(name)") }
        do {
            let value = try run(name, arguments)
            var result: [String: JSONValue] = [
                "content": [["type": "text", "text": .string(CanonicalJSON.compactString(value))]], "isError": false,
            ]
            if features.structuredOutput { result["structuredContent"] = value }
            return .object(result)
        } catch {
            return ["content": [["type": "text", "text": .string(String(describing: error))]], "isError": true]
        }
    }

    func run(_ name: String, _ arguments: JSONValue) throws -> JSONValue {
        switch name {
        case "search_memories":
            let query = try string(arguments, "query", max: 10_000)
            let k = try integer(arguments, "k", range: 1...50) ?? 5
            var filter = SearchFilter()
            if let kindName = try optionalString(arguments, "kind") {
                guard let kind = MemoryKind(rawValue: kindName) else {
                    throw ToolArgumentError("kind must be trajectory, workflow, summary or insight, not '\(kindName)'")
                }
                filter.kinds = [kind]
            }
            if let domain = try optionalString(arguments, "domain") { filter.domains = [domain] }
            return try search(query, k: k, filter: filter)
        case "get_memory":
            return try get(try string(arguments, "id", max: 64))
        case "add_insight":
            let title = try string(arguments, "title", max: 200)
            let description = try string(arguments, "description", max: 1_000)
            let content = try string(arguments, "content", max: 4_000)
            let domain = try optionalString(arguments, "domain") ?? "general"
            var tags: [String] = []
            if let list = arguments["tags"], !list.isNull {
                guard let items = list.arrayValue, items.count <= 32 else { throw ToolArgumentError("tags must be an array of at most 32 strings") }
                tags = try items.map { item in
                    guard let tag = item.stringValue, !tag.isEmpty, tag.count <= 64 else {
                        throw ToolArgumentError("each tag must be a string of 1 to 64 characters")
                    }
                    return tag
                }
            }
            return try addInsight(title: title, description: description, content: content, domain: domain, tags: tags)
        default:
            let id = try string(arguments, "id", max: 64)
            guard let helped = arguments["helped"]?.boolValue else { throw ToolArgumentError("helped is required: true or false") }
            let note = try optionalString(arguments, "note", max: 2_000) ?? ""
            return try feedback(id, helped: helped, note: note)
        }
    }

    // MARK: - Arguments

    func string(_ arguments: JSONValue, _ key: String, max: Int) throws -> String {
        guard let value = try optionalString(arguments, key, max: max) else { throw ToolArgumentError("\(key) is required (a non-empty string)") }
        return value
    }

    func optionalString(_ arguments: JSONValue, _ key: String, max: Int = 200) throws -> String? {
        guard let raw = arguments[key], !raw.isNull else { return nil }
        guard let value = raw.stringValue else { throw ToolArgumentError("\(key) must be a string, not a \(raw.typeName)") }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ToolArgumentError("\(key) must not be empty") }
        guard trimmed.count <= max else { throw ToolArgumentError("\(key) is longer than \(max) characters") }
        return trimmed
    }

    func integer(_ arguments: JSONValue, _ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw = arguments[key], !raw.isNull else { return nil }
        guard let value = raw.intValue, range.contains(Int(value)) else {
            throw ToolArgumentError("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
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
        // Trajectories can be long: their steps are left to get_memory. What an agent reads goes
        // into its context: no credential, whenever it got into the pool.
        return ["results": .array(ranked.map { SecretCheck.redacted($0.json(includeMemory: $0.memory.kind != .trajectory)) })]
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
            throw ToolArgumentError("not a valid insight: \(error)")
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
