import Foundation
import MnemCore
import MnemGit
import Testing

@testable import MnemCapture

@Suite struct FixtureFormatTests {
    @Test func codexRollout() throws {
        let (detection, summary) = try readSessions(Fixtures.path("codex-rollout.jsonl"))
        #expect(detection == .format(.codex))
        let m = try #require(summary.memories.first)
        #expect(summary.memories.count == 1)
        // Four calls: two exec_command, one apply_patch, one shell; the compacted history is not read again.
        #expect(m.steps.map(\.tool) == ["exec_command", "exec_command", "apply_patch", "shell"])
        #expect(m.steps[0].input == "sed -n '1,40p' ledger/money.py")
        #expect(m.steps[1].exitStatus == 1)
        #expect(m.steps[1].isError == true)
        #expect(m.steps[2].input.hasPrefix("*** Begin Patch"))
        #expect(m.steps[2].exitStatus == 0)
        #expect(m.steps[3].input == "python -m pytest tests/test_invoice.py -q")
        #expect(m.steps[3].exitStatus == 0)
        #expect(m.task == "Fix the rounding bug in ledger/money.py so totals match the invoice tests")
        #expect(m.source.sessionId == "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        #expect(m.source.agent == "codex")
        #expect(m.source.agentVersion == "0.116.0")
        #expect(m.source.model == "gpt-5.3-codex")
        #expect(m.source.branch == "fix-rounding")
        #expect(m.source.commit == "3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f")
        #expect(m.source.workingDirectory == "/home/dev/projects/ledger")
        #expect(m.source.startedAt == "2026-03-02T10:00:00.000Z")
        #expect(m.source.endedAt == "2026-03-02T10:08.100Z" || m.source.endedAt == "2026-03-02T10:08:08.100Z" || m.source.endedAt?.hasSuffix("08.100Z") == true)
        #expect(m.tags.contains("compacted"))
        // The test after the last edit (the apply_patch) passed.
        #expect(m.outcome == .success)
        #expect(m.outcomeEvidence?.signal == .test)
        #expect(m.outcomeEvidence?.step == 3)
        #expect(m.domain == "ledger")
        #expect(m.domainInference == "repository https://github.com/example/ledger.git")
        // The reasoning is kept beside the step it led to, the result beside the steps.
        #expect(m.steps[0].reasoning == "Looking at money.py")
        #expect(m.trajectory?.result?.finalMessage == "Totals now round half-up to cents; both invoice tests pass.")
        let patch = try #require(m.trajectory?.result?.patch)
        #expect(patch.hasPrefix("diff --git a/ledger/money.py b/ledger/money.py\n--- a/ledger/money.py\n+++ b/ledger/money.py\n@@ @@\n"))
        #expect(patch.contains("\n+    return sum(i.price for i in items).quantize("))
        #expect(m.trajectory?.firstUserMessage == "Fix the rounding bug in ledger/money.py so totals match the invoice tests")
    }

    @Test func geminiStreamJSON() throws {
        let (detection, summary) = try readSessions(Fixtures.path("gemini-stream.jsonl"))
        #expect(detection == .format(.geminiStream))
        let m = try #require(summary.memories.first)
        #expect(m.steps.map(\.tool) == ["read_file", "replace", "run_shell_command", "run_shell_command"])
        #expect(m.steps[2].input == "npx tsc --noEmit")
        #expect(m.steps[2].isError == true)
        #expect(m.steps[2].observation.contains("TS2304"))
        #expect(m.steps[3].isError == false)
        #expect(m.task == "Add a --verbose flag to the CLI in src/cli.ts and document it in README.md")
        #expect(m.source.sessionId == "gem-7f3e2d1c")
        #expect(m.source.model == "gemini-2.5-pro")
        #expect(m.source.agent == "gemini-cli")
        // `npm test` after the last edit passed (`status: success` of the result says nothing on its own).
        #expect(m.outcome == .success)
        #expect(m.outcomeEvidence?.signal == .test)
        #expect(m.domain == "javascript")
        #expect(m.steps[0].reasoning == "I'll look at the CLI entry point first.")
        #expect(m.trajectory?.result?.finalMessage == "Added --verbose and documented it.")
        #expect(m.trajectory?.result?.patch?.contains("+quiet: { type: 'boolean' }, verbose: { type: 'boolean' }") == true)
    }

