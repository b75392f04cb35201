import MnemCore

/// Builds a trajectory's workflow as a reusable routine: a goal that says when to use it, then at
/// most `maxSteps` abstract steps, each with the command family it used as an example.
///
/// Steps come from the trajectory's phases (investigate, reproduce, change, check…), not from its
/// commands; a cycle that repeats (change, commit, change, commit) is one pass; an attempt that
/// failed again and again becomes the lesson it teaches (what got past it, or that repeating it
/// did not). A failed trajectory gives a negative workflow: what not to do.
enum WorkflowBuilder {
    /// The paper's workflows are short routines; longer logs are cut to their most telling phases.
    static let maxSteps = 12

    static func workflow(_ analysis: TrajectoryAnalysis) -> Workflow {
        let negative = analysis.memory.outcome == .failure
        let phases = analysis.phases
        let edits = analysis.primaryEdits
        // Three stages: what came before the first change, the change loop, what came after the
        // last. Within a stage each kind of phase is one step, in the order first seen: a
        // routine says "check after each change", not "check" eleven times.
        enum Stage: Int { case before, loop, after }
        func stage(_ phase: Phase) -> Stage {
            guard let first = edits.first, let last = edits.last, let at = phase.steps.first else { return .before }
            if at < first { return .before }
            return at > last ? .after : .loop
        }
        var merged: [(stage: Stage, phase: Phase)] = []
        for phase in phases {
            let s = stage(phase)
            if let i = merged.firstIndex(where: { $0.stage == s && $0.phase.kind == phase.kind }) {
                merged[i].phase.steps += phase.steps
                merged[i].phase.repeated = true
            } else {
                merged.append((s, phase))
            }
        }
        var steps: [(position: Int, priority: Int, step: WorkflowStep)] = []
        var seenChange = false
        for (s, phase) in merged {
            guard var step = self.step(for: phase, analysis: analysis, firstChange: !seenChange) else { continue }
            if phase.kind == .change { seenChange = true }
            if s == .loop, phase.kind != .change, phase.repeated { step.action += " after each change" }
            steps.append((s.rawValue * 1_000_000 + (phase.steps.first ?? 0), priority(phase.kind), step))
        }
        // One lesson per kind of problem, placed where it first happened.
        var taught = Set<String>()
        for lesson in analysis.lessons {
            let key = (lesson.editFailure?.rawValue ?? lesson.error?.rawValue ?? "") + "|" + (lesson.remedy?.category.rawValue ?? "none")
            guard taught.insert(key).inserted, taught.count <= 3 else { continue }
            let s: Stage = edits.first.map { lesson.at < $0 ? .before : (edits.last.map { lesson.at > $0 } ?? false ? .after : .loop) } ?? .before
            steps.append((s.rawValue * 1_000_000 + lesson.at, 100, self.step(for: lesson)))
        }
        steps.sort { $0.position < $1.position }
        // A routine says each thing once: setup met again after the change, or a second
        // delegation, repeats a step the reader already has.
        var said = Set<String>()
        steps = steps.filter { said.insert($0.step.action).inserted }
        // Dropping the least telling phases first keeps the shape of the routine.
        while steps.count > maxSteps, let drop = steps.indices.min(by: { steps[$0].priority != steps[$1].priority ? steps[$0].priority < steps[$1].priority : $0 > $1 }) {
            steps.remove(at: drop)
        }
        return Workflow(goal: goal(analysis, phases: phases, negative: negative), steps: steps.map(\.step), negative: negative)
    }

    static func priority(_ kind: Phase.Kind) -> Int {
        switch kind {
        case .change: 90
        case .check, .confirm, .reproduce: 80
        case .setup: 60
        case .investigate: 50
        case .submit, .cleanup: 40
        case .run, .review, .commit: 30
        case .lookup, .delegate: 20
        }
    }

