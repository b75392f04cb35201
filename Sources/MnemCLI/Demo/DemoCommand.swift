import Foundation
import MnemCore

/// `mnem demo`: mnem's main job on its embedded defaults, in a throwaway pool.
struct DemoCommand: Command {
    static let name = "demo"
    static let abstract = "Run mnem end to end on built-in example memories in a temporary pool"
    static let help = """
        Usage: mnem demo [--keep]

          --keep        keep the temporary pool and print its path

        Creates a pool in a temporary directory, captures the example agent sessions mnem ships,
        compacts them into workflows, summaries and insights, and shows list, provenance, log and
        stats on the result.
        """

    var keep: Bool

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        keep = args.flag("--keep")
    }

    func run(_ console: Console) throws -> Int32 {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-demo-\(UUID().uuidString.prefix(8))").path
        defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }
        let poolPath = directory + "/pool"
        func step(_ title: String, _ arguments: [String]) throws {
            console.out("")
            console.out("$ mnem \(arguments.joined(separator: " "))    # \(title)")
            let code = MnemCLI.run(arguments + ["--pool", poolPath], console: console)
            guard code == 0 else { throw PoolError("demo step 'mnem \(arguments.joined(separator: " "))' failed with exit \(code)") }
        }
        try step("create a pool", ["init", poolPath])

        let sessions = directory + "/sessions"
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true)
        for session in DemoSessions.all {
            try Data(CanonicalJSON.document(DemoSessions.document(session))).write(to: URL(fileURLWithPath: "\(sessions)/\(session.instance).traj.json"))
        }
        try step("capture \(DemoSessions.all.count) agent sessions into trajectories", ["capture", sessions])
        try step("capture them again: nothing new, ids come from content", ["capture", sessions])
        try step("compact: workflows and summaries per trajectory, insights across domains", ["compact"])
        try step("the pool, most abstract first", ["list"])
        try step("search it (static embedding model, memory-mapped index built on first use)", ["search", "the test suite fails after my change", "-k", "5"])
        try step("the block a SessionStart hook injects into the next session", ["context", "fix a bug where totals are rounded wrong", "--budget", "400"])
        if let insight = try Pool.open(at: poolPath).memories(kinds: [.insight]).sorted(by: { $0.id < $1.id }).first {
            try step("an insight and where it came from", ["show", "--provenance", String(insight.id.rawValue.prefix(8))])
        }

        let examples = directory + "/examples.jsonl"
        let lines = ExampleMemories.all.map { CanonicalJSON.compactString($0.jsonObject()) }.joined(separator: "\n") + "\n"
        try lines.write(toFile: examples, atomically: true, encoding: .utf8)
        try step("add hand-written memories (a JSON object, array, or JSON lines)", ["add", examples, "-m", "add example memories"])
        try step("the pool's history: every commit says what it added, from which agent and model", ["log"])
        try step("what the pool holds", ["stats"])
        console.out("")
        console.out(keep ? "The pool is at \(poolPath) (a bare git repository: try 'git -C \(poolPath) log --stat')." : "Done; the temporary pool was removed (use --keep to keep it).")
        return 0
    }
}

/// The example memories mnem ships: one of each kind, in the shape the paper describes.
enum ExampleMemories {
    static let source = MemorySource(agent: "mnem-examples", agentVersion: MnemCLI.version, model: "hand-written")

    static let all: [Memory] = [
        Memory(
            body: .insight(
                Insight(
                    title: "Run the tests after the last edit",
                    description: "Sessions that ran the test suite after their final edit succeeded far more often than those that stopped at the edit.",
                    content: "After the last change, run the project's tests (or the narrowest test that covers the change) before declaring the task done. A passing run after the final edit is the evidence that the change works.")),
            task: "Cross-task validation habit", domain: "general", outcome: .success, source: source, tags: ["validation"]),
        Memory(
            body: .insight(
                Insight(
                    title: "Reproduce before fixing",
                    description: "Writing a minimal reproduction before editing turns a vague bug report into a check that tells when the fix works.",
                    content: "Before changing code for a bug, write the smallest script or test that shows the failure and run it. Keep it, and run it again after the fix.")),
            task: "Cross-task debugging habit", domain: "general", outcome: .success, source: source, tags: ["debugging"]),
        Memory(
            body: .insight(
                Insight(
                    title: "Read a file before editing it",
                    description: "Edits made without first inspecting the surrounding code are the ones most often reverted.",
                    content: "Open the region you are about to change and the call sites that depend on it; match the file's conventions; then make the smallest edit that solves the task.")),
            task: "Cross-task safe-editing habit", domain: "general", outcome: .success, source: source, tags: ["editing"]),
        Memory(
            body: .summary(
                Summary(
                    taskSummary: "Fix a date parser that rejected ISO 8601 timestamps with a UTC offset.",
                    experience: Experience(
                        environment: "Python 3.11 library with pytest; no network.",
                        actions: "Reproduced the failure with a one-line script, read the parser, widened the offset pattern, added a regression test, ran the suite.",
                        results: "The new test and the existing 214 tests passed.",
                        why: "The reproduction made the failing input explicit, and running the full suite after the edit showed nothing else broke."))),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success, source: source),
        Memory(
            body: .workflow(
                Workflow(
                    goal: "Fix a failing parser for a specific input format",
                    steps: [
                        WorkflowStep(category: "reproduce", action: "Write <repro.py> that calls the parser on the failing input"),
                        WorkflowStep(category: "inspect", action: "Read the parsing function in <module.py>"),
                        WorkflowStep(category: "edit", action: "Change the pattern to accept the missing case"),
                        WorkflowStep(category: "test", action: "Add a regression test in <test_module.py> and run the test suite"),
                    ])),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success, source: source),
        Memory(
            body: .trajectory(
                Trajectory(steps: [
                    TrajectoryStep(tool: "bash", input: "python -c 'import dates; dates.parse(\"2024-01-01T00:00:00+02:00\")'", observation: "ValueError: unsupported offset", exitStatus: 1),
                    TrajectoryStep(tool: "bash", input: "sed -n 1,40p dates.py", observation: "OFFSET = re.compile(r\"Z$\")", exitStatus: 0),
                    TrajectoryStep(tool: "edit", input: "dates.py: OFFSET = re.compile(r\"(Z|[+-]\\d\\d:\\d\\d)$\")", observation: "applied", exitStatus: 0),
                    TrajectoryStep(tool: "bash", input: "pytest -q", observation: "215 passed in 1.92s", exitStatus: 0),
                ])),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success, source: source),
    ]
}
