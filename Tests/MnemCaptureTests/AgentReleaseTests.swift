import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCapture

/// Transcripts written by the current releases of mini-swe-agent (2.4.6) and aider (0.86.2),
/// driven by `scripts/agent-releases.sh` against its scripted stand-in model: look at the code,
/// run the failing test, edit, run the test again, submit. One per config each agent ships.
struct AgentRun: Sendable, CustomStringConvertible {
    var file: String
    var tools: [String]
    var outcome: Outcome
    var signal: OutcomeSignal?
    var domain = "python"
    var description: String { file }
}

let agentRuns: [AgentRun] = [
    // mini-swe-agent: tool calls (mini.yaml), ```mswea_bash_command blocks (mini_textbased.yaml,
    // swebench_backticks.yaml) and <mswea_bash_command> tags (swebench_xml.yaml).
    AgentRun(file: "mini-toolcall.traj.json", tools: ["bash", "bash", "bash", "bash", "submit"], outcome: .success, signal: .test),
    AgentRun(file: "mini-textbased.traj.json", tools: ["bash", "bash", "bash", "bash", "submit"], outcome: .success, signal: .test),
    AgentRun(file: "mini-swebench-backticks.traj.json", tools: ["bash", "bash", "bash", "bash", "bash", "submit"], outcome: .success, signal: .test),
    AgentRun(file: "mini-swebench-xml.traj.json", tools: ["bash", "bash", "bash", "bash", "bash", "submit"], outcome: .success, signal: .test),
    // Submitted right after the edit, with no check since and nothing said about one: unknown.
    AgentRun(file: "mini-no-check.traj.json", tools: ["bash", "bash", "bash", "submit"], outcome: .unknown, signal: nil),
    // Stopped by the harness: a step limit, a wall-time limit.
    // Two steps say too little about the language: the domain stays general.
    AgentRun(file: "mini-step-limit.traj.json", tools: ["bash", "bash"], outcome: .failure, signal: .harness, domain: "general"),
    AgentRun(file: "mini-wall-time.traj.json", tools: ["bash"], outcome: .failure, signal: .harness, domain: "general"),
    // aider: whole-file, diff, diff-fenced and udiff edits, a suggested command the user agreed
    // to (udiff teaches none), `/run` only.
    AgentRun(file: "aider-whole.chat.history.md", tools: ["edit", "git-commit"], outcome: .unknown, signal: nil),
    AgentRun(file: "aider-diff.chat.history.md", tools: ["edit", "git-commit", "shell"], outcome: .unknown, signal: nil),
    AgentRun(file: "aider-diff-fenced.chat.history.md", tools: ["edit", "git-commit", "shell"], outcome: .unknown, signal: nil),
    AgentRun(file: "aider-udiff.chat.history.md", tools: ["edit", "git-commit"], outcome: .unknown, signal: nil),
    AgentRun(file: "aider-run-only.chat.history.md", tools: ["shell", "shell"], outcome: .unknown, signal: nil),
]

@Suite struct AgentReleaseTests {
    static let task = "add() in calc.py returns the wrong result: add(2, 3) gives -1.\n\nThe unit tests in test_calc.py show it. Make add() return the sum of its arguments, and keep mul() as it is."

    func read(_ file: String) throws -> Memory {
        let (_, summary) = try readSessions(Fixtures.path("agents/" + file))
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        return try #require(summary.memories.first)
    }

    @Test(arguments: agentRuns)
    func run(_ run: AgentRun) throws {
        let m = try read(run.file)
        #expect(m.steps.map(\.tool) == run.tools)
        #expect(m.outcome == run.outcome)
        #expect(m.outcomeEvidence?.signal == run.signal, "\(m.outcomeEvidence?.detail ?? "no evidence")")
        if run.tools.contains("submit") || run.file.hasPrefix("aider-run") == false {
            // The whole task, every paragraph of it (the `/run` session typed none).
            #expect(m.task == Self.task)
        }
        #expect(m.trajectory?.firstUserMessage?.contains("Make add() return the sum") == true || run.file.hasPrefix("aider-run"))
        // Never a temporary directory for a domain (the scratch project lives under /tmp): the
        // language, when the run touched enough Python to say so.
        #expect(m.domain == run.domain, "\(m.domainInference ?? "")")
    }

    @Test func miniKeepsTheOutputNotItsWrapper() throws {
        for file in ["mini-toolcall.traj.json", "mini-textbased.traj.json", "mini-swebench-xml.traj.json"] {
            let m = try read(file)
            let test = m.steps[1]
            #expect(test.input == "python3 -m unittest -v test_calc 2>&1")
            #expect(test.exitStatus == 1 && test.isError == true)
            // The plain output: lines, not a JSON string with escaped newlines, and not the template's tags.
            #expect(test.observation.hasPrefix("test_add (test_calc.CalcTest.test_add) ... FAIL\n"), "\(test.observation.prefix(80))")
            #expect(test.observation.contains("AssertionError: -1 != 5"))
            #expect(!test.observation.contains("\"returncode\"") && !test.observation.contains("<returncode>"))
            #expect(m.steps[3].exitStatus == 0)
        }
    }

