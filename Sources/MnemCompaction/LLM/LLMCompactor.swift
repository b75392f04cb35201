import Foundation
import MnemCore
import MnemGit

/// What a dry run of the LLM compactor would spend.
public struct LLMEstimate: Sendable {
    public var trajectories: Int
    public var calls: Int
    public var promptTokens: Int
    /// Prompt tokens plus the reply tokens reserved per call.
    public var totalTokens: Int
    public var withinBudget: Bool

    public var json: JSONValue {
        .object([
            "trajectories": .int(Int64(trajectories)), "calls": .int(Int64(calls)), "promptTokens": .int(Int64(promptTokens)),
            "totalTokens": .int(Int64(totalTokens)), "withinBudget": .bool(withinBudget),
        ])
    }
}

/// The LLM compactor, as the paper does it: one call per trajectory for its summary, its workflow
/// and up to two insights; every reply is validated against the memory model and the abstraction
/// check (an insight that names a path or the project is rejected), insights are merged with the
/// pool's (near-duplicates absorbed), and one commit holds the run.
///
/// A reply that does not decode is asked for again (at most `maxAttempts` times). An exhausted
/// budget stops the run and commits what was finished. Any other failure (a refused key, a
/// time-out, an agent CLI that reports an error) also commits what was finished, then throws.
/// Trajectories are never touched: a failed call loses no capture.
public struct LLMCompactor {
    public var options: CompactionOptions
    public let client: ChatClient
    public var maxAttempts = 3

    /// Marks a workflow or summary whose call also asked for insights, so a trajectory whose
    /// insights were all rejected is not asked again.
    static let askedInsights = "llm:insights-asked"

    public init(options: CompactionOptions, client: ChatClient) {
        self.options = options
        self.client = client
    }

    var kindsInOrder: [MemoryKind] { [MemoryKind.workflow, .summary, .insight].filter { options.kinds.contains($0) } }

    /// The trajectories to process and, for each, the kinds still missing.
    func work(_ memories: [Memory]) -> [(Memory, [MemoryKind])] {
        let snapshot = PoolSnapshot(memories, tag: CompactionTag.llm)
        var done: [MemoryKind: Set<MemoryID>] = snapshot.derived
        for memory in memories where memory.tags.contains(CompactionTag.llm) {
            if memory.kind == .insight || memory.tags.contains(Self.askedInsights) { done[.insight, default: []].formUnion(memory.derivedFrom) }
        }
        return snapshot.trajectories.compactMap { trajectory in
            let kinds = kindsInOrder.filter { !(done[$0]?.contains(trajectory.id) ?? false) }
            return kinds.isEmpty ? nil : (trajectory, kinds)
        }
    }

    /// Calls and tokens the run would need, without calling anything.
    public func estimate(pool: Pool) throws -> LLMEstimate {
        let work = self.work(try pool.memories())
        var prompt = 0
        for (trajectory, kinds) in work {
            prompt += LLMBudget.estimate(Prompts.system) + LLMBudget.estimate(Prompts.user(kinds: kinds, outcome: trajectory.outcome, trajectory: Prompts.render(trajectory)))
        }
        let calls = work.count
        let total = prompt + calls * client.budget.replyTokens
        return LLMEstimate(
            trajectories: work.count, calls: calls, promptTokens: prompt, totalTokens: total,
            withinBudget: calls <= client.budget.maxCalls && total <= client.budget.maxTokens)
    }

