import Foundation
import MnemCore

/// The prompts of the LLM compactor: one per memory kind, separate for successful and failed
/// trajectories, each asking for one JSON object in the shape the pool stores.
enum Prompts {
    static let system = """
        You distil coding-agent trajectories into memories for mnem, a memory pool shared by coding agents \
        across many unrelated tasks, repositories and languages. A memory is only useful if it helps an agent \
        on a different task, so prefer reusable procedure and judgement over specifics. \
        Answer with exactly one JSON object and nothing else: no prose, no Markdown, no code fences.
        """

    static let categories = StepCategory.allCases.map(\.rawValue).joined(separator: ", ")

    static func user(kind: MemoryKind, outcome: Outcome, trajectory: String) -> String {
        var instruction: String
        switch (kind, outcome != .failure) {
        case (.workflow, true):
            instruction = """
                This trajectory succeeded. Extract its reusable workflow: the goal as an abstract task (no project names), \
                and the steps that mattered in order. Each step has a category (one of: \(categories)) and an action in \
                which every concrete value is replaced by a placeholder: <file.py> (keep the extension), <dir>, <path>, \
                <test>, <url>, <number>, <identifier>, <string>, <hash>. Merge retries into one step and drop steps with no effect. \
                JSON: {"goal": string, "steps": [{"category": string, "action": string}]} with 1 to 20 steps.
                """
        case (.workflow, _):
            instruction = """
                This trajectory failed. Extract a negative workflow, what not to do: a goal that starts with \
                "What not to do:" and names the approach that did not converge (for example a loop of identical retries, \
                or edits that were never validated), then the steps that led there. Each step has a category (one of: \
                \(categories)) and an action with concrete values replaced by placeholders (<file.py>, <dir>, <path>, \
                <test>, <url>, <number>, <identifier>, <string>, <hash>). \
                JSON: {"goal": string, "steps": [{"category": string, "action": string}]} with 1 to 20 steps.
                """
        case (.summary, true):
            instruction = """
                This trajectory succeeded. Summarize it: taskSummary (one or two sentences on what was asked), and the \
                experience: environment (languages, tools, runtime), actions (what was done, in order of importance), \
                results (exit codes, test results, final state) and why it succeeded, using only evidence in the trajectory. \
                JSON: {"taskSummary": string, "environment": string, "actions": string, "results": string, "why": string}
                """
        case (.summary, _):
            instruction = """
                This trajectory failed. Summarize it: taskSummary (one or two sentences on what was asked), and the \
                experience: environment (languages, tools, runtime), actions, results (exit codes, test results, errors, \
                final state) and why it failed, using only evidence in the trajectory (errors, retries, missing validation, limits). \
                JSON: {"taskSummary": string, "environment": string, "actions": string, "results": string, "why": string}
                """
        case (.insight, true):
            instruction = """
                This trajectory succeeded. State one transferable insight about how to work (a validation routine, a \
                safe editing habit, a way to diagnose), not about this task's code. It must not name any file, path, \
                repository, package, function, identifier or quoted string from the trajectory. \
                JSON: {"title": string of at most 10 words, "description": one sentence, "content": one to three sentences}
                """
        case (.insight, _):
            instruction = """
                This trajectory failed. State one transferable lesson: what an agent should do differently next time, \
                as a general habit (validation, safer editing, changing approach after repeated failures), not about this \
                task's code. It must not name any file, path, repository, package, function, identifier or quoted string \
                from the trajectory. \
                JSON: {"title": string of at most 10 words, "description": one sentence, "content": one to three sentences}
                """
        case (.trajectory, _):
            instruction = "Summarize this trajectory as JSON."
        }
        // An unrecorded outcome gets the success prompt without the claim that it succeeded.
        if outcome == .unknown {
            instruction = instruction.replacingOccurrences(
                of: "This trajectory succeeded.", with: "The outcome of this trajectory was not recorded; judge only from its evidence.")
        }
        return instruction + "\n\n" + trajectory
    }

    /// The trajectory as the prompt shows it: task, outcome, and steps with inputs, exit codes and
    /// observations cut short, within `limit` characters.
    static func render(_ memory: Memory, limit: Int = 12_000) -> String {
        var lines = ["Task: " + String(memory.task.prefix(1_500)), "Outcome: \(memory.outcome.rawValue)", "Steps:"]
        let steps: [TrajectoryStep]
        if case .trajectory(let trajectory) = memory.body { steps = trajectory.steps } else { steps = [] }
        var shown: [(Int, TrajectoryStep)] = Array(steps.enumerated())
        if shown.count > 60 { shown = Array(shown.prefix(40)) + Array(shown.suffix(20)) }
        var used = lines.joined(separator: "\n").count
        var previous = -1
        for (index, step) in shown {
            if index != previous + 1 { lines.append("… \(index - previous - 1) steps left out …") }
            previous = index
            let status = step.exitStatus.map { " [exit \($0)]" } ?? (step.isError == true ? " [error]" : "")
            var entry = "\(index + 1). \(step.tool): \(clip(step.input, 300))\(status)"
            if !step.observation.isEmpty { entry += "\n   → " + clip(step.observation, 300) }
            if used + entry.count > limit {
                lines.append("… the rest left out …")
                break
            }
            used += entry.count + 1
            lines.append(entry)
        }
        return lines.joined(separator: "\n")
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
