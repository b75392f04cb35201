/// Why a JSON value is not a valid memory: the field (a JSON-pointer-like path) and the problem.
public struct MemoryValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}

/// Limits that keep one memory a reasonable file; they apply to everything decoded.
public enum MemoryLimits {
    public static let maxStringBytes = 256 * 1024
    public static let maxSteps = 10_000
    public static let maxListItems = 10_000
}

// MARK: - Encoding

extension Memory {
    /// The memory as a JSON object, in the shape `schema/memory.schema.json` describes.
    public func jsonObject(includeID: Bool = true) -> JSONValue {
        var m: [String: JSONValue] = [
            "version": .int(version),
            "kind": .string(kind.rawValue),
            "task": .string(task),
            "domain": .string(domain),
            "outcome": .string(outcome.rawValue),
            "source": source.jsonObject,
            "derivedFrom": .array(derivedFrom.map { .string($0.rawValue) }),
            "supersedes": .array(supersedes.map { .string($0.rawValue) }),
            "tags": .array(tags.map { .string($0) }),
        ]
        if includeID { m["id"] = .string(id.rawValue) }
        if let domainInference { m["domainInference"] = .string(domainInference) }
        if let outcomeEvidence { m["outcomeEvidence"] = outcomeEvidence.jsonObject }
        switch body {
        case .trajectory(let t): m["trajectory"] = t.jsonObject
        case .workflow(let w): m["workflow"] = w.jsonObject
        case .summary(let s): m["summary"] = s.jsonObject
        case .insight(let i): m["insight"] = i.jsonObject
        }
        return .object(m)
    }

    /// The bytes of this memory's file: canonical JSON with a trailing newline.
    public func canonicalBytes() -> [UInt8] { CanonicalJSON.document(jsonObject()) }
}

private func optional(_ value: String?) -> JSONValue? { value.map { .string($0) } }

extension MemorySource {
    var jsonObject: JSONValue {
        var m: [String: JSONValue] = [:]
        m["agent"] = optional(agent)
        m["agentVersion"] = optional(agentVersion)
        m["model"] = optional(model)
        if !models.isEmpty { m["models"] = .array(models.map { .string($0) }) }
        m["sessionId"] = optional(sessionId)
        m["transcriptDigest"] = optional(transcriptDigest)
        m["capturedAt"] = optional(capturedAt)
        m["repository"] = optional(repository)
        m["branch"] = optional(branch)
        m["commit"] = optional(commit)
        m["workingDirectory"] = optional(workingDirectory)
        m["format"] = optional(format)
        m["startedAt"] = optional(startedAt)
        m["endedAt"] = optional(endedAt)
        return .object(m)
    }
}

extension OutcomeEvidence {
    var jsonObject: JSONValue {
        var m: [String: JSONValue] = ["signal": .string(signal.rawValue), "detail": .string(detail)]
        if let step { m["step"] = .int(Int64(step)) }
        return .object(m)
    }
}

extension Trajectory {
    var jsonObject: JSONValue {
        var m: [String: JSONValue] = ["steps": .array(steps.map(\.jsonObject))]
        m["firstUserMessage"] = optional(firstUserMessage)
        if let result {
            var r: [String: JSONValue] = [:]
            r["patch"] = optional(result.patch)
            r["finalMessage"] = optional(result.finalMessage)
            m["result"] = .object(r)
        }
        return .object(m)
    }
}

extension TrajectoryStep {
    var jsonObject: JSONValue {
        var m: [String: JSONValue] = ["tool": .string(tool), "input": .string(input), "observation": .string(observation)]
        if let exitStatus { m["exitStatus"] = .int(Int64(exitStatus)) }
        if let isError { m["isError"] = .bool(isError) }
        m["timestamp"] = optional(timestamp)
        m["reasoning"] = optional(reasoning)
        return .object(m)
    }
}

extension Workflow {
    var jsonObject: JSONValue {
        .object([
            "goal": .string(goal),
            "negative": .bool(negative),
            "steps": .array(
                steps.map { step in
                    var m: [String: JSONValue] = ["category": .string(step.category), "action": .string(step.action)]
                    m["example"] = optional(step.example)
                    return .object(m)
                }),
        ])
    }
}

extension Summary {
    var jsonObject: JSONValue {
        .object([
            "taskSummary": .string(taskSummary),
            "experience": .object([
                "environment": .string(experience.environment),
                "actions": .string(experience.actions),
                "results": .string(experience.results),
                "why": .string(experience.why),
            ]),
        ])
    }
}

