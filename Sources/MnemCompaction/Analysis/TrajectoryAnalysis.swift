import Foundation
import MnemCore

/// Everything the offline compactor reads from one trajectory: the classified steps, the
/// languages, commands and errors they show; the miner's record, the phases and the lessons
/// are read from it (MiningRecord.swift, Phases.swift).
public struct TrajectoryAnalysis: Sendable {
    public var memory: Memory
    public var steps: [ClassifiedStep]
    public var languages: [String]
    public var tools: [String]
    public var errorCounts: [ErrorClass: Int]
    public var taskKind: TaskKind


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
        if edits.isEmpty, !scratch.isEmpty {
            // A script written and run with nothing else changed is the work itself (an exploit, a
            // tool, an answer), not a reproduction; only scripts named as reproductions stay scratch.
            let named = scratch.filter(StepClassifier.isReproScript)
            if named != scratch {
                scratch = named
                edits = Self.primaryEdits(effective, scratch: scratch)
            }
        }
        checkedByRunning = scratch.union(edits.compactMap { [effective] in effective[$0].target })
        languages = LanguageDetector.languages(raw, task: memory.task)
        tools = Self.toolsUsed(raw, classified)
        var errors: [ErrorClass: Int] = [:]
        for step in classified { if let e = step.errorClass { errors[e, default: 0] += 1 } }
        errorCounts = errors
        taskKind = TaskKind(task: memory.task)
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
    /// Files whose run checks the work: scratch scripts, and files the work changed (when the
    /// work is a script, an exploit or a tool, running it is its check).
    private(set) var checkedByRunning: Set<String> = []

    /// Whether a step checks the work: a test, a build, a reproduction, or a run of a scratch
    /// script or of a file the work changed. The first and last checks after the edits (the
    /// miner's outcomes, the summary's results) are judged by it.
    func isCheck(_ step: ClassifiedStep) -> Bool {
        step.category == .test || step.category == .build || step.category == .reproduce || (step.runs.map(checkedByRunning.contains) ?? false)
    }

    /// Whether the problem was run (reproduced, tested, a scratch script) before the first change of the work.
    var reproducedFirst: Bool {
        guard let first = primaryEdits.first else { return false }
        return effective[..<first].contains { step in
            step.category == .reproduce || step.category == .test || step.category == .run || (step.runs.map(scratch.contains) ?? false)
        }
    }

    /// Whether anything checked the work after its last change (a test, a build, a run, a scratch script).
    var checkedAfterLastEdit: Bool {
        guard let last = primaryEdits.last else { return false }
        return effective[(last + 1)...].contains { step in step.category.validates || (step.runs.map(scratch.contains) ?? false) }
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
    static let separators: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in " \n\t\"'=:,()[]{}<>|;&".utf8 { table[Int(byte)] = true }
        return table
    }()

    static func languages(_ steps: [TrajectoryStep], task: String) -> [String] {
        var score: [String: Int] = [:]
        for step in steps {
            // The command line and a tool's arguments name their files early; the rest of an
            // input (a here-document, an edit's new text) is content.
            for token in step.input.utf8.prefix(400).split(whereSeparator: { separators[Int($0)] }) {
                guard let word = String(token) else { continue }
                if let ext = Abstraction.fileExtension(word), let language = byExtension[ext] { score[language, default: 0] += 1 }
            }
            let program = ShellCommand.programName(String(step.input.drop { $0 == " " }.prefix { $0 != " " }))
            if let language = byProgram[program] { score[language, default: 0] += 2 }
        }
        return score.filter { $0.value >= 2 }.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map(\.key)
    }
}