    @Test func theSubmitStepIsNoError() throws {
        for file in ["mini-toolcall.traj.json", "mini-swebench-backticks.traj.json"] {
            let submit = try #require(try read(file).steps.last)
            #expect(submit.tool == "submit")
            #expect(submit.input.hasPrefix("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"))
            #expect(submit.exitStatus == nil && submit.isError != true)
        }
    }

    @Test func miniReasoningAndResult() throws {
        let tools = try read("mini-toolcall.traj.json")
        // The text around the call and the model's reasoning_content, for the step they led to.
        #expect(tools.steps[2].reasoning?.contains("add() returns a - b; it must return a + b.") == true)
        #expect(tools.steps[2].reasoning?.hasPrefix("Step 3:") == true)
        #expect(tools.trajectory?.result?.finalMessage == "All tests pass and the patch is what I intended. Submitting.")
        let xml = try read("mini-swebench-xml.traj.json")
        // The thought without its THOUGHT: label or action block.
        #expect(xml.steps[0].reasoning == "I need to see the repository and the function the issue is about first.")
        let patch = try #require(xml.trajectory?.result?.patch)
        #expect(patch.hasPrefix("diff --git a/calc.py b/calc.py"))
        #expect(patch.contains("\n-    return a - b\n+    return a + b\n"))
    }

    @Test func aiderStepsAndTheirReasoning() throws {
        let diff = try read("aider-diff.chat.history.md")
        #expect(diff.steps[0].input.hasPrefix("calc.py\n<<<<<<< SEARCH"))
        #expect(diff.steps[0].reasoning?.hasPrefix("add() subtracts its arguments; it should return their sum.") == true)
        // The suggested command ran, but aider kept no output: no console lines taken for it.
        let shell = diff.steps[2]
        #expect(shell.input == "python3 -m unittest -v test_calc")
        #expect(shell.observation.isEmpty && shell.exitStatus == nil)
        #expect(diff.trajectory?.result?.patch?.contains("\n-def add(a, b):\n-    return a - b\n+def add(a, b):\n+    return a + b\n") == true)

        // The file name inside the fence (diff-fenced), or a unified diff (udiff): the same edit.
        let fenced = try read("aider-diff-fenced.chat.history.md")
        #expect(fenced.steps[0].input.hasPrefix("calc.py\n<<<<<<< SEARCH"))
        #expect(fenced.trajectory?.result?.patch == diff.trajectory?.result?.patch)
        let udiff = try read("aider-udiff.chat.history.md")
        #expect(udiff.trajectory?.result?.patch?.contains("\n-    return a - b\n+    return a + b\n") == true)

        let whole = try read("aider-whole.chat.history.md")
        #expect(whole.trajectory?.result?.patch?.contains("+def mul(a, b):\n") == true)

        let runOnly = try read("aider-run-only.chat.history.md")
        #expect(runOnly.steps.map(\.input) == ["python3 -m unittest -v test_calc", "python3 -c \"import calc; print(calc.add(2, 3))\""])
        #expect(runOnly.steps.allSatisfy { $0.observation.isEmpty && $0.exitStatus == nil })
    }
}

@Suite struct CapturedSchemaTests {
    /// Every trajectory capture writes — reasoning, result, evidence included — validates against
    /// schema/ (the reference JSON Schema implementation, as CI installs it).
    @Test func capturedTrajectoriesValidate() throws {
        let probe = try Shell.run("python3", ["-c", "import jsonschema, referencing"])
        guard probe.status == 0 else {
            Issue.record("python3 with jsonschema is needed for schema validation (pip install jsonschema): \(probe.stderr)")
            return
        }
        let dir = try TemporaryDirectory()
        var paths = [Fixtures.root + "/agents", Fixtures.path("codex-rollout.jsonl"), Fixtures.path("gemini-stream.jsonl")]
        for sample in FormatSamples.all(task: "Fix the cart", command: "npm test", output: "3 passed") { paths.append(try dir.file("samples/" + sample.name, sample.contents)) }
        if Corpus.isAvailable { paths.append(Corpus.root) }
        let summary = try Capturer(pool: nil, options: CaptureOptions(dryRun: true)).capture(paths: paths)
        #expect(summary.memories.count > 20)
        var files: [String] = []
        for (n, memory) in summary.memories.enumerated() {
            let path = dir.path + "/out/\(n).json"
            try FileManager.default.createDirectory(atPath: dir.path + "/out", withIntermediateDirectories: true)
            try Data(memory.canonicalBytes()).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let result = try Shell.run("python3", [Locations.packageRoot + "/schema/validate.py"] + files)
        #expect(result.status == 0, "\(result.stdout.prefix(2000))\(result.stderr.prefix(2000))")
    }
}