extension Insight {
    var jsonObject: JSONValue {
        var m: [String: JSONValue] = ["title": .string(title), "description": .string(description), "content": .string(content)]
        if let evidence {
            var e: [String: JSONValue] = [
                "memories": .array(evidence.memories.map { .string($0) }),
                "domains": .array(evidence.domains.map { .string($0) }),
            ]
            if let rate = evidence.successRateWith { e["successRateWith"] = .double(rate) }
            if let rate = evidence.successRateWithout { e["successRateWithout"] = .double(rate) }
            m["evidence"] = .object(e)
        }
        return .object(m)
    }
}

// MARK: - Decoding

extension Memory {
    /// How `init(json:idPolicy:)` treats an `id` present in the input.
    public enum IDPolicy: Sendable {
        /// An id must be present and equal the one the content determines (files from a pool or a remote).
        case mustMatch
        /// An id may be absent; when present it must match (memories a user adds).
        case optionalButMatching
    }

    /// Decodes and validates a memory, strictly: unknown fields, wrong types, oversize values,
    /// and an id that does not match the content are all errors.
    ///
    /// - Throws: `MemoryValidationError` naming the field and the problem.
    public init(json: JSONValue, idPolicy: IDPolicy = .mustMatch) throws(MemoryValidationError) {
        let r = try FieldReader(json, path: "")
        try r.allowOnly([
            "version", "id", "kind", "task", "domain", "domainInference", "outcome", "outcomeEvidence", "source", "derivedFrom",
            "supersedes", "tags", "trajectory", "workflow", "summary", "insight",
        ])
        let version = try r.int("version", required: false) ?? Memory.formatVersion
        guard Memory.readableVersions.contains(version) else {
            throw MemoryValidationError(
                field: "version",
                reason: "unsupported version \(version) (this mnem reads versions \(Memory.readableVersions.lowerBound)–\(Memory.readableVersions.upperBound))")
        }
        let kindText = try r.string("kind") ?? ""
        guard let kind = MemoryKind(rawValue: kindText) else {
            throw MemoryValidationError(
                field: "kind", reason: "unknown kind '\(kindText)' (expected trajectory, workflow, summary or insight)")
        }
        for other in MemoryKind.allCases where other != kind && r.has(other.rawValue) {
            throw MemoryValidationError(field: other.rawValue, reason: "not allowed in a memory of kind \(kind.rawValue)")
        }
        let bodyReader = try r.object(kind.rawValue)
        let body: MemoryBody
        switch kind {
        case .trajectory: body = .trajectory(try Trajectory(bodyReader))
        case .workflow: body = .workflow(try Workflow(bodyReader))
        case .summary: body = .summary(try Summary(bodyReader))
        case .insight: body = .insight(try Insight(bodyReader))
        }
        let outcomeText = try r.string("outcome", required: false) ?? Outcome.unknown.rawValue
        guard let outcome = Outcome(rawValue: outcomeText) else {
            throw MemoryValidationError(field: "outcome", reason: "unknown outcome '\(outcomeText)' (expected success, failure or unknown)")
        }
        let source = r.has("source") ? try MemorySource(try r.object("source")) : MemorySource()
        let evidence = r.has("outcomeEvidence") ? try OutcomeEvidence(try r.object("outcomeEvidence")) : nil
        self.init(
            body: body,
            task: try r.string("task") ?? "",
            domain: try r.string("domain", required: false) ?? "general",
            domainInference: try r.string("domainInference", required: false),
            outcome: outcome,
            outcomeEvidence: evidence,
            source: source,
            derivedFrom: try r.ids("derivedFrom"),
            supersedes: try r.ids("supersedes"),
            tags: try r.strings("tags"),
            version: version
        )
        if domain.isEmpty { throw MemoryValidationError(field: "domain", reason: "must not be empty") }
        if let given = try r.string("id", required: idPolicy == .mustMatch) {
            guard MemoryID(given) != nil else {
                throw MemoryValidationError(field: "id", reason: "'\(given.prefix(60))' is not 40 lower-case hex digits")
            }
            guard given == id.rawValue else {
                throw MemoryValidationError(field: "id", reason: "\(given) does not match the content (expected \(id.rawValue))")
            }
        }
    }
}

