import Foundation
import MnemCore

/// A habit of working that a trajectory shows or lacks, named without anything task-specific.
public enum WorkingPattern: String, Sendable, CaseIterable, Hashable, Comparable {
    case testedAfterLastEdit = "tested-after-last-edit"
    case validatedAfterLastEdit = "validated-after-last-edit"
    case reproducedBeforeFixing = "reproduced-before-fixing"
    case inspectedBeforeEditing = "inspected-before-editing"
    case searchedBeforeEditing = "searched-before-editing"
    case reviewedChangeAfterEditing = "reviewed-change-after-editing"
    case failingRetryLoop = "failing-retry-loop"

    public static func < (a: WorkingPattern, b: WorkingPattern) -> Bool { a.rawValue < b.rawValue }

    /// Whether the pattern is a habit to keep (true) or one to avoid (false).
    var isGoodHabit: Bool { self != .failingRetryLoop }

    /// Whether a trajectory can show the pattern at all (only trajectories that edit can test after editing).
    func applies(to analysis: TrajectoryAnalysis) -> Bool {
        self == .failingRetryLoop ? !analysis.steps.isEmpty : analysis.editCount > 0
    }
}

/// An error class met in a trajectory and what the agent did next that made the failing step work.
public struct Recovery: Sendable, Hashable, Comparable {
    public var error: ErrorClass
    /// The category of the first successful step after the error that was not a retry of it.
    public var action: StepCategory
    /// Whether the step that failed (or one like it) later succeeded.
    public var worked: Bool

    var key: String { "recovery:\(error.rawValue):\(action.rawValue)" }

    public static func < (a: Recovery, b: Recovery) -> Bool { a.key < b.key }
}

/// Everything the offline compactor reads from one trajectory: the classified steps and the
/// patterns, errors, recoveries and results they show.
public struct TrajectoryAnalysis: Sendable {
    public var memory: Memory
    public var steps: [ClassifiedStep]
    public var patterns: Set<WorkingPattern>
    public var recoveries: [Recovery]
    /// The longest run of consecutive failing retries of the same action.
    public var longestFailingRetryRun: Int
    public var languages: [String]
    public var tools: [String]
    public var errorCounts: [ErrorClass: Int]
    public var taskKind: TaskKind

    var editCount: Int { steps.filter { $0.category == .edit && !$0.noOp }.count }

    /// Analyses a trajectory memory; other kinds give an empty analysis.
    public init(_ memory: Memory) {
        self.memory = memory
        let raw: [TrajectoryStep]
        if case .trajectory(let trajectory) = memory.body { raw = trajectory.steps } else { raw = [] }
        var classified = raw.map(StepClassifier.classify)
        Self.resolveOpenFile(&classified, raw)
        steps = classified
        rawIndexes = classified.indices.filter { !classified[$0].noOp }
        effective = rawIndexes.map { classified[$0] }
        scratch = Self.scratchFiles(effective)
        edits = Self.primaryEdits(effective, scratch: scratch)
        languages = LanguageDetector.languages(raw, task: memory.task)
        tools = Self.toolsUsed(raw, classified)
        var errors: [ErrorClass: Int] = [:]
        for step in classified { if let e = step.errorClass { errors[e, default: 0] += 1 } }
        errorCounts = errors
        taskKind = TaskKind(task: memory.task)
        longestFailingRetryRun = Self.longestFailingRun(classified)
        recoveries = Self.recoveries(classified)
        patterns = Self.patterns(classified, longestFailingRun: longestFailingRetryRun)
    }

    /// Editor commands that act on "the open file" (SWE-agent's `edit`, `insert`, `goto`) name no
    /// file; they get the one `open` or `create` opened last, so a scratch script's edits are known as such.
    static func resolveOpenFile(_ steps: inout [ClassifiedStep], _ raw: [TrajectoryStep]) {
        var open: String?
        for index in steps.indices {
            let tool = raw[index].tool.lowercased()
            if tool == "open" || tool == "create" {
                if let file = StepFacts.fileArgument(json: nil, input: raw[index].input, tool: tool).flatMap(Abstraction.baseName) { open = file }
                if tool == "create", let file = open, !steps[index].writes.contains(file) { steps[index].writes.append(file) }
                if steps[index].target == nil { steps[index].target = open }
            } else if ["edit", "insert", "append", "goto", "scroll_up", "scroll_down"].contains(tool), steps[index].target == nil {
                steps[index].target = open
            }
        }
    }

