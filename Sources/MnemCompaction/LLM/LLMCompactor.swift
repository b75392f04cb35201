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

/// The LLM compactor: asks an OpenAI-compatible endpoint for each trajectory's workflow, summary
/// and insight, validates every reply against the memory model, and commits once at the end.
///
/// A reply that does not decode is asked for again (at most `maxAttempts` times). Any other error
/// (a refused key, a timeout, an HTTP error) stops the run with nothing written; an exhausted
/// budget stops it too, committing only trajectories whose every requested kind was finished.
public struct LLMCompactor {
    public var options: CompactionOptions
    public let client: ChatClient
    public var maxAttempts = 3

    public init(options: CompactionOptions, client: ChatClient) {
        self.options = options
        self.client = client
    }

    var kindsInOrder: [MemoryKind] { [MemoryKind.workflow, .summary, .insight].filter { options.kinds.contains($0) } }

    /// The trajectories to process and, for each, the kinds still missing.
    func work(_ memories: [Memory]) -> [(Memory, [MemoryKind])] {
        let snapshot = PoolSnapshot(memories, tag: CompactionTag.llm)
        var done: [MemoryKind: Set<MemoryID>] = snapshot.derived
        for insight in memories where insight.kind == .insight && insight.tags.contains(CompactionTag.llm) {
            done[.insight, default: []].formUnion(insight.derivedFrom)
        }
        return snapshot.trajectories.compactMap { trajectory in
            let kinds = kindsInOrder.filter { !(done[$0]?.contains(trajectory.id) ?? false) }
            return kinds.isEmpty ? nil : (trajectory, kinds)
        }
    }

    /// Calls and tokens the run would need, without calling anything.
    public func estimate(pool: Pool) throws -> LLMEstimate {
        let work = self.work(try pool.memories())
        var calls = 0
        var prompt = 0
        for (trajectory, kinds) in work {
            let rendered = Prompts.render(trajectory)
            for kind in kinds {
                calls += 1
                prompt += LLMBudget.estimate(Prompts.system) + LLMBudget.estimate(Prompts.user(kind: kind, outcome: trajectory.outcome, trajectory: rendered))
            }
        }
        let total = prompt + calls * client.budget.replyTokens
        return LLMEstimate(
            trajectories: work.count, calls: calls, promptTokens: prompt, totalTokens: total,
            withinBudget: calls <= client.budget.maxCalls && total <= client.budget.maxTokens)
    }

    /// Runs the compactor and commits what it produced in one commit.
    ///
    /// - Throws: `LLMError` for anything but an exhausted budget; nothing is written then.
    public func run(pool: Pool, author: CommitInfo? = nil, progress: (@Sendable (String) -> Void)? = nil) throws -> CompactionReport {
        let memories = try pool.memories()
        let work = self.work(memories)
        var report = CompactionReport()
        report.trajectories = PoolSnapshot(memories, tag: CompactionTag.llm).trajectories.count
        var produced: [Memory] = []
        var insights: [Memory] = []
        var finished = 0
        outer: for (n, (trajectory, kinds)) in work.enumerated() {
            progress?("llm: trajectory \(n + 1) of \(work.count) (\(trajectory.id.short))")
            var mine: [Memory] = []
            let rendered = Prompts.render(trajectory)
            for kind in kinds {
                let result = Result(catching: { () throws(LLMError) -> Memory in try derive(kind, from: trajectory, rendered: rendered) })
                switch result {
                case .success(let memory):
                    mine.append(memory)
                case .failure(.budgetExhausted(let what)):
                    report.stoppedEarly = "budget exhausted: \(what); \(work.count - finished) trajectories left for the next run"
                    break outer
                case .failure(let error):
                    throw error
                }
            }
            finished += 1
            produced += mine.filter { $0.kind != .insight }
            insights += mine.filter { $0.kind == .insight }
            if mine.contains(where: { $0.kind != .insight }) { report.compacted += 1 }
        }
        let changes = Consolidation.consolidate(insights, into: memories.filter { $0.kind == .insight })
        let existing = Set(memories.map(\.id))
        report.added = (produced + changes.add).filter { !existing.contains($0.id) }
        report.removed = changes.remove
        guard !options.dryRun, !report.added.isEmpty || !report.removed.isEmpty else { return report }
        var info = OfflineCompactor.commitInfo(report, compactor: "llm", base: author)
        info.trailers.append(("Mnem-Model", client.configuration.model))
        let result = try pool.apply(adding: report.added, removing: report.removed, info: info)
        report.commit = result.commit?.hex
        return report
    }