    /// Every hand-written sample reads as its format, with its step, the reasoning before it,
    /// the final message and the first user message.
    @Test(arguments: FormatSamples.all(task: "Make the build green", command: "make test", output: "ok", thought: "The tests will show what is red."))
    func sample(_ sample: FormatSamples.Sample) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file(sample.name, sample.contents)
        let (detection, summary) = try readSessions(path)
        #expect(detection == .format(sample.format))
        let m = try #require(summary.memories.first)
        #expect(m.task.contains("Make the build green"))
        let step = try #require(m.steps.first { $0.input.hasPrefix("make test") })
        #expect(m.source.format == sample.format.rawValue)
        if sample.format == .aider {
            // Aider's reply text comes before its edit, the first step.
            #expect(m.steps.first?.reasoning == "The tests will show what is red.")
        } else {
            #expect(step.reasoning?.contains("The tests will show what is red.") == true, "\(m.steps.map(\.reasoning))")
        }
        #expect(m.trajectory?.result?.finalMessage?.contains("The tests will show what is red.") == true)
        #expect(m.trajectory?.firstUserMessage?.contains("Make the build green") == true)
    }
}

extension FormatSamples.Sample: CustomStringConvertible {
    var description: String { format.rawValue + " " + name }
}

@Suite struct CapturePoolTests {
    func claudeFile(steps: Int, in dir: TemporaryDirectory, name: String = "s.jsonl") throws -> String {
        var lines: [JSONValue] = [
            FormatSamples.claudeLine(type: "user", uuid: "u0", message: ["role": "user", "content": "Speed up the checkout page"])
        ]
        for n in 0..<steps {
            lines += FormatSamples.claudeToolPair(id: "toolu_\(n)", command: "npm run build -- --step \(n)", output: "built \(n)")
        }
        return try dir.file(name, FormatSamples.lines(lines))
    }

    @Test func captureIsOneCommitAndIdempotent() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let a = try claudeFile(steps: 3, in: dir, name: "in/a.jsonl")
        _ = try dir.file("in/b.jsonl", try Fixtures.text("codex-rollout.jsonl"))
        _ = a
        let first = try Capturer(pool: pool).capture(paths: [dir.path + "/in"])
        #expect(first.captured.count == 2)
        #expect(first.commit != nil)
        #expect(try pool.history().count == 1)
        let message = try #require(try pool.history().first?.commit.message)
        #expect(message.hasPrefix("capture: 2 trajectories from claude-code, codex"))
        #expect(message.contains("Mnem-Session: 0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))

