/// The four memory kinds of Memory Transfer Learning, from concrete to abstract.
public enum MemoryKind: String, Sendable, CaseIterable, Hashable, Comparable {
    case trajectory, workflow, summary, insight

    /// 0 for the most concrete kind, 3 for the most abstract.
    public var abstraction: Int {
        switch self {
        case .trajectory: 0
        case .workflow: 1
        case .summary: 2
        case .insight: 3
        }
    }

    public static func < (a: MemoryKind, b: MemoryKind) -> Bool { a.abstraction < b.abstraction }

    /// The plural, for messages ("2 summaries").
    public var plural: String {
        switch self {
        case .trajectory: "trajectories"
        case .summary: "summaries"
        default: rawValue + "s"
        }
    }
}

/// How the task the memory comes from ended.
public enum Outcome: String, Sendable, CaseIterable, Hashable {
    case success, failure, unknown
}

/// The kind of signal an outcome was decided on.
public enum OutcomeSignal: String, Sendable, CaseIterable, Hashable {
    /// A test run after the last edit (pytest, go test, cargo test, npm test, mix test, …).
    case test
    /// A build or type check after the last edit.
    case build
    /// The program itself, run after the last edit.
    case run
    /// The harness's own exit status (`submitted`, `exit_cost`, a time-out, an error).
    case harness
    /// The agent's own final statement.
    case agent
    /// A user's reply in the transcript ("still failing", "works now").
    case user
    /// Given on the command line (`--outcome`) or by whoever added the memory.
    case given
    /// Carried over from the memories this one is derived from.
    case derived
}

/// The signal that decided a memory's outcome, so statistics can rest on outcomes with evidence.
public struct OutcomeEvidence: Sendable, Hashable {
    public var signal: OutcomeSignal
    /// What the signal said, in a line (`pytest exited 1 after the last edit`).
    public var detail: String
    /// The index of the deciding step in the trajectory, when a step decided.
    public var step: Int?

    public init(signal: OutcomeSignal, detail: String, step: Int? = nil) {
        self.signal = signal
        self.detail = detail
        self.step = step
    }
}

/// Where a memory came from: the agent, its model, the session and the code it worked on.
public struct MemorySource: Sendable, Hashable {
    public var agent: String?
    public var agentVersion: String?
    /// The model that did most of the work; `models` lists every model seen.
    public var model: String?
    public var models: [String]
    public var sessionId: String?
    /// `sha256:<hex>` of the transcript file the memory was captured from.
    public var transcriptDigest: String?
    /// When the memory was captured (ISO 8601). Volatile: not part of the id.
    public var capturedAt: String?
    public var repository: String?
    public var branch: String?
    public var commit: String?
    public var workingDirectory: String?
    /// The transcript format the memory was read from (`claude-code`, `codex`, …).
    public var format: String?
    public var startedAt: String?
    public var endedAt: String?

    public init(
        agent: String? = nil, agentVersion: String? = nil, model: String? = nil, models: [String] = [],
        sessionId: String? = nil, transcriptDigest: String? = nil, capturedAt: String? = nil,
        repository: String? = nil, branch: String? = nil, commit: String? = nil, workingDirectory: String? = nil,
        format: String? = nil, startedAt: String? = nil, endedAt: String? = nil
    ) {
        self.agent = agent
        self.agentVersion = agentVersion
        self.model = model
        self.models = models
        self.sessionId = sessionId
        self.transcriptDigest = transcriptDigest
        self.capturedAt = capturedAt
        self.repository = repository
        self.branch = branch
        self.commit = commit
        self.workingDirectory = workingDirectory
        self.format = format
        self.startedAt = startedAt
        self.endedAt = endedAt
    }
}

