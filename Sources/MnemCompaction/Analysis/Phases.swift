import MnemCore

/// A stretch of a trajectory doing one kind of thing: investigating, reproducing, changing,
/// checking. Workflows are written from phases, not from single commands, so a 40-command log
/// becomes a routine of a few steps.
struct Phase: Sendable {
    enum Kind: String, Sendable {
        case investigate, reproduce, setup, change, check, confirm, run, review, commit, lookup, delegate, cleanup, submit
    }

    var kind: Kind
    /// Indexes into `TrajectoryAnalysis.effective`.
    var steps: [Int]
    /// Whether it comes before the first change of the work itself.
    var beforeChange: Bool
    /// Set when the same kinds of phases repeated and were folded into this one.
    var repeated = false
}

/// A failed attempt that was repeated, and what (if anything) got past it.
struct Lesson: Sendable {
    /// The family that kept failing.
    var failing: String
    var attempts: Int
    var error: ErrorClass?
    var editFailure: EditFailure?
    /// The step that made the difference before the attempt that worked; nil when none worked.
    var remedy: ClassifiedStep?
    /// The index (into `effective`) of the first failed attempt, to place the lesson.
    var at: Int
}

extension TrajectoryAnalysis {
    /// The phase of one step, or nil for steps that say nothing (notes, unknown tools).
    func phaseKind(_ index: Int, scratch: Set<String>, firstEdit: Int?, lastEdit: Int?) -> Phase.Kind? {
        let step = effective[index]
        let isScratch = (step.runs.map(scratch.contains) ?? false) || step.writes.contains(where: scratch.contains)
            || (step.target.map(scratch.contains) ?? false)
        if step.family.hasPrefix("rm"), step.target.map(scratch.contains) ?? false { return .cleanup }
        if isScratch {
            if let lastEdit, index > lastEdit { return .confirm }
            if let firstEdit, index > firstEdit { return .check }
            return .reproduce
        }
        switch step.category {
        case .search, .inspect: return .investigate
        case .reproduce: return firstEdit.map { index > $0 } ?? false ? .check : .reproduce
        case .install: return .setup
        case .edit: return .change
        case .test, .build: return .check
        case .run: return .run
        case .versionControl:
            let family = step.family
            return family.hasPrefix("git commit") || family.hasPrefix("git push") || family.hasPrefix("git add") || family.hasPrefix("git-commit") ? .commit : .review
        case .web: return .lookup
        case .other:
            if step.action == "submit the change" { return .submit }
            if step.action.hasPrefix("delegate") { return .delegate }
            return nil
        }
    }

    /// The trajectory as phases: consecutive steps of one kind merged, and a run of phases that
    /// repeats (change, commit, change, commit…) folded into one pass marked `repeated`.
    var phases: [Phase] {
        let scratch = scratchFiles
        let edits = primaryEdits
        var out: [Phase] = []
        for index in effective.indices {
            guard let kind = phaseKind(index, scratch: scratch, firstEdit: edits.first, lastEdit: edits.last) else { continue }
            let before = edits.first.map { index < $0 } ?? true
            if let last = out.last, last.kind == kind {
                out[out.count - 1].steps.append(index)
            } else {
                out.append(Phase(kind: kind, steps: [index], beforeChange: before))
            }
        }
        return Self.foldRepeats(out)
    }

    /// Folds a repeating run of phase kinds (A B A B A B → A B, marked repeated).
    static func foldRepeats(_ phases: [Phase]) -> [Phase] {
        var phases = phases
        var changed = true
        while changed {
            changed = false
            outer: for width in 1...3 {
                var i = 0
                while i + 2 * width <= phases.count {
                    let first = phases[i..<(i + width)].map(\.kind)
                    let second = phases[(i + width)..<(i + 2 * width)].map(\.kind)
                    if first == second, !(width == 1) {
                        for k in 0..<width {
                            phases[i + k].steps += phases[i + width + k].steps
                            phases[i + k].repeated = true
                        }
                        phases.removeSubrange((i + width)..<(i + 2 * width))
                        changed = true
                        break outer
                    }
                    i += 1
                }
            }
        }
        return phases
    }

    /// Attempts that failed more than once in a row on the same command (or the same file, for
    /// refused edits), with what got past them.
    var lessons: [Lesson] {
        let steps = effective
        var out: [Lesson] = []
        var index = 0
        while index < steps.count {
            let step = steps[index]
            guard step.failed, step.errorClass != nil || step.editFailure != nil else {
                index += 1
                continue
            }
            let identity = step.editFailure != nil ? "edit|" + (step.target ?? "") : Self.identity(step)
            func same(_ other: ClassifiedStep) -> Bool {
                step.editFailure != nil ? other.category == .edit && other.target == step.target : Self.identity(other) == identity
            }
            var attempts = 1
            var last = index
            var success: Int?
            var j = index + 1
            while j < steps.count, j <= last + 6 {
                if same(steps[j]) {
                    if steps[j].failed {
                        attempts += 1
                        last = j
                    } else {
                        success = j
                        break
                    }
                }
                j += 1
            }
            if attempts >= 2 {
                let remedy = success.flatMap { s in steps[(last + 1)..<s].last { !$0.family.isEmpty && $0.category != .other } }
                out.append(Lesson(failing: step.family, attempts: attempts, error: step.errorClass, editFailure: step.editFailure, remedy: remedy, at: index))
            }
            index = max(index + 1, last + 1)
        }
        return out
    }
}