    /// Runs the compactor and commits what it produced in one commit.
    ///
    /// - Throws: `LLMError` for anything but an exhausted budget, after committing what was finished.
    public func run(pool: Pool, author: CommitInfo? = nil, progress: (@Sendable (String) -> Void)? = nil) throws -> CompactionReport {
        let memories = try pool.memories()
        let work = self.work(memories)
        var report = CompactionReport()
        report.trajectories = PoolSnapshot(memories, tag: CompactionTag.llm).trajectories.count
        var produced: [Memory] = []
        var insights: [Memory] = []
        var failure: LLMError?
        var rejected = 0
        for (n, (trajectory, kinds)) in work.enumerated() {
            progress?("llm (\(client.backend.name)): trajectory \(n + 1) of \(work.count) (\(trajectory.id.short))")
            let result = Result(catching: { () throws(LLMError) -> ReplyDecoder.Decoded in try derive(kinds, from: trajectory) })
            switch result {
            case .success(let decoded):
                produced += decoded.memories.filter { $0.kind != .insight }
                insights += decoded.memories.filter { $0.kind == .insight }
                rejected += decoded.rejected.count
                if decoded.memories.contains(where: { $0.kind != .insight }) { report.compacted += 1 }
            case .failure(.budgetExhausted(let what)):
                report.stoppedEarly = "budget exhausted: \(what); \(work.count - n) trajectories left for the next run"
            case .failure(let error):
                failure = error
            }
            if report.stoppedEarly != nil || failure != nil { break }
        }
        if rejected > 0 { report.rejected = rejected }
        let changes = try Consolidation.consolidate(insights, into: memories.filter { $0.kind == .insight }, embedder: options.embedder)
        let existing = Set(memories.map(\.id))
        report.added = (produced + changes.add).filter { !existing.contains($0.id) }
        report.removed = changes.remove
        if !options.dryRun, !report.added.isEmpty || !report.removed.isEmpty {
            var info = OfflineCompactor.commitInfo(report, compactor: "llm", base: author)
            info.trailers.append(("Mnem-LLM", client.backend.name))
            if let model = client.lastModel ?? client.backend.model { info.trailers.append(("Mnem-Model", model)) }
            let result = try pool.apply(adding: report.added, removing: report.removed, info: info)
            report.commit = result.commit?.hex
        }
        if let failure { throw failure }
        return report
    }

    /// One call for the kinds of one trajectory, retrying replies that do not decode.
    func derive(_ kinds: [MemoryKind], from trajectory: Memory) throws(LLMError) -> ReplyDecoder.Decoded {
        let user = Prompts.user(kinds: kinds, outcome: trajectory.outcome, trajectory: Prompts.render(trajectory))
        let names = AbstractionCheck.names(of: trajectory)
        var lastReason = ""
        for _ in 1...maxAttempts {
            let reply: String
            switch Result(catching: { () throws(LLMError) -> String in try client.complete(system: Prompts.system, user: user) }) {
            case .success(let text):
                reply = text
            case .failure(.malformed(_, _, let reason)):
                lastReason = reason
                continue
            case .failure(let error):
                throw error
            }
            do {
                return try ReplyDecoder.decode(reply, kinds: kinds, trajectory: trajectory, names: names)
            } catch {
                lastReason = error.reason
            }
        }
        throw .malformed(what: "trajectory \(trajectory.id.short)", attempts: maxAttempts, reason: lastReason)
    }
}

/// Turns a model's reply into memories, or says why it cannot.
enum ReplyDecoder {
    struct Invalid: Error {
        var reason: String
    }

    struct Decoded {
        var memories: [Memory]
        /// Insights left out because they named something task-specific (what they named).
        var rejected: [String]
    }