/// One action of a trajectory and what the environment answered.
///
/// The paper's trajectory is actions and observations with no reasoning text; that is what is
/// embedded and injected. The agent's reasoning for the step is kept beside it in `reasoning`
/// (format version 2), so compaction can say why a run went the way it did.
public struct TrajectoryStep: Sendable, Hashable {
    /// The tool or command family (`bash`, `Edit`, `str_replace_editor`, …).
    public var tool: String
    /// The action's input: a command line, or a tool's arguments as compact JSON.
    public var input: String
    public var observation: String
    public var exitStatus: Int?
    public var isError: Bool?
    public var timestamp: String?
    /// What the agent said or thought before taking the action, redacted and trimmed. Never embedded or injected.
    public var reasoning: String?

    public init(
        tool: String, input: String, observation: String, exitStatus: Int? = nil, isError: Bool? = nil, timestamp: String? = nil,
        reasoning: String? = nil
    ) {
        self.tool = tool
        self.input = input
        self.observation = observation
        self.exitStatus = exitStatus
        self.isError = isError
        self.timestamp = timestamp
        self.reasoning = reasoning
    }
}

/// What a session produced in the end: the final patch where the format records one, and the agent's last message.
public struct TrajectoryResult: Sendable, Hashable {
    /// A unified diff of the change (SWE-agent and mini-swe-agent `submission`, an OpenHands `git_patch`, the edits a session shows).
    public var patch: String?
    /// The agent's final message to the user.
    public var finalMessage: String?

    public init(patch: String? = nil, finalMessage: String? = nil) {
        self.patch = patch
        self.finalMessage = finalMessage
    }

    public var isEmpty: Bool { (patch ?? "").isEmpty && (finalMessage ?? "").isEmpty }
}

public struct Trajectory: Sendable, Hashable {
    public var steps: [TrajectoryStep]
    /// The first user message as the user wrote it, redacted and trimmed (`Memory.task` is the task statement drawn from it).
    public var firstUserMessage: String?
    public var result: TrajectoryResult?

    public init(steps: [TrajectoryStep], firstUserMessage: String? = nil, result: TrajectoryResult? = nil) {
        self.steps = steps
        self.firstUserMessage = firstUserMessage
        self.result = result
    }
}

/// One step of a workflow: what kind of step it is and what it does, with concrete values abstracted.
public struct WorkflowStep: Sendable, Hashable {
    /// inspect, search, reproduce, edit, build, test, run, install, version-control, web, other.
    public var category: String
    public var action: String
    /// The command family as an example, concrete values replaced by placeholders (`pytest -x -k <test>`).
    public var example: String?
    public init(category: String, action: String, example: String? = nil) {
        self.category = category
        self.action = action
        self.example = example
    }
}

public struct Workflow: Sendable, Hashable {
    public var goal: String
    public var steps: [WorkflowStep]
    /// A workflow from a failed trajectory: what not to do.
    public var negative: Bool
    public init(goal: String, steps: [WorkflowStep], negative: Bool = false) {
        self.goal = goal
        self.steps = steps
        self.negative = negative
    }
}

/// The paper's experience summary: environment, actions, results, and why.
public struct Experience: Sendable, Hashable {
    public var environment: String
    public var actions: String
    public var results: String
    public var why: String
    public init(environment: String, actions: String, results: String, why: String) {
        self.environment = environment
        self.actions = actions
        self.results = results
        self.why = why
    }
}

public struct Summary: Sendable, Hashable {
    public var taskSummary: String
    public var experience: Experience
    public init(taskSummary: String, experience: Experience) {
        self.taskSummary = taskSummary
        self.experience = experience
    }
}

/// What supports an insight.
public struct InsightEvidence: Sendable, Hashable {
    public var memories: [String]
    public var domains: [String]
    /// Success rate of trajectories that show the pattern, and of those that do not.
    public var successRateWith: Double?
    public var successRateWithout: Double?
    public init(memories: [String], domains: [String], successRateWith: Double? = nil, successRateWithout: Double? = nil) {
        self.memories = memories
        self.domains = domains
        self.successRateWith = successRateWith
        self.successRateWithout = successRateWithout
    }
}

