import Foundation
import MnemCLI
import MnemCapture
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// The environment every CLI call in these tests runs with: no user configuration leaks in.
let testEnvironment = ["MNEM_AUTHOR_NAME": "mnem tests", "MNEM_AUTHOR_EMAIL": "tests@mnem.invalid", "HOME": "/nonexistent"]

/// Runs `mnem` in-process against `pool`; returns the exit code and the captured console.
@discardableResult
func mnem(_ arguments: [String], pool: String, environment: [String: String] = [:]) -> (status: Int32, console: Console) {
    let console = Console.captured(environment: testEnvironment.merging(environment) { $1 }, currentDirectory: "/")
    let status = MnemCLI.run(["--pool", pool] + arguments, console: console)
    return (status, console)
}

/// A fresh pool in a temporary directory.
func makePool(_ directory: TemporaryDirectory) throws -> (Pool, String) {
    let path = directory.file("pool")
    return (try Pool.create(at: path), path)
}

/// Number of commits on the pool's branch.
func commitCount(_ pool: Pool) throws -> Int { try pool.history().count }

/// Captures every transcript of the shared corpus into `pool`.
func captureCorpus(into pool: Pool) throws -> CaptureSummary {
    guard let corpus = Locations.corpus else { throw TestFailure("no corpus") }
    var options = CaptureOptions()
    options.capturedAt = "2026-01-01T00:00:00Z"
    return try Capturer(pool: pool, options: options).capture(paths: [corpus])
}

/// A hand-made trajectory; a known outcome carries evidence, as capture records it.
func trajectory(
    _ task: String, domain: String, outcome: Outcome, steps: [(String, String, String, Int?)], agent: String = "test-agent",
    session: String? = nil, reasoning: [Int: String] = [:], result: TrajectoryResult? = nil, firstUserMessage: String? = nil,
    evidence: OutcomeEvidence? = nil
) -> Memory {
    let trajectorySteps = steps.enumerated().map { index, step in
        TrajectoryStep(tool: step.0, input: step.1, observation: step.2, exitStatus: step.3, reasoning: reasoning[index])
    }
    let decided = evidence ?? (outcome == .unknown ? nil : OutcomeEvidence(signal: .test, detail: "the last check after the last edit", step: steps.count - 1))
    return Memory(
        body: .trajectory(Trajectory(steps: trajectorySteps, firstUserMessage: firstUserMessage, result: result)),
        task: task, domain: domain, outcome: outcome, outcomeEvidence: decided,
        source: MemorySource(agent: agent, model: "model-x", sessionId: session ?? "session-\(domain)-\(task.count)"))
}

/// A session that meets a missing module in its reproduction script, installs the package, gets
/// further, fixes the code and confirms with the script and the tests.
func recoveringTrajectory(_ n: Int, domain: String) -> Memory {
    trajectory(
        "Fix the crash in parser number \(n) when input is empty", domain: domain, outcome: .success,
        steps: [
            ("bash", "grep -rn parse_input src/\(domain)/", "src/\(domain)/core.py:10: def parse_input", 0),
            ("bash", "cat src/\(domain)/core.py", "def parse_input(x): ...", 0),
            ("bash", "cat > repro_\(n).py << 'EOF'\nfrom \(domain) import core\ncore.parse_input('')\nEOF\npython repro_\(n).py", "Traceback (most recent call last):\nModuleNotFoundError: No module named 'yaml'", 1),
            ("bash", "pip install pyyaml\(n)", "Successfully installed", 0),
            ("bash", "python repro_\(n).py", "Traceback (most recent call last):\nValueError: empty", 1),
            ("str_replace_editor", "{\"command\":\"str_replace\",\"path\":\"/repo/\(domain)/core.py\",\"old_str\":\"a\",\"new_str\":\"b\"}", "The file has been edited.", nil),
            ("bash", "python repro_\(n).py", "ok", 0),
            ("bash", "python -m pytest tests/test_core.py -q 2>&1 | tail -n 5", "5 passed in 0.1s", 0),
            ("bash", "git diff", "diff --git a/core.py", 0),
        ],
        reasoning: [5: "The problem is that parse_input indexes the first character without checking for an empty string."],
        result: TrajectoryResult(
            patch: "diff --git a/\(domain)/core.py b/\(domain)/core.py\n--- a/\(domain)/core.py\n+++ b/\(domain)/core.py\n@@ -10,3 +10,3 @@ def parse_input(x):\n-    return x[0]\n+    return x[0] if x else None\n",
            finalMessage: "I fixed the crash by returning None for empty input; the reproduction and the tests pass now."))
}

/// A session that edits, then reruns a failing build unchanged four times.
func loopingTrajectory(_ n: Int, domain: String) -> Memory {
    trajectory(
        "Add a retry option to client \(n)", domain: domain, outcome: .failure,
        steps: [
            ("Edit", "{\"file_path\":\"/work/\(domain)/client_\(n).ts\",\"old_string\":\"x\",\"new_string\":\"y\"}", "ok", nil),
            ("bash", "npm run build", "error TS2304: Cannot find name 'retry'", 2),
            ("bash", "npm run build", "error TS2304: Cannot find name 'retry'", 2),
            ("bash", "npm run build", "error TS2304: Cannot find name 'retry'", 2),
            ("bash", "npm run build", "error TS2304: Cannot find name 'retry'", 2),
        ],
        evidence: OutcomeEvidence(signal: .build, detail: "npm run build exited 2 after the last edit", step: 4))
}

/// Six small trajectories over three domains: the ones that recover and check succeed, the
/// ones that loop on a failing build fail.
func handMadeTrajectories() -> [Memory] {
    var out: [Memory] = []
    for (n, domain) in ["alpha-lib", "beta-service", "gamma-tool"].enumerated() {
        out.append(recoveringTrajectory(n, domain: domain))
        out.append(loopingTrajectory(n, domain: domain))
    }
    return out
}

extension Memory {
    var insight: Insight? { if case .insight(let i) = body { return i } else { return nil } }
    var workflow: Workflow? { if case .workflow(let w) = body { return w } else { return nil } }
    var steps: [TrajectoryStep] { if case .trajectory(let t) = body { return t.steps } else { return [] } }
}

/// Validates memories against `schema/` with python jsonschema; nil when they are valid, else
/// what the validator printed. Throws a skip-worthy failure when python3 or jsonschema is missing.
func schemaProblems(_ memories: [Memory]) throws -> String? {
    let validator = Locations.packageRoot + "/schema/validate.py"
    let lines = memories.map { CanonicalJSON.compactString($0.jsonObject()) }.joined(separator: "\n") + "\n"
    let result = try Shell.run("python3", [validator, "-"], stdin: Data(lines.utf8))
    return result.status == 0 ? nil : result.stdout + result.stderr
}