    /// The memories of the `kinds` asked for in `reply`.
    ///
    /// - Throws: `Invalid` when the reply is not one JSON object, lacks a kind asked for, or a
    ///   workflow names something specific (asked again); an insight that does so is rejected alone.
    static func decode(_ reply: String, kinds: [MemoryKind], trajectory: Memory, names: Set<String>) throws(Invalid) -> Decoded {
        let json = try object(reply)
        var out: [Memory] = []
        var rejected: [String] = []
        let asksInsights = kinds.contains(.insight)
        for kind in kinds {
            switch kind {
            case .workflow:
                guard let value = json["workflow"], case .object = value else { throw Invalid(reason: "missing \"workflow\" object") }
                let workflow = try self.workflow(value, negative: trajectory.outcome == .failure)
                if let leak = AbstractionCheck.leak(in: [workflow.goal] + workflow.steps.flatMap { [$0.action, $0.example ?? ""] }, names: names) {
                    throw Invalid(reason: "the workflow names something task-specific ('\(leak.prefix(40))')")
                }
                out.append(try checked(tagged(OfflineCompactor.derived(.workflow(workflow), from: trajectory, tag: CompactionTag.llm), asksInsights)))
            case .summary:
                guard let value = json["summary"], case .object = value else { throw Invalid(reason: "missing \"summary\" object") }
                let summary = Summary(
                    taskSummary: try text(value, "taskSummary"),
                    experience: Experience(
                        environment: try text(value, "environment"), actions: try text(value, "actions"), results: try text(value, "results"), why: try text(value, "why")))
                out.append(try checked(tagged(OfflineCompactor.derived(.summary(summary), from: trajectory, tag: CompactionTag.llm), asksInsights)))
            case .insight:
                guard let items = json["insights"]?.arrayValue else { throw Invalid(reason: "missing \"insights\" array") }
                for item in items.prefix(2) {
                    let title = try text(item, "title", max: 160)
                    let description = try text(item, "description", max: 600)
                    let content = try text(item, "content", max: 1_500)
                    if let leak = AbstractionCheck.leak(in: [title, description, content], names: names) {
                        rejected.append(leak)
                        continue
                    }
                    let evidence = InsightEvidence(memories: [trajectory.id.rawValue], domains: [trajectory.domain])
                    let memory = Memory(
                        body: .insight(Insight(title: title, description: description, content: content, evidence: evidence)),
                        task: trajectory.outcome == .failure ? "A lesson from a failed coding task" : "A habit from a successful coding task",
                        domain: "general", outcome: trajectory.outcome, derivedFrom: [trajectory.id], tags: [CompactionTag.llm])
                    out.append(try checked(memory))
                }
            case .trajectory:
                throw Invalid(reason: "trajectories are not derived")
            }
        }
        return Decoded(memories: out, rejected: rejected)
    }

    static func tagged(_ memory: Memory, _ asksInsights: Bool) -> Memory {
        guard asksInsights else { return memory }
        var tagged = memory
        tagged.tags = (memory.tags + [LLMCompactor.askedInsights]).sorted()
        tagged.refreshID()
        return tagged
    }

    static func workflow(_ value: JSONValue, negative: Bool) throws(Invalid) -> Workflow {
        guard let items = value["steps"]?.arrayValue, (1...WorkflowBuilder.maxSteps).contains(items.count) else {
            throw Invalid(reason: "\"steps\" must be an array of 1 to \(WorkflowBuilder.maxSteps) steps")
        }
        var steps: [WorkflowStep] = []
        for item in items {
            guard let category = item["category"]?.stringValue, let action = item["action"]?.stringValue, !action.isEmpty else {
                throw Invalid(reason: "a step lacks \"category\" or \"action\"")
            }
            let known = StepCategory(rawValue: category.lowercased()) ?? .other
            let example = item["example"]?.stringValue.flatMap { $0.isEmpty ? nil : String($0.prefix(300)) }
            steps.append(WorkflowStep(category: known.rawValue, action: String(action.prefix(400)), example: example))
        }
        return Workflow(goal: try text(value, "goal", max: 600), steps: steps, negative: negative)
    }

    static func text(_ json: JSONValue, _ key: String, max: Int = 4_000) throws(Invalid) -> String {
        guard let value = json[key]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw Invalid(reason: "missing or empty \"\(key)\"")
        }
        guard value.count <= max else { throw Invalid(reason: "\"\(key)\" is longer than \(max) characters") }
        return value
    }

    /// The pool's own decoder is the contract: a memory it would reject is a malformed reply.
    static func checked(_ memory: Memory) throws(Invalid) -> Memory {
        do {
            return try Memory(json: memory.jsonObject(), idPolicy: .mustMatch)
        } catch {
            throw Invalid(reason: error.description)
        }
    }

    /// The JSON object in a reply, tolerating code fences and text around it.
    static func object(_ reply: String) throws(Invalid) -> JSONValue {
        guard let open = reply.firstIndex(of: "{"), let close = reply.lastIndex(of: "}"), open < close else {
            throw Invalid(reason: "no JSON object in the reply")
        }
        let candidate = String(reply[open...close])
        do {
            let value = try JSONParser.parse(candidate, duplicateKeys: .lastWins)
            guard case .object = value else { throw Invalid(reason: "the reply is not a JSON object") }
            return value
        } catch let error as JSONParseError {
            throw Invalid(reason: error.description)
        } catch let error as Invalid {
            throw error
        } catch {
            throw Invalid(reason: "unreadable reply")
        }
    }
}