    /// The steps that did something, in order (planning notes dropped).
    public private(set) var effective: [ClassifiedStep] = []
    /// For each of `effective`, its index among the trajectory's steps.
    private(set) var rawIndexes: [Int] = []
    /// See `scratchFiles`; computed once.
    private(set) var scratch: Set<String> = []
    /// See `primaryEdits`; computed once.
    private(set) var edits: [Int] = []

    static func patterns(_ all: [ClassifiedStep], longestFailingRun: Int) -> Set<WorkingPattern> {
        let steps = all.filter { !$0.noOp }
        var found = Set<WorkingPattern>()
        if longestFailingRun >= 3 { found.insert(.failingRetryLoop) }
        guard let firstEdit = steps.firstIndex(where: { $0.category == .edit }),
            let lastEdit = steps.lastIndex(where: { $0.category == .edit })
        else { return found }
        let before = steps[..<firstEdit]
        let after = steps[(lastEdit + 1)...]
        if after.contains(where: { $0.category == .test }) { found.insert(.testedAfterLastEdit) }
        if after.contains(where: { $0.category.validates }) { found.insert(.validatedAfterLastEdit) }
        if before.contains(where: { $0.category == .reproduce || $0.category == .test || $0.category == .run }) {
            found.insert(.reproducedBeforeFixing)
        }
        if before.contains(where: { $0.category == .search }) { found.insert(.searchedBeforeEditing) }
        if after.contains(where: \.reviewsChange) { found.insert(.reviewedChangeAfterEditing) }
        // Inspected before editing: most edited files that name a target were read first; with no
        // named targets, any inspection before the first edit counts.
        var inspected = Set<String>()
        var edits = 0
        var informed = 0
        for step in steps {
            if step.category == .inspect || step.category == .search, let target = step.target { inspected.insert(target) }
            if step.category == .edit, let target = step.target {
                edits += 1
                if inspected.contains(target) { informed += 1 }
            }
        }
        if edits > 0 ? informed * 2 >= edits : before.contains(where: { $0.category == .inspect }) {
            found.insert(.inspectedBeforeEditing)
        }
        return found
    }

    static func longestFailingRun(_ all: [ClassifiedStep]) -> Int {
        var longest = 0
        var run = 0
        var signature = ""
        for step in all where !step.noOp {
            if step.failed, step.signature == signature {
                run += 1
            } else {
                run = step.failed ? 1 : 0
                signature = step.failed ? step.signature : ""
            }
            longest = max(longest, run)
        }
        return longest
    }

    /// For each failing step with a known error class: the first successful step after it that
    /// is not the same action, and whether a step like the failing one later succeeded.
    static func recoveries(_ all: [ClassifiedStep]) -> [Recovery] {
        let steps = all.filter { !$0.noOp }
        var found = Set<Recovery>()
        var index = 0
        while index < steps.count {
            let step = steps[index]
            guard step.failed, let error = step.errorClass else {
                index += 1
                continue
            }
            let window = steps[(index + 1)..<min(steps.count, index + 6)]
            guard let fix = window.first(where: { !$0.failed && $0.signature != step.signature && $0.category != .other }) else {
                index += 1
                continue
            }
            let fixIndex = steps[(index + 1)...].firstIndex(where: { !$0.failed && $0.signature != step.signature && $0.category != .other }) ?? index
            let later = steps[(fixIndex + 1)..<min(steps.count, fixIndex + 9)]
            let worked = later.contains { !$0.failed && ($0.signature == step.signature || $0.category == step.category) }
                || (fix.category == step.category && !fix.failed)
            found.insert(Recovery(error: error, action: fix.category, worked: worked))
            index = fixIndex + 1
        }
        return found.sorted()
    }

    static func toolsUsed(_ raw: [TrajectoryStep], _ classified: [ClassifiedStep]) -> [String] {
        var counts: [String: Int] = [:]
        for step in classified where step.isCommand { if let program = step.program { counts[program, default: 0] += 1 } }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(8).map(\.key)
    }
}

/// What kind of task a trajectory worked on, read from the task text by keywords.
public enum TaskKind: String, Sendable, CaseIterable {
    case fixBug = "fix-bug"
    case debugFailure = "debug-failure"
    case implementFeature = "implement-feature"
    case writeTests = "write-tests"
    case refactor
    case analyzeCodebase = "analyze-codebase"
    case setUpProject = "set-up-project"
    case securityChallenge = "security-challenge"
    case general