public struct Insight: Sendable, Hashable {
    public var title: String
    /// One sentence.
    public var description: String
    /// One to three sentences; names no task-specific file, path or string.
    public var content: String
    public var evidence: InsightEvidence?
    public init(title: String, description: String, content: String, evidence: InsightEvidence? = nil) {
        self.title = title
        self.description = description
        self.content = content
        self.evidence = evidence
    }
}

/// What a memory holds, by kind.
public enum MemoryBody: Sendable, Hashable {
    case trajectory(Trajectory)
    case workflow(Workflow)
    case summary(Summary)
    case insight(Insight)

    public var kind: MemoryKind {
        switch self {
        case .trajectory: .trajectory
        case .workflow: .workflow
        case .summary: .summary
        case .insight: .insight
        }
    }
}

/// A memory: one immutable, content-addressed JSON file in the pool.
public struct Memory: Sendable, Hashable {
    /// The format version new memories are written in. Version 2 added the trajectory's reasoning,
    /// first user message and result, `outcomeEvidence`, and workflow step examples.
    public static let formatVersion: Int64 = 2
    /// The versions this mnem reads. A memory keeps the version it was read with, so its bytes and id never change.
    public static let readableVersions: ClosedRange<Int64> = 1...2

    /// Derived from the canonical content; see `computeID()`.
    public private(set) var id: MemoryID
    /// The format version of this memory's file.
    public var version: Int64
    public var task: String
    public var domain: String
    /// How the domain was inferred, when it was (e.g. "benchmark instance id django__django-13658").
    public var domainInference: String?
    public var outcome: Outcome
    /// The signal that decided `outcome`; nil where none did (an unknown outcome, or a version 1 memory).
    public var outcomeEvidence: OutcomeEvidence?
    public var source: MemorySource
    public var derivedFrom: [MemoryID]
    public var supersedes: [MemoryID]
    public var tags: [String]
    public var body: MemoryBody

    public var kind: MemoryKind { body.kind }

    public init(
        body: MemoryBody, task: String, domain: String, domainInference: String? = nil, outcome: Outcome = .unknown,
        outcomeEvidence: OutcomeEvidence? = nil, source: MemorySource = MemorySource(), derivedFrom: [MemoryID] = [],
        supersedes: [MemoryID] = [], tags: [String] = [], version: Int64 = Memory.formatVersion
    ) {
        self.version = version
        self.body = body
        self.task = task
        self.domain = domain
        self.domainInference = domainInference
        self.outcome = outcome
        self.outcomeEvidence = outcomeEvidence
        self.source = source
        self.derivedFrom = derivedFrom
        self.supersedes = supersedes
        self.tags = tags
        self.id = MemoryID(unchecked: "")
        self.id = computeID()
    }

    /// Recomputes the id after the content was changed through the mutable properties.
    public mutating func refreshID() { id = computeID() }

    /// The id the content determines: the first 40 hex digits of SHA-256 over the compact
    /// canonical JSON of the memory without its `id` and without volatile fields
    /// (`source.capturedAt`), so capturing the same thing twice gives the same id.
    public func computeID() -> MemoryID {
        var json = jsonObject(includeID: false)
        if case .object(var members) = json, case .object(var source) = members["source"] {
            source["capturedAt"] = nil
            members["source"] = .object(source)
            json = .object(members)
        }
        let digest = SHA256.hash(CanonicalJSON.compact(json))
        return MemoryID(unchecked: String(digest.hexString.prefix(MemoryID.length)))
    }

    /// The path of this memory's file in the pool's tree.
    public var path: String { MemoryPath.path(kind: kind, id: id) }
}

extension Memory {
    /// The line that best names the memory: an insight's title, a workflow's goal, else the task.
    public var headline: String {
        switch body {
        case .insight(let insight): insight.title
        case .workflow(let workflow): workflow.goal.isEmpty ? task : workflow.goal
        default: task
        }
    }
}