extension MemorySource {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly([
            "agent", "agentVersion", "model", "models", "sessionId", "transcriptDigest", "capturedAt", "repository",
            "branch", "commit", "workingDirectory", "format", "startedAt", "endedAt",
        ])
        self.init(
            agent: try r.string("agent", required: false),
            agentVersion: try r.string("agentVersion", required: false),
            model: try r.string("model", required: false),
            models: try r.strings("models"),
            sessionId: try r.string("sessionId", required: false),
            transcriptDigest: try r.string("transcriptDigest", required: false),
            capturedAt: try r.string("capturedAt", required: false),
            repository: try r.string("repository", required: false),
            branch: try r.string("branch", required: false),
            commit: try r.string("commit", required: false),
            workingDirectory: try r.string("workingDirectory", required: false),
            format: try r.string("format", required: false),
            startedAt: try r.string("startedAt", required: false),
            endedAt: try r.string("endedAt", required: false)
        )
    }
}

extension OutcomeEvidence {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly(["signal", "detail", "step"])
        let text = try r.string("signal") ?? ""
        guard let signal = OutcomeSignal(rawValue: text) else {
            let known = OutcomeSignal.allCases.map(\.rawValue).joined(separator: ", ")
            throw MemoryValidationError(field: "\(r.path)/signal", reason: "unknown signal '\(text.prefix(60))' (expected one of \(known))")
        }
        let step = try r.int("step", required: false)
        if let step, step < 0 { throw MemoryValidationError(field: "\(r.path)/step", reason: "must not be negative") }
        self.init(signal: signal, detail: try r.string("detail") ?? "", step: step.map { Int(clamping: $0) })
    }
}

extension Trajectory {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly(["steps", "firstUserMessage", "result"])
        let items = try r.array("steps", maxCount: MemoryLimits.maxSteps)
        var steps: [TrajectoryStep] = []
        steps.reserveCapacity(items.count)
        for (n, item) in items.enumerated() {
            let s = try FieldReader(item, path: "\(r.path)/steps/\(n)")
            try s.allowOnly(["tool", "input", "observation", "exitStatus", "isError", "timestamp", "reasoning"])
            steps.append(
                TrajectoryStep(
                    tool: try s.string("tool") ?? "",
                    input: try s.string("input") ?? "",
                    observation: try s.string("observation") ?? "",
                    exitStatus: try s.int("exitStatus", required: false).map { Int(clamping: $0) },
                    isError: try s.bool("isError"),
                    timestamp: try s.string("timestamp", required: false),
                    reasoning: try s.string("reasoning", required: false)))
        }
        var result: TrajectoryResult?
        if r.has("result") {
            let o = try r.object("result")
            try o.allowOnly(["patch", "finalMessage"])
            result = TrajectoryResult(patch: try o.string("patch", required: false), finalMessage: try o.string("finalMessage", required: false))
        }
        self.init(steps: steps, firstUserMessage: try r.string("firstUserMessage", required: false), result: result)
    }
}

extension Workflow {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly(["goal", "steps", "negative"])
        let items = try r.array("steps", maxCount: MemoryLimits.maxSteps)
        var steps: [WorkflowStep] = []
        for (n, item) in items.enumerated() {
            let s = try FieldReader(item, path: "\(r.path)/steps/\(n)")
            try s.allowOnly(["category", "action", "example"])
            steps.append(
                WorkflowStep(
                    category: try s.string("category") ?? "", action: try s.string("action") ?? "",
                    example: try s.string("example", required: false)))
        }
        self.init(goal: try r.string("goal") ?? "", steps: steps, negative: try r.bool("negative") ?? false)
    }
}

extension Summary {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly(["taskSummary", "experience"])
        let e = try r.object("experience")
        try e.allowOnly(["environment", "actions", "results", "why"])
        self.init(
            taskSummary: try r.string("taskSummary") ?? "",
            experience: Experience(
                environment: try e.string("environment") ?? "", actions: try e.string("actions") ?? "",
                results: try e.string("results") ?? "", why: try e.string("why") ?? ""))
    }
}