    init(task: String) {
        let text = task.lowercased()
        func has(_ words: [String]) -> Bool { words.contains { text.contains($0) } }
        if has(["capture the flag", "ctf", "flag{", "decrypt", "exploit", "reverse engineer", "binary"]) {
            self = .securityChallenge
        } else if has(["doesn't start", "doesnt start", "does not start", "won't start", "not starting", "debug"]) {
            self = .debugFailure
        } else if has(["fix", "bug", "incorrect", "wrong", "fails", "failing", "crash", "exception", "traceback", "error", "issue", "unexpected", "broken", "regression"]) {
            self = .fixBug
        } else if has(["refactor", "clean up", "cleanup", "rename", "restructure"]) {
            self = .refactor
        } else if has(["write tests", "add tests", "unit test", "test coverage", "add a test"]) {
            self = .writeTests
        } else if has(["claude.md", "/init", "analyze", "analyse", "explain", "document", "readme", "overview", "summarize"]) {
            self = .analyzeCodebase
        } else if has(["implement", "add ", "create", "build", "make ", "support", "feature", "new ", "develop", "write a", "game", "app"]) {
            self = .implementFeature
        } else if has(["start", "run ", "install", "set up", "setup", "configure", "deploy", "server", "background"]) {
            self = .setUpProject
        } else {
            self = .general
        }
    }

    /// The task as a goal, in the imperative ("Fix a reported bug").
    public var goal: String {
        switch self {
        case .fixBug: "Fix a reported bug"
        case .debugFailure: "Debug why something fails to work"
        case .implementFeature: "Implement a feature"
        case .writeTests: "Add or repair tests"
        case .refactor: "Refactor existing code"
        case .analyzeCodebase: "Analyze and document a code base"
        case .setUpProject: "Set up and run a project"
        case .securityChallenge: "Solve a security challenge"
        case .general: "Complete a coding task"
        }
    }
}

/// The languages a trajectory works in, from file extensions and the programs it runs.
enum LanguageDetector {
    static let byExtension: [String: String] = [
        "py": "Python", "pyi": "Python", "ipynb": "Python", "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript",
        "jsx": "JavaScript", "ts": "TypeScript", "tsx": "TypeScript", "vue": "JavaScript", "svelte": "JavaScript",
        "ex": "Elixir", "exs": "Elixir", "heex": "Elixir", "go": "Go", "rs": "Rust", "c": "C", "h": "C", "cc": "C++",
        "cpp": "C++", "hpp": "C++", "java": "Java", "kt": "Kotlin", "rb": "Ruby", "php": "PHP", "swift": "Swift",
        "v": "Verilog", "sv": "Verilog", "cs": "C#", "scala": "Scala", "lua": "Lua", "dart": "Dart", "sh": "Shell",
    ]
    static let byProgram: [String: String] = [
        "python": "Python", "pip": "Python", "pytest": "Python", "tox": "Python", "poetry": "Python", "uv": "Python",
        "node": "JavaScript", "npm": "JavaScript", "npx": "JavaScript", "yarn": "JavaScript", "pnpm": "JavaScript",
        "tsc": "TypeScript", "mix": "Elixir", "iex": "Elixir", "elixir": "Elixir", "go": "Go", "cargo": "Rust",
        "rustc": "Rust", "gcc": "C", "clang": "C", "g++": "C++", "javac": "Java", "mvn": "Java", "gradle": "Java",
        "ruby": "Ruby", "bundle": "Ruby", "rails": "Ruby", "gem": "Ruby", "php": "PHP", "composer": "PHP",
        "swift": "Swift", "iverilog": "Verilog", "dotnet": "C#",
    ]

    /// Bytes that separate the words of a command line or a tool's JSON arguments.
    static let separators = Set(" \n\t\"'=:,()[]{}<>|;&".utf8)

    static func languages(_ steps: [TrajectoryStep], task: String) -> [String] {
        var score: [String: Int] = [:]
        for step in steps {
            // The command line and a tool's arguments name their files early; the rest of an
            // input (a here-document, an edit's new text) is content.
            for token in step.input.utf8.prefix(400).split(whereSeparator: { separators.contains($0) }) {
                guard let word = String(token) else { continue }
                if let ext = Abstraction.fileExtension(word), let language = byExtension[ext] { score[language, default: 0] += 1 }
            }
            let program = ShellCommand.programName(step.input.split(separator: " ").first.map(String.init) ?? "")
            if let language = byProgram[program] { score[language, default: 0] += 2 }
        }
        return score.filter { $0.value >= 2 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map(\.key)
    }
}
