import MnemCore

/// A failing step, what the agent did before it ran the same thing again, and whether that run got further.
///
/// The outcome is the rerun's own result (its exit status or its error), so an episode is
/// evidence whatever the trajectory's recorded outcome.
public struct Episode: Sendable, Hashable {
    /// What went wrong: `error:<class>` or `error:<class>@<toolchain>`, or `edit:<failure>`.
    public var situation: String
    /// The family of the command that failed (`python <file.py>`, `Edit <file.ts>`).
    public var failing: String
    /// What was done between the failure and the rerun, as technique keys (`install|pip install <package>`,
    /// `category|install`, `none`, `smaller-anchor`, `+|2>&1`), sorted.
    public var techniques: [String]
    /// The rerun succeeded or failed differently (a changed error class counts as progress).
    public var progressed: Bool

    public init(situation: String, failing: String, techniques: [String], progressed: Bool) {
        self.situation = situation
        self.failing = failing
        self.techniques = techniques
        self.progressed = progressed
    }
}

/// What the insight miner needs from one trajectory, small enough to keep for 100,000 of them.
public struct MiningRecord: Sendable, Hashable {
    public var id: MemoryID
    /// Where the trajectory came from (its project), so support can be counted in sources.
    public var source: String
    /// The agent (harness) that ran it: a practice seen in one harness's runs may be that
    /// harness's instructions rather than a habit that transfers.
    public var agent: String
    public var domain: String
    /// The outcome when it rests on evidence (`outcomeEvidence`), else nil: statistics over
    /// outcomes use only these.
    public var outcome: Outcome?
    public var episodes: [Episode]
    /// Trajectory-level habits (`after|test|pytest -x -k <test>`, `scratch|before`), sorted.
    public var habits: [String]
    /// Whether the trajectory edited anything (habits about edits apply only then).
    public var edits: Bool
    /// Whether the first check after the first edit (a test, a build, a rerun of the reproduction)
    /// passed; nil when there was none. A step's own result, so evidence whatever the outcome.
    public var firstCheckPassed: Bool?

    public init(
        id: MemoryID, source: String, agent: String = "", domain: String, outcome: Outcome?, episodes: [Episode], habits: [String], edits: Bool,
        firstCheckPassed: Bool? = nil
    ) {
        self.id = id
        self.source = source
        self.agent = agent
        self.domain = domain
        self.outcome = outcome
        self.episodes = episodes
        self.habits = habits
        self.edits = edits
        self.firstCheckPassed = firstCheckPassed
    }
}

extension TrajectoryAnalysis {
    /// The most steps after a failure within which a rerun of the same command still counts as its retry.
    static let rerunWindow = 12

    /// The record the miner keeps of this trajectory.
    public var miningRecord: MiningRecord {
        MiningRecord(
            id: memory.id, source: Self.sourceKey(memory), agent: memory.source.agent ?? memory.source.format ?? "", domain: memory.domain,
            outcome: evidencedOutcome,
            episodes: episodes(), habits: habits(), edits: primaryEdits.first != nil, firstCheckPassed: firstCheckPassed)
    }

    /// See `MiningRecord.firstCheckPassed`.
    var firstCheckPassed: Bool? {
        guard let first = primaryEdits.first else { return nil }
        return effective[(first + 1)...].first(where: isCheck).map { !$0.failed }
    }

    /// The outcome statistics may rest on: the recorded one when capture kept its evidence, else
    /// what the trajectory itself shows, the result of the last check (`isCheck`) after the last
    /// edit; nil when neither says.
    var evidencedOutcome: Outcome? {
        if memory.outcomeEvidence != nil, memory.outcome != .unknown { return memory.outcome }
        guard let last = primaryEdits.last, let check = effective[(last + 1)...].last(where: isCheck) else { return nil }
        return check.failed ? .failure : .success
    }

