/// One judgement of whether a memory helped, as an agent reported it (through MCP).
///
/// Stored as its own canonical JSON file at `feedback/<first 2 hex of the memory>/<memory id>/<id>.json`,
/// named by its content's hash like a memory, so teammates' pools merge as a union. It is the
/// one kind of file outside `memories/` that mnem writes, and pulls validate it like a memory.
public struct Feedback: Sendable, Hashable {
    public static let root = "feedback"
    public static let maxNoteBytes = 4_096

    public var memory: MemoryID
    public var helped: Bool
    public var note: String
    public var agent: String?
    public var createdAt: String

    public init(memory: MemoryID, helped: Bool, note: String, agent: String?, createdAt: String) {
        self.memory = memory
        self.helped = helped
        self.note = note
        self.agent = agent
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        var m: [String: JSONValue] = [
            "formatVersion": 1, "memory": .string(memory.rawValue), "helped": .bool(helped), "note": .string(note),
            "createdAt": .string(createdAt),
        ]
        if let agent { m["agent"] = .string(agent) }
        return .object(m)
    }

    /// Content-derived, like a memory's: the same report twice is one file.
    public var id: String { String(SHA256.hex(CanonicalJSON.compact(json)).prefix(40)) }

    /// `feedback/<first 2 hex of the memory>/<memory id>/<feedback id>.json`.
    public var path: String { "\(Self.root)/\(memory.rawValue.prefix(2))/\(memory.rawValue)/\(id).json" }

    /// The memory and feedback id a well-formed feedback path names, or nil.
    public static func parsePath(_ path: String) -> (memory: MemoryID, id: String)? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Substring(root), let memory = MemoryID(String(parts[2])),
            memory.rawValue.hasPrefix(parts[1]), parts[1].count == 2, parts[3].hasSuffix(".json"),
            let id = MemoryID(String(parts[3].dropLast(5)))
        else { return nil }
        return (memory, id.rawValue)
    }

    /// Decodes a feedback file strictly: unknown fields, wrong types and oversize notes are errors.
    public init(json: JSONValue) throws(MemoryValidationError) {
        let r = try FieldReader(json, path: "")
        try r.allowOnly(["formatVersion", "memory", "helped", "note", "createdAt", "agent"])
        guard try r.int("formatVersion", required: true) == 1 else {
            throw MemoryValidationError(field: "formatVersion", reason: "unsupported version")
        }
        let memoryText = try r.string("memory") ?? ""
        guard let memory = MemoryID(memoryText) else { throw MemoryValidationError(field: "memory", reason: "not a memory id") }
        guard let helped = try r.bool("helped") else { throw MemoryValidationError(field: "helped", reason: "required") }
        let note = try r.string("note") ?? ""
        guard note.utf8.count <= Self.maxNoteBytes else {
            throw MemoryValidationError(field: "note", reason: "longer than \(Self.maxNoteBytes) bytes")
        }
        self.init(
            memory: memory, helped: helped, note: note, agent: try r.string("agent", required: false),
            createdAt: try r.string("createdAt") ?? "")
    }
}