        let second = try Capturer(pool: pool).capture(paths: [dir.path + "/in"])
        #expect(second.captured.isEmpty)
        #expect(Set(second.unchanged) == Set(first.captured.map(\.id)))
        #expect(second.commit == nil)
        #expect(try pool.history().count == 1)
    }

    @Test func aResumedSessionSupersedesTheEarlierCapture() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let path = try claudeFile(steps: 2, in: dir)
        let first = try Capturer(pool: pool).capture(paths: [path])
        let old = try #require(first.captured.first?.id)
        _ = try claudeFile(steps: 5, in: dir)  // the session went on: same id, more steps
        let second = try Capturer(pool: pool).capture(paths: [path])
        let new = try #require(second.captured.first)
        #expect(new.steps == 5)
        #expect(new.supersedes == [old])
        #expect(try pool.memory(new.id)?.supersedes == [old])
        _ = try claudeFile(steps: 6, in: dir)
        let third = try Capturer(pool: pool).capture(paths: [path])
        #expect(third.captured.first?.supersedes == [new.id])
    }

    @Test func anAppendedAiderRunLeavesEarlierRunsUnchanged() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let run1 = FormatSamples.aider(task: "Add a settings file", command: "python -m pytest", output: "TOKEN = 1")
        let path = try dir.file("repo/.aider.chat.history.md", run1)
        let first = try Capturer(pool: pool).capture(paths: [path])
        #expect(first.captured.count == 1)
        let run2 = run1.replacingOccurrences(of: "2026-03-04 08:00:00", with: "2026-03-05 09:30:00")
        _ = try dir.file("repo/.aider.chat.history.md", run1 + run2)
        let second = try Capturer(pool: pool).capture(paths: [path])
        #expect(second.captured.count == 1)
        #expect(second.captured.first?.sessionId == "aider@2026-03-05T09:30:00")
        #expect(second.unchanged == first.captured.map(\.id))
    }

    /// An aider header that is not a time (a damaged file, found by fuzzing) names neither a time nor a session.
    @Test func anAiderHeaderThatIsNotATimeNamesNoSession() throws {
        let dir = try TemporaryDirectory()
        let run = FormatSamples.aider(task: "Add a settings file", command: "python -m pytest", output: "TOKEN = 1")
            .replacingOccurrences(of: "2026-03-04 08:00:00", with: "sometime with details")
        let path = try dir.file("repo/.aider.chat.history.md", run)
        let memory = try #require(try Capturer(pool: nil).capture(paths: [path]).memories.first)
        #expect(memory.source.startedAt == nil && memory.source.sessionId == nil)
        let timed = try dir.file("timed/.aider.chat.history.md", FormatSamples.aider(task: "Add a settings file", command: "python -m pytest", output: "TOKEN = 1"))
        let kept = try #require(try Capturer(pool: nil).capture(paths: [timed]).memories.first)
        #expect(kept.source.startedAt == "2026-03-04T08:00:00" && kept.source.sessionId == "aider@2026-03-04T08:00:00")
    }

    /// Two runs of one task by two models write the same instance id: two trajectories, neither replacing the other.
    @Test func twoRunsUnderOneSessionIdAreTwoTrajectories() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let long = FormatSamples.mini11(task: "Fix the parser", command: "python -m pytest tests/test_parser.py", output: "5 passed in 0.1s")
        let short = FormatSamples.mini11(task: "Fix the parser", command: "cat parser.py", output: "def parse(): pass")
            .replacingOccurrences(of: "deepseek/deepseek-chat", with: "openai/gpt-4o")
        let first = try Capturer(pool: pool).capture(paths: [try dir.file("model-a/owner__project-12.traj.json", long)])
        let second = try Capturer(pool: pool).capture(paths: [try dir.file("model-b/owner__project-12.traj.json", short)])
        let a = try #require(first.captured.first)
        let b = try #require(second.captured.first)
        #expect(a.sessionId == b.sessionId)
        #expect(b.supersedes.isEmpty)
        #expect(try pool.memories(kinds: [.trajectory]).count == 2)
        #expect(try pool.memories(kinds: [.trajectory]).allSatisfy(\.supersedes.isEmpty))
    }

    /// Placeholder ids (`NORMALIZED_SESSION_ID`, empty, all zeros) name no session: nothing matches them.
    @Test(arguments: ["NORMALIZED_SESSION_ID", "", "00000000-0000-0000-0000-000000000000", "default", "{{session_id}}"])
    func placeholderSessionIdsNeverMatch(_ id: String) throws {
        #expect(SessionIdentity.isPlaceholder(id))
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        func atif(_ task: String, _ commands: [String]) -> String {
            var steps: [JSONValue] = [["step_id": 1, "source": "user", "message": .string(task)]]
            for (n, command) in commands.enumerated() {
                steps.append([
                    "step_id": .int(Int64(n + 2)), "source": "agent", "message": "run it",
                    "tool_calls": [["tool_call_id": .string("c\(n)"), "function_name": "bash_command", "arguments": ["keystrokes": .string(command)]]],
                    "observation": ["results": [["source_call_id": .string("c\(n)"), "content": "ok"]]],
                ])
            }
            return FormatSamples.json(["schema_version": "ATIF-v1.4", "session_id": .string(id), "agent": ["name": "terminus-2", "version": "2.0.0"], "steps": .array(steps)])
        }
        _ = try Capturer(pool: pool).capture(paths: [try dir.file("a.json", atif("Create hello.txt", ["printf hi > hello.txt"]))])
        // A different run, and one whose steps extend the first: neither is taken for the first.
        let other = try Capturer(pool: pool).capture(paths: [try dir.file("b.json", atif("Create notes.txt", ["printf x > notes.txt"]))])
        let longer = try Capturer(pool: pool).capture(paths: [try dir.file("c.json", atif("Create hello.txt", ["printf hi > hello.txt", "cat hello.txt"]))])
        #expect(other.captured.count == 1 && other.captured[0].supersedes.isEmpty)
        #expect(longer.captured.count == 1 && longer.captured[0].supersedes.isEmpty)
        #expect(try pool.memories(kinds: [.trajectory]).count == 3)
    }

    /// A longer capture of a session replaces the shorter one; an older, shorter copy captured
    /// afterwards adds nothing; a run under the same id that does not extend it replaces nothing.
    @Test func supersessionFollowsTheSteps() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let short = try claudeFile(steps: 2, in: dir, name: "copies/old.jsonl")
        let long = try claudeFile(steps: 4, in: dir, name: "copies/new.jsonl")
        let a = try #require(try Capturer(pool: pool).capture(paths: [short]).captured.first)
        let b = try #require(try Capturer(pool: pool).capture(paths: [long]).captured.first)
        #expect(b.supersedes == [a.id])
        // The capture it extends left the tip in the same commit: a session is offered once.
        #expect(try pool.memories(kinds: [.trajectory]).map(\.id) == [b.id])
        let again = try Capturer(pool: pool).capture(paths: [short])
        #expect(again.captured.isEmpty && again.unchanged == [b.id])
        // A copy taken between the two (3 steps) is contained in the longer capture.
        let between = try Capturer(pool: pool).capture(paths: [try claudeFile(steps: 3, in: dir, name: "copies/between.jsonl")])
        #expect(between.captured.isEmpty)
        #expect(between.unchangedSessions.map(\.id) == [b.id])
        #expect(between.unchangedSessions.first?.reason.hasPrefix("contained") == true)

        // Same session id, other steps: a second run, kept beside the first.
        var lines = [FormatSamples.claudeLine(type: "user", uuid: "u0", message: ["role": "user", "content": "Speed up the checkout page"])]
        lines += FormatSamples.claudeToolPair(id: "toolu_x", command: "git log -3", output: "abc")
        let other = try #require(try Capturer(pool: pool).capture(paths: [try dir.file("copies/other.jsonl", FormatSamples.lines(lines))]).captured.first)
        #expect(other.supersedes.isEmpty)
        #expect(Set(try pool.memories(kinds: [.trajectory]).map(\.id)) == [b.id, other.id])
    }

    @Test func dryRunSaysWhatARealRunWouldDo() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let path = try claudeFile(steps: 2, in: dir)
        let first = try #require(try Capturer(pool: pool).capture(paths: [path]).captured.first)
        var dry = CaptureOptions()
        dry.dryRun = true
        let unchanged = try Capturer(pool: pool, options: dry).capture(paths: [path])
        #expect(unchanged.captured.isEmpty && unchanged.unchanged == [first.id])
        _ = try claudeFile(steps: 3, in: dir)
        let tip = try pool.tip()
        let grown = try Capturer(pool: pool, options: dry).capture(paths: [path])
        #expect(grown.captured.first?.supersedes == [first.id])
        let tipAfter = try pool.tip()
        #expect(grown.commit == nil && tipAfter == tip)
        // The real run does exactly that.
        let real = try Capturer(pool: pool).capture(paths: [path])
        #expect(real.captured.map(\.id) == grown.captured.map(\.id))
    }

    @Test func dryRunWritesNothing() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let path = try claudeFile(steps: 2, in: dir)
        let summary = try Capturer(pool: pool, options: CaptureOptions(dryRun: true)).capture(paths: [path])
        #expect(summary.captured.count == 1)
        #expect(summary.commit == nil)
        #expect(try pool.tip() == nil)
    }

    @Test func overridesApply() throws {
        let dir = try TemporaryDirectory()
        let path = try claudeFile(steps: 1, in: dir)
        let options = CaptureOptions(domain: "web-perf", outcome: .failure, maxObservationLength: 3)
        let summary = try Capturer(pool: nil, options: options).capture(paths: [path])
        let m = try #require(summary.memories.first)
        #expect(m.domain == "web-perf")
        #expect(m.domainInference == nil)
        #expect(m.outcome == .failure)
        #expect(m.outcomeEvidence == OutcomeEvidence(signal: .given, detail: "given on the command line"))
        #expect(m.steps[0].observation.hasPrefix("bu"))
        // The capture time is not part of the id.
        var a = CaptureOptions()
        a.capturedAt = "2020-01-01T00:00:00Z"
        var b = CaptureOptions()
        b.capturedAt = "2030-01-01T00:00:00Z"
        let idA = try Capturer(pool: nil, options: a).capture(paths: [path]).memories.first?.id
        let idB = try Capturer(pool: nil, options: b).capture(paths: [path]).memories.first?.id
        #expect(idA == idB)
    }

    @Test func formatOverride() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.file("weird.txt", try Fixtures.text("gemini-stream.jsonl"))
        let summary = try Capturer(pool: nil, options: CaptureOptions(format: .geminiStream)).capture(paths: [path])
        #expect(summary.memories.count == 1)
        let wrong = try Capturer(pool: nil, options: CaptureOptions(format: .sweAgent)).capture(paths: [path])
        #expect(wrong.memories.isEmpty)
        #expect(wrong.skipped.count == 1)
    }

    @Test func discoverFindsInstalledAgentsSessions() throws {
        let home = try TemporaryDirectory()
        let claude = try home.file(".claude/projects/-home-dev-shop/abc.jsonl", "{}\n")
        let sub = try home.file(".claude/projects/-home-dev-shop/abc/subagents/agent-1.jsonl", "{}\n")
        let codex = try home.file(".codex/sessions/2026/03/02/rollout-2026-03-02T10-00-00-x.jsonl", "{}\n")
        _ = try home.file(".codex/sessions/2026/03/02/notes.txt", "")
        let gemini = try home.file(".gemini/tmp/f53b/chats/session-2026-03-03T09-00-abcd.json", "{}")
        _ = try home.file(".gemini/tmp/f53b/logs.json", "{}")
        try FileManager.default.createDirectory(atPath: home.path + "/repo/.git", withIntermediateDirectories: true)
        let aider = try home.file("repo/.aider.chat.history.md", "# aider chat started at 2026-01-01 00:00:00\n")
        try FileManager.default.createDirectory(atPath: home.path + "/repo/src/deep", withIntermediateDirectories: true)
        let found = Capturer.discover(home: home.path, cwd: home.path + "/repo/src/deep")
        #expect(Set(found.map(\.path)) == Set([claude, sub, codex, gemini, aider]))
        #expect(found.first { $0.path == codex }?.agent == "codex")

        let other = try TemporaryDirectory()
        let moved = try other.file("sessions/2026/01/01/rollout-a.jsonl", "{}\n")
        let withCodexHome = Capturer.discover(home: home.path, cwd: "/", environment: ["CODEX_HOME": other.path])
        #expect(withCodexHome.contains { $0.path == moved })
        #expect(!withCodexHome.contains { $0.path == codex })
    }

    @Test(arguments: [
        (1775803317.86, "2026-04-10T06:41:57.860Z"), (0.0, "1970-01-01T00:00:00.000Z"), (951782400.5, "2000-02-29T00:00:00.500Z"),
        (-1.0, "1969-12-31T23:59:59.000Z"),
    ])
    func unixTimesBecomeISODates(_ seconds: Double, _ expected: String) {
        #expect(isoDate(fromUnix: seconds) == expected)
    }

    @Test func observationsKeepErrorLinesFromTheCutPart() {
        var lines = (0..<2_000).map { "line \($0) all fine" }
        lines[1_000] = "Traceback (most recent call last):"
        lines[1_001] = "ValueError: amount must be positive"
        lines[1_500] = "FAILED tests/test_total.py::test_round"
        let trimmed = ObservationTrimmer.trim(lines.joined(separator: "\n"), limit: 2_000)
        #expect(trimmed.count < 4_500)
        #expect(trimmed.contains("Traceback (most recent call last):"))
        #expect(trimmed.contains("ValueError: amount must be positive"))
        #expect(trimmed.contains("FAILED tests/test_total.py::test_round"))
        #expect(trimmed.hasPrefix("line 0 all fine"))
        #expect(trimmed.hasSuffix("line 1999 all fine"))
        #expect(!trimmed.contains("line 1200 all fine"))
    }
}