    /// Housekeeping commands: never an example (a change made through an editor tool and a
    /// `chmod` is not a `chmod` routine).
    static let housekeeping: Set<String> = ["cp", "mv", "mkdir", "touch", "chmod", "ls", "pwd", "cd", "rm", "ln", "echo"]

    /// The most used command families of a phase (at most two), most used first. Only shell
    /// commands: a harness's own tools (`Read`, `str_replace_editor`, SWE-agent's `open`) are its
    /// vocabulary, not a command another agent could run.
    static func examples(_ phase: Phase, _ analysis: TrajectoryAnalysis) -> [String] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        let commands = phase.steps.filter { analysis.effective[$0].isCommand }
        let useful = commands.filter { !housekeeping.contains(analysis.effective[$0].family.split(separator: " ").first.map(String.init) ?? "") }
        for index in useful {
            let family = analysis.effective[index].family
            guard !family.isEmpty else { continue }
            if counts[family] == nil { order.append(family) }
            counts[family, default: 0] += 1
        }
        return order.enumerated().sorted { a, b in
            let (ca, cb) = (counts[a.element] ?? 0, counts[b.element] ?? 0)
            return ca != cb ? ca > cb : a.offset < b.offset
        }.prefix(2).map(\.element)
    }

    static func step(for phase: Phase, analysis: TrajectoryAnalysis, firstChange: Bool) -> WorkflowStep? {
        let steps = phase.steps.map { analysis.effective[$0] }
        let categories = Set(steps.map(\.category))
        let families = examples(phase, analysis)
        let example = families.isEmpty ? nil : families.joined(separator: "; ")
        let category: StepCategory
        var action: String
        switch phase.kind {
        case .investigate:
            let binary = steps.contains { ["decompile", "disassemble", "objdump", "strings", "xxd", "readelf", "checksec", "file"].contains($0.family.split(separator: " ").first.map(String.init) ?? "") }
            if binary {
                category = .inspect
                action = "Inspect the binary or data before acting on it"
            } else if categories == [.search] {
                category = .search
                action = phase.beforeChange ? "Search the code for the names and messages in the task" : "Search for the other places the change affects"
            } else if categories == [.inspect] {
                category = .inspect
                action = phase.beforeChange ? "Read the code involved" : "Read the code again around the change"
            } else {
                category = .search
                action = phase.beforeChange ? "Locate the code involved and read it" : "Locate and read the code the change touches"
            }
        case .reproduce:
            category = .reproduce
            action = "Reproduce the problem with a small script before changing anything"
        case .setup:
            category = .install
            action = "Install or configure what the project needs"
        case .change:
            category = .edit
            if analysis.taskKind == .securityChallenge {
                // The work of a challenge is a script that solves it, not a change to a code base.
                action = firstChange ? "Write the script that solves it" : "Adjust the script"
            } else {
                action = firstChange ? "Make the change" : "Adjust the change"
            }
            if phase.repeated { action += ", one part at a time" }
        case .check:
            category = categories.contains(.test) ? .test : categories.contains(.build) ? .build : .run
            let scratch = analysis.scratchFiles
            let scriptsOnly = steps.allSatisfy { $0.runs.map(scratch.contains) ?? false }
            switch category {
            case _ where scriptsOnly: action = "Check the change with a small script"
            case .test: action = phase.beforeChange ? "Run the relevant tests to see the failure" : "Run the relevant tests"
            case .build: action = "Build or type-check the project"
            default: action = "Check the change with a small script"
            }
        case .confirm:
            category = .reproduce
            action = "Rerun the reproduction to confirm the fix"
        case .run:
            category = .run
            action = phase.beforeChange ? "Run the program to see how it behaves" : "Run the program to check the change"
        case .review:
            category = .versionControl
            action = phase.beforeChange ? "Check the repository state before starting (status, log)" : "Review the change set (status, diff)"
        case .commit:
            category = .versionControl
            action = "Commit the change"
        case .lookup:
            category = .web
            action = "Look up the documentation of the tool or the error"
        case .delegate:
            category = .other
            action = "Delegate a self-contained sub-task to a sub-agent"
        case .cleanup:
            category = .edit
            action = "Remove the scratch scripts"
        case .submit:
            category = .other
            action = "Submit the change"
        }
        return WorkflowStep(category: category.rawValue, action: action, example: example)
    }

    /// A repeated failure as the lesson it teaches.
    static func step(for lesson: Lesson) -> WorkflowStep {
        let problem = lesson.editFailure?.phrase ?? lesson.error?.phrase ?? "a failure"
        if let remedy = lesson.remedy {
            var what = InsightPhrasing.imperative(remedy.category)
            if lesson.editFailure == .notRead, remedy.category == .inspect { what = "read the file first (the edit tool refuses otherwise)" }
            return WorkflowStep(
                category: remedy.category.rawValue,
                action: "If `\(lesson.failing)` fails with \(problem), \(what) before trying again; repeating it unchanged did not help",
                example: remedy.family.isEmpty ? nil : remedy.family)
        }
        return WorkflowStep(
            category: StepCategory.other.rawValue,
            action: "Do not keep retrying `\(lesson.failing)` after \(problem): it failed every time; read the error and change the approach",
            example: lesson.failing.isEmpty ? nil : lesson.failing)
    }

    /// When to use the routine: the kind of task, the kind of project, and the shape of the work.
    static func goal(_ analysis: TrajectoryAnalysis, phases: [Phase], negative: Bool) -> String {
        let situation = analysis.taskKind.situation
        let project = projectPhrase(analysis.languages)
        // The shape of the work in its natural order, whatever order the phases came in.
        let kinds = Set(phases.map(\.kind))
        let checksAfterChange = phases.contains { $0.kind == .check && !$0.beforeChange }
        var verbs: [String] = []
        if kinds.contains(.investigate) { verbs.append("locate the code") }
        if kinds.contains(.reproduce) { verbs.append("reproduce the problem first") }
        if kinds.contains(.setup) { verbs.append("set up the dependencies") }
        if kinds.contains(.change) { verbs.append("change the code") }
        if checksAfterChange { verbs.append("check with the tests or a build") }
        if kinds.contains(.confirm) { verbs.append("confirm with the reproduction") }
        let shape = verbs.isEmpty ? "" : ": " + verbs.joined(separator: ", ")
        guard negative else { return "Use when \(situation) in \(project)\(shape)." }
        var reasons: [String] = []
        if let loop = analysis.lessons.first(where: { $0.remedy == nil }) {
            reasons.append("`\(loop.failing)` was retried unchanged after \(loop.editFailure?.phrase ?? loop.error?.phrase ?? "failing")")
        }
        if !analysis.primaryEdits.isEmpty, !analysis.checkedAfterLastEdit { reasons.append("the last change was never checked") }
        if let last = analysis.effective.last(where: { $0.category == .test }), last.failed { reasons.append("the last test run still failed") }
        let why = reasons.isEmpty ? "" : "; it failed because " + reasons.joined(separator: " and ")
        return "What not to do when \(situation) in \(project)\(why)."
    }

    static func projectPhrase(_ languages: [String]) -> String {
        guard let first = languages.first else { return "a software project" }
        let article = ["A", "E", "I", "O", "U"].contains(first.prefix(1)) ? "an" : "a"
        return "\(article) \(first) project"
    }
}

extension TaskKind {
    /// The kind of task as the situation a routine is for ("a reported bug must be fixed").
    var situation: String {
        switch self {
        case .fixBug: "a reported bug must be fixed"
        case .debugFailure: "something fails to start or run and must be debugged"
        case .implementFeature: "a feature must be implemented"
        case .writeTests: "tests must be added or repaired"
        case .refactor: "code must be restructured without changing its behaviour"
        case .analyzeCodebase: "a code base must be analyzed and documented"
        case .setUpProject: "a project must be set up and run"
        case .securityChallenge: "a security challenge (capture the flag) must be solved"
        case .general: "a coding task must be completed"
        }
    }
}