    /// Asks for one memory of `kind`, retrying malformed replies.
    func derive(_ kind: MemoryKind, from trajectory: Memory, rendered: String) throws(LLMError) -> Memory {
        let user = Prompts.user(kind: kind, outcome: trajectory.outcome, trajectory: rendered)
        var lastReason = ""
        for attempt in 1...maxAttempts {
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
                return try ReplyDecoder.memory(kind, reply: reply, trajectory: trajectory)
            } catch {
                lastReason = error.reason
                if attempt == maxAttempts { break }
            }
        }
        throw .malformed(what: "the \(kind.rawValue) of \(trajectory.id.short)", attempts: maxAttempts, reason: lastReason)
    }
}

/// Turns a model's reply into a memory, or says why it cannot.
enum ReplyDecoder {
    struct Invalid: Error {
        var reason: String
    }

    static func memory(_ kind: MemoryKind, reply: String, trajectory: Memory) throws(Invalid) -> Memory {
        let json = try object(reply)
        func text(_ key: String, max: Int = 4_000) throws(Invalid) -> String {
            guard let value = json[key]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw Invalid(reason: "missing or empty \"\(key)\"")
            }
            guard value.count <= max else { throw Invalid(reason: "\"\(key)\" is longer than \(max) characters") }
            return value
        }
        let body: MemoryBody
        switch kind {
        case .workflow:
            guard let items = json["steps"]?.arrayValue, (1...40).contains(items.count) else {
                throw Invalid(reason: "\"steps\" must be an array of 1 to 40 steps")
            }
            var steps: [WorkflowStep] = []
            for item in items {
                guard let category = item["category"]?.stringValue, let action = item["action"]?.stringValue, !action.isEmpty else {
                    throw Invalid(reason: "a step lacks \"category\" or \"action\"")
                }
                let known = StepCategory(rawValue: category.lowercased()) ?? .other
                steps.append(WorkflowStep(category: known.rawValue, action: String(action.prefix(400))))
            }
            body = .workflow(Workflow(goal: try text("goal", max: 600), steps: steps, negative: trajectory.outcome == .failure))
        case .summary:
            body = .summary(
                Summary(
                    taskSummary: try text("taskSummary"),
                    experience: Experience(
                        environment: try text("environment"), actions: try text("actions"), results: try text("results"), why: try text("why"))))
        case .insight:
            let title = try text("title", max: 160)
            let description = try text("description", max: 600)
            let content = try text("content", max: 1_500)
            if let leak = [title, description, content].lazy.compactMap(specificToken).first {
                throw Invalid(reason: "the insight names something task-specific ('\(leak.prefix(40))')")
            }
            let evidence = InsightEvidence(memories: [trajectory.id.rawValue], domains: [trajectory.domain])
            body = .insight(Insight(title: title, description: description, content: content, evidence: evidence))
        case .trajectory:
            throw Invalid(reason: "trajectories are not derived")
        }
        var memory: Memory
        if kind == .insight {
            memory = Memory(
                body: body, task: trajectory.outcome == .failure ? "A lesson from a failed coding task" : "A habit from a successful coding task",
                domain: "general", outcome: trajectory.outcome, derivedFrom: [trajectory.id], tags: [CompactionTag.llm])
        } else {
            memory = OfflineCompactor.derived(body, from: trajectory, tag: CompactionTag.llm)
        }
        // The pool's own decoder is the contract: a memory it would reject is a malformed reply.
        do {
            memory = try Memory(json: memory.jsonObject(), idPolicy: .mustMatch)
        } catch {
            throw Invalid(reason: error.description)
        }
        return memory
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

    /// A word that looks like a path or a file name, which an insight must not contain.
    static func specificToken(_ text: String) -> String? {
        for raw in text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" || $0 == ")" || $0 == "," || $0 == "`" || $0 == "'" || $0 == "\"" }) {
            let word = raw.trimmingCharacters(in: CharacterSet(charactersIn: ".;:!?"))
            if word.contains("/"), !word.contains("://") {
                let parts = word.split(separator: "/")
                if word.hasPrefix("/") || word.hasPrefix("./") || word.hasPrefix("~/") || parts.count >= 3 { return word }
            }
            if let ext = Abstraction.fileExtension(word), Abstraction.extensions.contains(ext), word.count > ext.count + 1 { return word }
        }
        return nil
    }
}
