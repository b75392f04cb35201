import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCLI

@Suite("mnem capture")
struct CaptureCommandTests {
    let dir = TemporaryDirectory("capture-cli")

    /// A mini-swe-agent run: `commands` each with its output, then the submit step.
    func miniRun(_ commands: [(String, String)]) -> String {
        var messages: [JSONValue] = [
            ["role": "system", "content": "You are a helpful assistant."],
            ["role": "user", "content": "Please solve this issue: add() subtracts.\n\nIt should add.\n\nYou can execute bash commands and edit files."],
        ]
        for (n, (command, output)) in commands.enumerated() {
            messages.append(["role": "assistant", "content": .string("Step \(n)."), "extra": ["actions": [["command": .string(command), "tool_call_id": .string("c\(n)")]]],
                             "tool_calls": [["id": .string("c\(n)"), "type": "function", "function": ["name": "bash", "arguments": .string("{}")]]]])
            messages.append(["role": "tool", "tool_call_id": .string("c\(n)"), "content": .string(output), "extra": ["raw_output": .string(output), "returncode": 0]])
        }
        let info: JSONValue = ["exit_status": "Submitted", "submission": "", "mini_version": "2.4.6", "config": ["model": ["model_name": "openai/standin"]]]
        return CanonicalJSON.compactString(["trajectory_format": "mini-swe-agent-1.1", "info": info, "messages": .array(messages)])
    }

    @Test("--dry-run reads the pool and says what a real run would do; --json shows the trajectories")
    func dryRunReadsThePool() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        #expect(cli.run(["init", pool]).code == 0)
        let path = dir.file("calc.traj.json")
        try miniRun([("cat calc.py", "def add(a, b): return a - b")]).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(cli.run(["capture", "--pool", pool, path]).code == 0)

        let same = cli.run(["capture", "--pool", pool, "--dry-run", path])
        #expect(same.code == 0)
        #expect(same.stdout.contains("unchanged "))
        #expect(same.stdout.contains("0 would be captured, 1 unchanged"))

        try miniRun([("cat calc.py", "def add(a, b): return a - b"), ("python -m pytest -q", "1 passed in 0.01s")])
            .write(toFile: path, atomically: true, encoding: .utf8)
        let grown = cli.run(["capture", "--pool", pool, "--dry-run", "--json", path])
        #expect(grown.code == 0, "\(grown.stderr)")
        let report = try JSONParser.parse(grown.stdout)
        #expect(report["dryRun"]?.boolValue == true)
        #expect(report["captured"]?.arrayValue?.first?["supersedes"]?.arrayValue?.count == 1)
        let trajectory = try #require(report["trajectories"]?.arrayValue?.first)
        let memory = try Memory(json: trajectory, idPolicy: .mustMatch)
        guard case .trajectory(let t) = memory.body else { throw TestFailure("not a trajectory") }
        #expect(t.steps.map(\.input) == ["cat calc.py", "python -m pytest -q"])
        #expect(memory.outcome == .success && memory.outcomeEvidence?.signal == .test)
        #expect(t.firstUserMessage?.contains("It should add.") == true)
        #expect(memory.task == "add() subtracts.\n\nIt should add.")
        // Nothing was written.
        #expect(try Pool.open(at: pool).history().count == 1)
    }

    @Test("skipped files and sessions are reported on standard error, one line each")
    func skippedGoesToStandardError() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        #expect(cli.run(["init", pool]).code == 0)
        let good = dir.file("in/good.traj.json")
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        try miniRun([("ls", "calc.py")]).write(toFile: good, atomically: true, encoding: .utf8)
        try "just some notes\n".write(toFile: dir.file("in/notes.txt"), atomically: true, encoding: .utf8)
        try "".write(toFile: dir.file("in/empty.jsonl"), atomically: true, encoding: .utf8)
        for json in [false, true] {
            let result = cli.run(["capture", "--pool", pool, "--dry-run", dir.file("in")] + (json ? ["--json"] : []))
            #expect(result.code == 0)
            let skippedLines = result.stderr.split(separator: "\n").filter { $0.contains("skipped") }
            #expect(skippedLines.count == 2, "\(result.stderr)")
            #expect(skippedLines.allSatisfy { $0.contains("notes.txt") || $0.contains("empty.jsonl") })
            #expect(!result.stdout.contains("skipped \(dir.file("in"))"))
        }
    }
}
