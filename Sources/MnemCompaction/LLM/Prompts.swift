import Foundation
import MnemCore

/// The LLM compactor's prompts: one call per trajectory, asking for its summary, its workflow
/// and up to two insights in one JSON object, in the structure of the paper's prompts
/// (`harbor/experiments/prompts/memory.py` in MemoryTransferLearning): think first about why the
/// trajectory succeeded or failed, then write the memories; insights are a title, one sentence of
/// description and one to three sentences of content, and never name specific files, queries or
/// strings; a failed trajectory gives lessons and a workflow of what not to do.
enum Prompts {
    static let system = """
        You are an expert in repository-level code editing. You read the trajectory of a coding agent \
        (its actions, what they returned, and its reasoning) and write memories for mnem, a memory pool \
        shared by coding agents across many unrelated tasks, repositories and languages. A memory is only \
        useful if it helps an agent on a different task later, so prefer reusable procedure and judgement \
        over the specifics of this task. Answer with exactly one JSON object and nothing else: no prose, \
        no Markdown, no code fences.
        """

    static let categories = StepCategory.allCases.map(\.rawValue).joined(separator: ", ")

    /// The instructions for the kinds asked, then the trajectory.
    static func user(kinds: [MemoryKind], outcome: Outcome, trajectory: String) -> String {
        var lines: [String] = []
        switch outcome {
        case .success:
            lines.append("This trajectory succeeded. First think about why it succeeded: the actions, checks and decisions that made the difference.")
        case .failure:
            lines.append("This trajectory failed. First reflect on why it failed: the wrong assumptions, the missing checks, the approach that did not converge.")
        case .unknown:
            lines.append("The outcome of this trajectory was not recorded. First judge from its evidence (the last checks, the errors, the agent's final message) how it went and why.")
        }
        lines.append("Put that reasoning, in two or three sentences, in \"analysis\". Then write:")
        if kinds.contains(.insight) {
            let what = outcome == .failure
                ? "lessons learned or strategies that would have prevented the failure"
                : "insights that made the work succeed and would help on similar tasks"
            lines.append(
                "- \"insights\": at most two memory items, \(what); do not repeat one idea twice. Each is {\"title\": a short title, "
                    + "\"description\": one sentence, \"content\": one to three sentences}. Never mention specific files, paths, "
                    + "repositories, packages, functions, identifiers, queries or string contents: state the generalizable insight.")
        }
        if kinds.contains(.summary) {
            lines.append(
                "- \"summary\": {\"taskSummary\": two or three sentences on what needed to be changed or built and in what kind of codebase, "
                    + "\"environment\": languages, tools and runtime, \"actions\": the key actions in order of importance, "
                    + "\"results\": exit codes, test results and the final state, \"why\": why it \(outcome == .failure ? "failed" : "succeeded"), naming the root cause "
                    + "and the fix (or the attempted fix) in words a teammate could act on}. Use only evidence in the trajectory; the summary may name this task's files.")
        }
        if kinds.contains(.workflow) {
            let goal = outcome == .failure
                ? "a goal that starts with \"What not to do:\" and says when this mistake tends to happen"
                : "a goal that says when to use this routine"
            lines.append(
                "- \"workflow\": {\"goal\": \(goal), \"steps\": 1 to 12 steps, each {\"category\": one of \(categories), "
                    + "\"action\": an abstract action, \"example\": the command family as an example with every concrete value replaced "
                    + "by a placeholder (<file.py> keeping the extension, <dir>, <path>, <test>, <url>, <number>, <identifier>, <string>)}}. "
                    + "A reusable routine, not a log: merge repeated attempts into the lesson they teach. No task-specific names.")
        }
        let keys = ["\"analysis\""] + kinds.compactMap { ["insight": "\"insights\"", "summary": "\"summary\"", "workflow": "\"workflow\""][$0.rawValue] }
        lines.append("Answer with one JSON object with the keys " + keys.joined(separator: ", ") + ".")
        return lines.joined(separator: "\n") + "\n\n" + trajectory
    }

    /// The trajectory as the prompt shows it: the task, the outcome, the steps (inputs, exit
    /// codes, observations and reasoning cut short), the final message and patch, within `limit` characters.
    static func render(_ memory: Memory, limit: Int = 14_000) -> String {
        var lines = ["Task: " + String(memory.task.prefix(1_500)), "Outcome: \(memory.outcome.rawValue)"]
        if let evidence = memory.outcomeEvidence { lines.append("Outcome evidence: \(evidence.signal.rawValue): \(evidence.detail.firstLine(limit: 200))") }
        lines.append("Steps:")
        var steps: [TrajectoryStep] = []
        var result: TrajectoryResult?
        if case .trajectory(let trajectory) = memory.body {
            steps = trajectory.steps
            result = trajectory.result
        }
        var shown: [(Int, TrajectoryStep)] = Array(steps.enumerated())
        if shown.count > 60 { shown = Array(shown.prefix(40)) + Array(shown.suffix(20)) }
        var ending: [String] = []
        if let message = result?.finalMessage, !message.isEmpty { ending.append("Final message: " + clip(message, 800)) }
        if let patch = result?.patch, !patch.isEmpty { ending.append("Final patch:\n" + String(patch.prefix(1_500))) }
        let budget = limit - ending.reduce(0) { $0 + $1.count }
        var used = lines.joined(separator: "\n").count
        var previous = -1
        for (index, step) in shown {
            if index != previous + 1 { lines.append("… \(index - previous - 1) steps left out …") }
            previous = index
            let status = step.exitStatus.map { " [exit \($0)]" } ?? (step.isError == true ? " [error]" : "")
            var entry = ""
            if let reasoning = step.reasoning, !reasoning.isEmpty { entry += "   (thinking: " + clip(reasoning, 200) + ")\n" }
            entry += "\(index + 1). \(step.tool): \(clip(step.input, 300))\(status)"
            if !step.observation.isEmpty { entry += "\n   → " + clip(step.observation, 300) }
            if used + entry.count > budget {
                lines.append("… the rest left out …")
                break
            }
            used += entry.count + 1
            lines.append(entry)
        }
        return (lines + ending).joined(separator: "\n")
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ⏎ ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}