    /// The project a trajectory worked on: a project-like domain, else the repository, the
    /// working directory's name, else the agent and format it came from.
    static func sourceKey(_ memory: Memory) -> String {
        let domain = memory.domain.lowercased()
        let languages = Set(LanguageDetector.byExtension.values.map { $0.lowercased() })
        let generic = domain.isEmpty || domain == "general" || languages.contains(domain) || languages.contains(domain.split(separator: "/").first.map(String.init) ?? "")
        if !generic { return "domain:" + domain }
        if let repository = memory.source.repository, !repository.isEmpty {
            return "repository:" + (repository.split(separator: "/").suffix(2).joined(separator: "/")).lowercased()
        }
        if let directory = memory.source.workingDirectory, let name = directory.split(separator: "/").last, !name.isEmpty {
            return "directory:" + name.lowercased()
        }
        return "agent:" + (memory.source.agent ?? "?") + "/" + (memory.source.format ?? "?")
    }

    /// The files a trajectory wrote and then ran within a few steps: scratch scripts, not the change.
    var scratchFiles: Set<String> { scratch }

    /// The indexes (into `effective`) of edits to the work itself, scratch scripts left out.
    var primaryEdits: [Int] { edits }

    static func scratchFiles(_ effective: [ClassifiedStep]) -> Set<String> {
        var written: [String: Int] = [:]
        var scratch = Set<String>()
        for (index, step) in effective.enumerated() {
            for file in step.writes where written[file] == nil { written[file] = index }
            if let run = step.runs, let at = written[run], index - at <= 6 { scratch.insert(run) }
        }
        // A reproduction script by name is scratch even when it is run later.
        for file in written.keys where StepClassifier.isReproScript(file) { scratch.insert(file) }
        return scratch
    }

    static func primaryEdits(_ effective: [ClassifiedStep], scratch: Set<String>) -> [Int] {
        effective.indices.filter { i in
            let step = effective[i]
            guard step.category == .edit, !step.failed else { return false }
            // Copies, new directories and permissions prepare a change; they are not one.
            let program = step.family.split(separator: " ").first.map(String.init) ?? ""
            if ["cp", "mkdir", "touch", "chmod", "ln", "rm", "mv"].contains(program) { return false }
            if let target = step.target, scratch.contains(target) { return false }
            return !step.writes.contains(where: scratch.contains)
        }
    }

    /// What identifies "the same command again": a script by name, else the family and its target.
    static func identity(_ step: ClassifiedStep) -> String {
        if let run = step.runs { return "run:" + run }
        return step.family + "|" + (step.target ?? "")
    }

    static func toolchain(_ step: ClassifiedStep, fallback: [String]) -> String? {
        let program = step.family.split(separator: " ").first.map(String.init) ?? ""
        if let language = LanguageDetector.byProgram[program] { return language.lowercased() }
        return fallback.first?.lowercased()
    }