extension Insight {
    init(_ r: FieldReader) throws(MemoryValidationError) {
        try r.allowOnly(["title", "description", "content", "evidence"])
        var evidence: InsightEvidence?
        if r.has("evidence") {
            let e = try r.object("evidence")
            try e.allowOnly(["memories", "domains", "successRateWith", "successRateWithout"])
            evidence = InsightEvidence(
                memories: try e.strings("memories"), domains: try e.strings("domains"),
                successRateWith: try e.rate("successRateWith"), successRateWithout: try e.rate("successRateWithout"))
        }
        let title = try r.string("title") ?? ""
        if title.isEmpty { throw MemoryValidationError(field: "\(r.path)/title", reason: "must not be empty") }
        self.init(
            title: title, description: try r.string("description") ?? "", content: try r.string("content") ?? "",
            evidence: evidence)
    }
}

/// Reads typed fields out of a JSON object, naming the field path in every error.
struct FieldReader {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(MemoryValidationError) {
        guard case .object(let members) = value else {
            throw MemoryValidationError(field: path, reason: "expected an object, got \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    private func field(_ key: String) -> String { path.isEmpty ? key : "\(path)/\(key)" }

    func has(_ key: String) -> Bool { members[key] != nil }

    func allowOnly(_ keys: Set<String>) throws(MemoryValidationError) {
        for key in members.keys.sorted() where !keys.contains(key) {
            throw MemoryValidationError(field: field(key), reason: "unknown field")
        }
    }

    func string(_ key: String, required: Bool = true) throws(MemoryValidationError) -> String? {
        guard let value = members[key], !value.isNull || required else {
            if required { throw MemoryValidationError(field: field(key), reason: "required") }
            return nil
        }
        guard case .string(let s) = value else {
            throw MemoryValidationError(field: field(key), reason: "expected a string, got \(value.typeName)")
        }
        guard s.utf8.count <= MemoryLimits.maxStringBytes else {
            throw MemoryValidationError(field: field(key), reason: "longer than \(MemoryLimits.maxStringBytes) bytes")
        }
        return s
    }

    func int(_ key: String, required: Bool) throws(MemoryValidationError) -> Int64? {
        guard let value = members[key], !value.isNull else {
            if required { throw MemoryValidationError(field: field(key), reason: "required") }
            return nil
        }
        guard case .int(let i) = value else {
            throw MemoryValidationError(field: field(key), reason: "expected an integer, got \(value.typeName)")
        }
        return i
    }

    func bool(_ key: String) throws(MemoryValidationError) -> Bool? {
        guard let value = members[key], !value.isNull else { return nil }
        guard case .bool(let b) = value else {
            throw MemoryValidationError(field: field(key), reason: "expected a boolean, got \(value.typeName)")
        }
        return b
    }

    func rate(_ key: String) throws(MemoryValidationError) -> Double? {
        guard let value = members[key], !value.isNull else { return nil }
        guard let d = value.doubleValue, (0...1).contains(d) else {
            throw MemoryValidationError(field: field(key), reason: "expected a number from 0 to 1")
        }
        return d
    }

    func object(_ key: String) throws(MemoryValidationError) -> FieldReader {
        guard let value = members[key] else { throw MemoryValidationError(field: field(key), reason: "required") }
        return try FieldReader(value, path: field(key))
    }

    func array(_ key: String, maxCount: Int) throws(MemoryValidationError) -> [JSONValue] {
        guard let value = members[key] else { throw MemoryValidationError(field: field(key), reason: "required") }
        guard case .array(let items) = value else {
            throw MemoryValidationError(field: field(key), reason: "expected an array, got \(value.typeName)")
        }
        guard items.count <= maxCount else {
            throw MemoryValidationError(field: field(key), reason: "more than \(maxCount) items")
        }
        return items
    }

    func strings(_ key: String) throws(MemoryValidationError) -> [String] {
        guard members[key] != nil else { return [] }
        let items = try array(key, maxCount: MemoryLimits.maxListItems)
        var out: [String] = []
        out.reserveCapacity(items.count)
        for (n, item) in items.enumerated() {
            guard case .string(let s) = item else {
                throw MemoryValidationError(field: "\(field(key))/\(n)", reason: "expected a string, got \(item.typeName)")
            }
            out.append(s)
        }
        return out
    }

    func ids(_ key: String) throws(MemoryValidationError) -> [MemoryID] {
        var out: [MemoryID] = []
        for (n, text) in try strings(key).enumerated() {
            guard let id = MemoryID(text) else {
                throw MemoryValidationError(field: "\(field(key))/\(n)", reason: "'\(text.prefix(60))' is not a memory id")
            }
            out.append(id)
        }
        return out
    }
}
