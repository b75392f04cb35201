import MnemCore

/// Builds a trajectory's workflow: its steps classified, retries and no-ops collapsed, concrete
/// values abstracted, and the goal stated as an abstract task. A failed trajectory gives a
/// negative workflow: what not to do.
enum WorkflowBuilder {
    /// Workflows longer than this end with a note that the rest was left out.
    static let maxSteps = 40

    static func workflow(_ analysis: TrajectoryAnalysis) -> Workflow {
        var steps: [WorkflowStep] = []
        var run: (step: ClassifiedStep, count: Int, failures: Int)?
        func flush() {
            guard let (step, count, failures) = run else { return }
            var action = step.action
            if count > 1 {
                action += failures == count ? " (repeated \(count) times, every attempt failed)" : " (repeated \(count) times)"
            } else if failures == 1, let error = step.errorClass {
                action += " (failed with \(error.phrase))"
            }
            steps.append(WorkflowStep(category: step.category.rawValue, action: action))
        }
        for step in analysis.effective {
            if let current = run, current.step.signature == step.signature {
                run = (current.step, current.count + 1, current.failures + (step.failed ? 1 : 0))
            } else {
                flush()
                run = (step, 1, step.failed ? 1 : 0)
            }
        }
        flush()
        if steps.count > maxSteps {
            let left = steps.count - maxSteps
            steps = Array(steps.prefix(maxSteps))
            steps.append(WorkflowStep(category: StepCategory.other.rawValue, action: "… \(left) more steps"))
        }
        let negative = analysis.memory.outcome == .failure
        return Workflow(goal: goal(analysis, negative: negative), steps: steps, negative: negative)
    }

    static func goal(_ analysis: TrajectoryAnalysis, negative: Bool) -> String {
        var text = analysis.taskKind.goal
        text += " in " + projectPhrase(analysis.languages)
        var order: [StepCategory] = []
        for step in analysis.effective where !order.contains(step.category) && step.category != .other { order.append(step.category) }
        if !order.isEmpty { text += " (" + order.map(\.phrase).joined(separator: ", ") + ")" }
        guard negative else { return text }
        var reasons: [String] = []
        if analysis.longestFailingRetryRun >= 3 {
            reasons.append("the same failing action was retried \(analysis.longestFailingRetryRun) times without converging")
        }
        if analysis.editCount > 0, !analysis.patterns.contains(.validatedAfterLastEdit) {
            reasons.append("the last edit was never validated")
        }
        if let last = analysis.effective.last(where: { $0.category == .test }), last.failed { reasons.append("the last test run still failed") }
        let why = reasons.isEmpty ? "" : "; it failed because " + reasons.joined(separator: " and ")
        return "What not to do: " + text + why
    }

    static func projectPhrase(_ languages: [String]) -> String {
        guard let first = languages.first else { return "a software project" }
        let article = ["A", "E", "I", "O", "U"].contains(first.prefix(1)) ? "an" : "a"
        return "\(article) \(first) project"
    }
}