@Suite struct BadInputTests {
    func captureOne(_ path: String, pool: Pool? = nil) throws -> CaptureSummary {
        try Capturer(pool: pool).capture(paths: [path])
    }

    @Test func emptyFile() throws {
        let dir = try TemporaryDirectory()
        let summary = try captureOne(try dir.file("empty.jsonl", ""))
        #expect(summary.skipped.map(\.reason) == ["empty file"])
        let blank = try captureOne(try dir.file("blank.jsonl", "\n  \n"))
        #expect(blank.skipped.map(\.reason) == ["empty file"])
    }

    @Test func binaryFile() throws {
        let dir = try TemporaryDirectory()
        let bytes: [UInt8] = [0x7B, 0x22, 0x00, 0xFF, 0xFE] + (0..<3_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let summary = try captureOne(try dir.file("blob.jsonl", bytes: bytes))
        #expect(summary.skipped.map(\.reason) == ["binary file"])
    }

    @Test(arguments: [
        "just some notes\nnothing to see\n", "{\"hello\": \"world\"}\n", "[1, 2, 3]", "{\"type\": \"user\"\n", "<html></html>",
    ])
    func unknownFormat(_ contents: String) throws {
        let dir = try TemporaryDirectory()
        let summary = try captureOne(try dir.file("x.json", contents))
        #expect(summary.captured.isEmpty)
        #expect(summary.skipped.count == 1)
        #expect(summary.skipped.first?.reason.hasPrefix("unknown format") == true)
    }

    @Test func truncatedLastLine() throws {
        let dir = try TemporaryDirectory()
        var text = FormatSamples.claude(task: "Fix the cart", command: "npm test", output: "ok")
        text += String(FormatSamples.claude(task: "x", command: "y", output: "z").split(separator: "\n")[2].prefix(80))
        let path = try dir.file("cut.jsonl", text)
        let summary = try captureOne(path)
        #expect(summary.captured.count == 1)
        #expect(summary.corruptLineCount == 1)
        let warning = try #require(summary.warnings.first)
        #expect(warning.file == path)
        #expect(warning.line == text.split(separator: "\n").count)
        #expect(warning.reason.hasPrefix("truncated last line"))
    }

    @Test func corruptLineInTheMiddle() throws {
        let dir = try TemporaryDirectory()
        var lines = FormatSamples.claude(task: "Fix the cart", command: "npm test", output: "ok").split(separator: "\n").map(String.init)
        lines.insert("{\"type\": \"assistant\", \"message\": {oops", at: 3)
        lines.insert("\u{1}garbage", at: 1)
        let path = try dir.file("corrupt.jsonl", lines.joined(separator: "\n") + "\n")
        let summary = try captureOne(path)
        #expect(summary.captured.count == 1)
        #expect(summary.memories.first?.steps.count == 1)
        #expect(summary.corruptLineCount == 2)
        #expect(summary.warnings.map(\.line) == [2, 5])
        #expect(summary.warnings.allSatisfy { $0.file == path && !$0.reason.isEmpty })
    }

    @Test func unreadableFileIsReportedAndOthersAreStillCaptured() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        _ = try dir.file("in/good.jsonl", FormatSamples.claude(task: "Fix the cart", command: "npm test", output: "ok"))
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/in/gone.jsonl", withDestinationPath: dir.path + "/nowhere.jsonl")
        let locked = try dir.file("in/locked.jsonl", FormatSamples.claude(task: "Other", command: "ls", output: "ok"))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: locked)
        let summary = try Capturer(pool: pool).capture(paths: [dir.path + "/in", dir.path + "/missing.jsonl"])
        #expect(summary.skipped.contains { $0.file.hasSuffix("gone.jsonl") && $0.reason.hasPrefix("unreadable") })
        #expect(summary.skipped.contains { $0.file.hasSuffix("missing.jsonl") && $0.reason.hasPrefix("unreadable") })
        if getuid() != 0 {
            #expect(summary.skipped.contains { $0.file == locked && $0.reason.hasPrefix("unreadable") })
        }
        #expect(summary.captured.contains { $0.file.hasSuffix("good.jsonl") })
        #expect(summary.commit != nil)
        #expect(try pool.history().count == 1)
    }

    @Test func sessionsWithoutStepsAreSkippedWithAReason() throws {
        let dir = try TemporaryDirectory()
        let text = FormatSamples.lines([
            FormatSamples.claudeLine(type: "user", uuid: "u0", message: ["role": "user", "content": "hello"]),
            FormatSamples.claudeLine(type: "assistant", uuid: "a0", message: ["role": "assistant", "model": "m", "content": [["type": "text", "text": "hi"]]]),
        ])
        let summary = try captureOne(try dir.file("chat.jsonl", text))
        #expect(summary.captured.isEmpty)
        #expect(summary.skipped.map(\.reason) == ["no tool steps"])
    }

    /// A large transcript is streamed: 40 MB of tool output, each observation cut as it is read.
    @Test func veryLargeFileIsStreamed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/big.jsonl"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let chunk = String(repeating: "0123456789abcdef ", count: 6_000) + "\nerror: disk full\n" + String(repeating: "x", count: 100)
        handle.write(Data(FormatSamples.lines([FormatSamples.claudeLine(type: "user", uuid: "u", message: ["role": "user", "content": "Copy the archive"])]).utf8))
        let steps = 400
        for n in 0..<steps {
            handle.write(Data(FormatSamples.lines(FormatSamples.claudeToolPair(id: "t\(n)", command: "cat part\(n)", output: chunk)).utf8))
        }
        try handle.close()
        let summary = try Capturer(pool: nil).capture(paths: [path])
        #expect(summary.bytesRead > 40_000_000)
        let m = try #require(summary.memories.first)
        #expect(m.steps.count == steps)
        #expect(m.steps.allSatisfy { $0.observation.count < 2_600 && $0.observation.contains("error: disk full") })
    }
}