    /// Every failing step with an error class or an edit failure that was tried again within the window.
    func episodes() -> [Episode] {
        let steps = effective
        var out: [Episode] = []
        var consumed = Set<Int>()
        for (index, step) in steps.enumerated() where step.failed && !consumed.contains(index) {
            let situation: String
            if let failure = step.editFailure {
                situation = "edit:" + failure.rawValue
            } else if let error = step.errorClass {
                situation = "error:" + error.rawValue + (Self.toolchain(step, fallback: languages).map { "@" + $0 } ?? "")
            } else if step.category == .search {
                // A search that found nothing (`grep` exits 1): the next search is its retry.
                situation = "search:empty"
            } else {
                continue
            }
            let identity = Self.identity(step)
            let end = min(steps.count, index + 1 + Self.rerunWindow)
            // The retry of an edit is the next edit of the same file; of a command, the same command.
            // Failing that, a command of the same program and kind (`mix test a` after `mix test b`).
            let program = { (s: ClassifiedStep) in s.family.split(separator: " ").first.map(String.init) ?? "" }
            let retryIndex = (index + 1..<end).first { j in
                let other = steps[j]
                if step.editFailure != nil { return other.category == .edit && (other.target == step.target || step.target == nil) }
                return Self.identity(other) == identity
            } ?? (step.editFailure != nil ? nil : (index + 1..<end).first { j in
                steps[j].category == step.category && (program(steps[j]) == program(step) || step.category == .search)
                    && (step.category.validates || step.category == .search)
            })
            guard let retryIndex else { continue }
            consumed.insert(retryIndex)
            let retry = steps[retryIndex]
            var techniques = Set<String>()
            for between in steps[(index + 1)..<retryIndex] where !between.family.isEmpty {
                techniques.insert(between.category.rawValue + "|" + between.family)
                techniques.insert("category|" + between.category.rawValue)
                if step.editFailure != nil, between.category == .inspect, between.target != nil, between.target == step.target {
                    techniques.insert("read-target")
                }
            }
            // `none`: the very same input again, right away.
            let identical = retry.inputDigest == step.inputDigest
            if step.category == .search, step.editFailure == nil, step.errorClass == nil {
                if identical {
                    techniques.insert("none")
                } else {
                    techniques.insert("retry|" + retry.family)
                    techniques.insert("category|retry")
                }
            } else if retryIndex == index + 1, identical || step.editFailure == nil {
                techniques.insert("none")
            }
            for modifier in Set(retry.modifiers).subtracting(step.modifiers) { techniques.insert("+|" + modifier.rawValue) }
            if step.editFailure != nil {
                if let before = step.anchorLength, let after = retry.anchorLength, after * 10 < before * 7 { techniques.insert("smaller-anchor") }
                if program(retry) != program(step) { techniques.insert("switch-tool|" + retry.family) }
            }
            let progressed: Bool
            if step.editFailure != nil {
                progressed = !retry.failed
            } else {
                progressed = !retry.failed || (retry.errorClass != nil && retry.errorClass != step.errorClass)
            }
            out.append(Episode(situation: situation, failing: step.family, techniques: techniques.sorted(), progressed: progressed))
        }
        return out
    }

    /// The trajectory's habits relative to its edits: what it ran before the first edit, between
    /// edits and after the last, whether a scratch script reproduced the problem first and confirmed the
    /// fix after, and how it shaped the output of its test and build runs.
    func habits() -> [String] {
        let steps = effective
        var found = Set<String>()
        let scratch = scratchFiles
        let edits = primaryEdits
        let isScratchRun = { (s: ClassifiedStep) in s.runs.map(scratch.contains) ?? false }
        for step in steps where !step.modifiers.isEmpty && [.test, .build, .run, .reproduce].contains(step.category) {
            for modifier in step.modifiers { found.insert("shape|" + step.category.rawValue + "|" + modifier.rawValue) }
        }
        guard let first = edits.first, let last = edits.last else { return found.sorted() }
        let interesting: Set<StepCategory> = [.test, .reproduce, .build, .run, .search, .inspect, .versionControl, .install, .web]
        for step in steps[..<first] where interesting.contains(step.category) && !step.family.isEmpty {
            found.insert("before|" + step.category.rawValue + "|" + step.family)
        }
        for step in steps[(last + 1)...] where interesting.contains(step.category) && !step.family.isEmpty {
            found.insert("after|" + step.category.rawValue + "|" + step.family)
        }
        if steps[..<first].contains(where: isScratchRun) {
            found.insert("scratch|before")
            for step in steps[..<first] where step.writes.contains(where: scratch.contains) && !step.family.isEmpty {
                found.insert("scratchwrite|" + step.family)
            }
        }
        if steps[(last + 1)...].contains(where: isScratchRun) { found.insert("scratch|after") }
        // Checks between the first edit and the last: each change confirmed before the next one.
        if first < last {
            for step in steps[(first + 1)..<last] where (step.category.validates || isScratchRun(step)) && !step.family.isEmpty {
                found.insert("between|check|" + step.family)
            }
        }
        let removesScratch = steps[(last + 1)...].contains { step in
            step.family.hasPrefix("rm") && scratch.contains { file in step.target == file }
        }
        if removesScratch { found.insert("scratch|cleanup") }
        return found.sorted()
    }
}
