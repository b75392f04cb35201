import Foundation
import MnemCore
import Testing

@testable import MnemCapture

/// The evidence readers in isolation: step roles, runner summaries, statements, and the order
/// in which `OutcomeInference` weighs them.
@Suite struct StepRoleTests {
    static let commands: [(String, StepRole)] = [
        ("python -m pytest tests/ -q 2>&1 | tail -20", .check(.test)),
        ("cd /testbed && python -m pytest -x tests/test_a.py", .check(.test)),
        ("timeout 120 uv run pytest -k parse", .check(.test)),
        ("npm test", .check(.test)),
        ("npm run test:unit -- --watch=false", .check(.test)),
        ("npx vitest run", .check(.test)),
        ("go test ./...", .check(.test)),
        ("cargo test --lib", .check(.test)),
        ("mix test test/spotter_web", .check(.test)),
        ("./gradlew test", .check(.test)),
        ("mvn -q verify", .check(.test)),
        ("swift test --filter Parser", .check(.test)),
        ("bundle exec rspec spec/models", .check(.test)),
        ("python manage.py test auth", .check(.test)),
        ("python tests/runtests.py admin_views", .check(.test)),
        ("make test", .check(.test)),
        ("cargo build --release", .check(.build)),
        ("npx tsc --noEmit", .check(.build)),
        ("npm run build", .check(.build)),
        ("mix compile --warnings-as-errors", .check(.build)),
        ("go vet ./...", .check(.build)),
        ("make", .check(.build)),
        ("python reproduce.py", .check(.run)),
        ("python3 -c 'import calc; print(calc.add(2, 3))'", .check(.run)),
        ("node server.js", .check(.run)),
        ("cargo run -- --help", .check(.run)),
        ("mix phx.server 2>&1 | head -80", .check(.run)),
        ("curl -s http://localhost:4000/health", .check(.run)),
        ("./build/app --version", .check(.run)),
        ("sed -i 's/a - b/a + b/' calc.py", .edit),
        ("cat > reproduce.py <<'EOF'\nprint(1)\nEOF", .edit),
        ("echo 'hello' > hello.txt", .edit),
        ("git apply fix.patch", .edit),
        ("cat <<'EOF' > t.py\nimport x\nEOF\npython t.py", .check(.run)),
        ("cat > test_fix.py << 'EOF'\nassert 1\nEOF\npython test_fix.py 2>&1", .check(.test)),
        ("git diff -- calc.py > patch.txt && cat patch.txt", .other),
        ("ls -la && cat calc.py", .other),
        ("grep -rn 'def add' . > /tmp/hits.txt", .other),
        ("pip install -e .", .other),
        ("python -m pip install requests", .other),
        ("git status", .other),
        ("curl -s https://example.com/api", .other),
        ("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", .other),
    ]

    @Test(arguments: commands)
    func commandLine(_ command: String, _ role: StepRole) {
        #expect(StepRole.of(TrajectoryStep(tool: "bash", input: command, observation: "")) == role, "\(command)")
    }

    @Test func toolsAreReadFromTheirNamesAndArguments() {
        func role(_ tool: String, _ input: String) -> StepRole { StepRole.of(TrajectoryStep(tool: tool, input: input, observation: "")) }
        #expect(role("Edit", #"{"file_path":"a.py","old_string":"x","new_string":"y"}"#) == .edit)
        #expect(role("apply_patch", "*** Begin Patch\n*** Update File: a.py\n") == .edit)
        #expect(role("str_replace_editor", #"{"command":"view","path":"/a.py"}"#) == .other)
        #expect(role("str_replace_editor", #"{"command":"str_replace","path":"/a.py","old_str":"x","new_str":"y"}"#) == .edit)
        #expect(role("Read", "/repo/a.py") == .other)
        #expect(role("run_ipython", "edit_file_by_replace('/a.py', to_replace='x', new_content='y')") == .edit)
        #expect(role("python", "python reproduce.py") == .check(.run))  // SWE-agent names a step by its first word
        #expect(role("submit", "submit") == .other)
    }
}

@Suite struct RunnerSummaryTests {
    static let outputs: [(String, Bool?)] = [
        ("..F.\n=================== 1 failed, 3 passed in 0.12s ===================", false),
        ("....\n4 passed in 0.05s", true),
        ("Ran 2 tests in 0.001s\n\nOK", true),
        ("Ran 2 tests in 0.001s\n\nFAILED (failures=1)", false),
        ("--- FAIL: TestParse (0.00s)\nFAIL\nFAIL\texample.com/p\t0.002s", false),
        ("ok  \texample.com/p\t0.002s", true),
        ("test result: ok. 12 passed; 0 failed; 0 ignored", true),
        ("test result: FAILED. 11 passed; 1 failed; 0 ignored", false),
        ("Tests:       1 failed, 4 passed, 5 total", false),
        (" Test Files  3 passed (3)\n      Tests  12 passed (12)", true),
        ("  5 passing (20ms)\n  1 failing", false),
        ("Finished in 0.1 seconds\n5 tests, 0 failures", true),
        ("3 doctests, 12 tests, 2 failures", false),
        ("Tests run: 5, Failures: 0, Errors: 0, Skipped: 0\n[INFO] BUILD SUCCESS", true),
        ("BUILD FAILED in 3s", false),
        ("Executed 5 tests, with 0 failures (0 unexpected) in 0.01 seconds", true),
        ("✘ Test run with 5 tests failed after 0.01 seconds with 1 issue.", false),
        ("OK (5 tests, 10 assertions)", true),
        ("FAILURES!\nTests: 5, Assertions: 10, Failures: 1.", false),
        ("100% tests passed, 0 tests failed out of 5", true),
        ("compiling...\nnothing to see here", nil),
    ]

    @Test(arguments: outputs)
    func summary(_ output: String, _ passed: Bool?) {
        #expect(RunnerSummary.parse(output)?.passed == passed, "\(output)")
    }

    @Test func exitStatusBehindAPipeIsNotTheRunners() {
        let piped = TrajectoryStep(tool: "bash", input: "pytest -q | tail -3", observation: "collected 0 items", exitStatus: 0)
        #expect(CheckVerdict.reliableExit(piped) == nil)
        let plain = TrajectoryStep(tool: "bash", input: "cd x && pytest -q", observation: "", exitStatus: 1)
        #expect(CheckVerdict.reliableExit(plain) == 1)
        // The runner's summary still decides through the pipe.
        let failing = TrajectoryStep(tool: "bash", input: "pytest -q 2>&1 | tail -3", observation: "2 failed, 5 passed in 1.0s", exitStatus: 0)
        #expect(CheckVerdict.of(failing, signal: .test)?.passed == false)
    }

    @Test func aProgramRunIsJudgedByWhatItPrints() {
        let clean = TrajectoryStep(tool: "python", input: "python reproduce.py", observation: "Script completed successfully, no errors.")
        #expect(CheckVerdict.of(clean, signal: .run)?.passed == true)
        let crash = TrajectoryStep(tool: "python", input: "python reproduce.py", observation: "Traceback (most recent call last):\n  File \"r.py\"\nValueError: bad")
        #expect(CheckVerdict.of(crash, signal: .run)?.passed == false)
        let refused = TrajectoryStep(tool: "Bash", input: "mix phx.server", observation: "The user doesn't want to proceed with this tool use.", isError: true)
        #expect(CheckVerdict.of(refused, signal: .run) == nil)
        let running = TrajectoryStep(tool: "bash", input: "python -m http.server & python app.py", observation: "", exitStatus: -1)
        #expect(CheckVerdict.of(running, signal: .run) == nil)
    }
}

@Suite struct StatementTests {
    static let agent: [(String, Outcome?)] = [
        ("I fixed the rounding in money.py and all tests pass.", .success),
        ("Fixed it; all tests pass. Unfortunately the linter is not installed here.", .success),
        ("I was unable to fix the issue: the tests still fail with the same error.", .failure),
        ("The build still fails on the linker step.", .failure),
        ("Here is what I found in the code.", nil),
        ("I've created CLAUDE.md with the project overview.", .success),
        ("La aplicación no funciona todavía.", .failure),
        ("修正しました。テストが通ります。", .success),
    ]

    @Test(arguments: agent)
    func agentFinalMessage(_ text: String, _ outcome: Outcome?) {
        #expect(Statements.agent(text)?.outcome == outcome, "\(text)")
    }

    static let user: [(String, Outcome?)] = [
        ("works now, thanks!", .success),
        ("still failing with the same error", .failure),
        ("Traceback (most recent call last):\n  File \"app.py\", line 3\nKeyError: 'x'", .failure),
        ("did you push?", nil),
        ("thanks", nil),
        ("great, but it still crashes when I click save", .failure),
        ("no funciona", .failure),
    ]

    @Test(arguments: user)
    func userReply(_ text: String, _ outcome: Outcome?) {
        #expect(Statements.user(text)?.outcome == outcome, "\(text)")
    }

    @Test func phrasesMatchWholeWords() {
        #expect(!Statements.contains("the branch was abandoned", "done"))
        #expect(Statements.contains("all done.", "done"))
    }
}

extension StepRole: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .edit: "edit"
        case .other: "other"
        case .check(let signal): signal.rawValue
        }
    }
}

@Suite struct OutcomeInferenceTests {
    func session(_ steps: [TrajectoryStep], replies: [(Int, String)] = [], final: String? = nil) -> CapturedSession {
        var s = CapturedSession(format: .claudeCode, task: "t", steps: steps)
        s.userReplies = replies.map { CapturedSession.UserReply(afterStep: $0.0, text: $0.1) }
        s.finalMessage = final
        return s
    }

    let edit = TrajectoryStep(tool: "Edit", input: #"{"file_path":"a.py","old_string":"x","new_string":"y"}"#, observation: "ok")
    let failing = TrajectoryStep(tool: "Bash", input: "pytest -q", observation: "1 failed, 2 passed in 0.1s", exitStatus: 1)
    let passing = TrajectoryStep(tool: "Bash", input: "pytest -q", observation: "3 passed in 0.1s", exitStatus: 0)

    @Test func onlyChecksAfterTheLastEditCount() {
        // Passed before the edit, nothing after: the test says nothing about the final state.
        let (outcome, evidence) = OutcomeInference.decide(session([passing, edit]))
        #expect(outcome == .unknown && evidence == nil)
        let (after, afterEvidence) = OutcomeInference.decide(session([passing, edit, failing]))
        #expect(after == .failure)
        #expect(afterEvidence?.signal == .test && afterEvidence?.step == 2)
        #expect(afterEvidence?.detail.contains("1 failed, 2 passed") == true)
    }

    @Test func aLaterUserReplyOverridesTheCheck() {
        let (outcome, evidence) = OutcomeInference.decide(session([edit, passing], replies: [(2, "it still crashes when I open the page")]))
        #expect(outcome == .failure && evidence?.signal == .user)
        // A reply before the last edit is about an older state.
        let (stale, staleEvidence) = OutcomeInference.decide(session([edit, passing, edit, passing], replies: [(2, "still failing")]))
        #expect(stale == .success && staleEvidence?.signal == .test)
    }

    @Test func theHarnessComesFirstAndTheAgentLast() {
        var stopped = session([edit, passing], final: "All tests pass.")
        stopped.harness = .init(.failure, "the harness stopped the run: exit status exit_cost")
        #expect(OutcomeInference.decide(stopped).0 == .failure)
        #expect(OutcomeInference.decide(stopped).1?.signal == .harness)
        let spoken = OutcomeInference.decide(session([edit], final: "I fixed the parser and all tests pass."))
        #expect(spoken.0 == .success && spoken.1?.signal == .agent)
        let silent = OutcomeInference.decide(session([edit], final: "Here is the diff."))
        #expect(silent.0 == .unknown && silent.1 == nil)
    }
}

@Suite struct DomainInferenceTests {
    func session(cwd: String?, steps: [TrajectoryStep] = [], instance: String? = nil) -> CapturedSession {
        var s = CapturedSession(format: .claudeCode, task: "t", steps: steps)
        s.source.workingDirectory = cwd
        s.instanceId = instance
        return s
    }

    /// Never a user's name, a home or a temporary directory, nor a path flattened into an id.
    @Test(arguments: [
        "/home/jdoe", "/Users/jdoe", "/Users/jdoe/Desktop", "/root", "/tmp/tmp.x8Zq2", "/tmp/work/shop", "C:\\Users\\jdoe",
        "/__home__jdoe", "/workspace", "/testbed",
    ])
    func noUserNameOrPlace(_ cwd: String) {
        let (domain, how) = DomainInference.infer(session(cwd: cwd))
        #expect(domain == "general", "\(domain) from \(how)")
    }

    @Test func aPathIdIsNoProject() {
        let ctf = session(cwd: nil, instance: "__home__jdoe__llm_summer_24__llm_ctf_automation__rev__rock")
        #expect(DomainInference.infer(ctf).domain == "general")
        let flattened = session(cwd: "/__home__jdoe__llm_summer_24__llm_ctf_automation__rock")
        #expect(DomainInference.infer(flattened).domain == "rock")
        #expect(DomainInference.infer(session(cwd: "/__home__jdoe__llm_summer_24")).domain == "llm_summer_24")
    }

    /// One project, one domain: its root, a sub-directory, a package, its worktrees.
    @Test(arguments: [
        "/home/alice/code/spotter", "/home/alice/code/spotter/assets", "/home/alice/code/spotter/lib",
        "/home/alice/code/spotter-worktrees/spotter-gqc", "/home/alice/code/spotter/.claude/worktrees/fix-login",
        "/home/alice/code/spotter/.worktrees/spotter-4te",
    ])
    func oneProjectAcrossDirectories(_ cwd: String) {
        #expect(DomainInference.infer(session(cwd: cwd)).domain == "spotter")
    }

    @Test func aMonorepoPackageIsItsProject() {
        #expect(DomainInference.infer(session(cwd: "/srv/src/acme-web/packages/ui")).domain == "acme-web")
    }

    /// A real repository on disk: its remote names the project, from a worktree and a sub-directory too.
    @Test func theGitRepositoryAroundTheWorkingDirectory() throws {
        let dir = try TemporaryDirectory()
        let root = dir.path + "/checkouts/whatever-name"
        try FileManager.default.createDirectory(atPath: root + "/src/deep", withIntermediateDirectories: true)
        func git(_ args: [String], in directory: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"] + args
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(args)")
        }
        try git(["init", "-q"], in: root)
        try git(["remote", "add", "origin", "git@github.com:acme/shop.git"], in: root)
        try "x".write(toFile: root + "/README", atomically: true, encoding: .utf8)
        try git(["add", "-A"], in: root)
        try git(["commit", "-qm", "start"], in: root)
        try git(["worktree", "add", "-q", dir.path + "/elsewhere/feature-x"], in: root)
        for cwd in [root, root + "/src/deep", dir.path + "/elsewhere/feature-x"] {
            let (domain, how) = DomainInference.infer(session(cwd: cwd))
            #expect(domain == "shop", "\(cwd): \(how)")
            #expect(how.hasPrefix("git remote origin git@github.com:acme/shop.git"))
        }
    }

    /// A React/Vite app is javascript/react, though the session also ran Python (a static server, a helper script).
    @Test func reactIsNotPython() {
        let steps = [
            TrajectoryStep(tool: "Read", input: "package.json", observation: #"{"dependencies": {"react": "^19.1.0", "react-dom": "^19.1.0"}, "devDependencies": {"vite": "^7.0.0"}}"#),
            TrajectoryStep(tool: "Bash", input: "python3 -m http.server 8000", observation: "Serving HTTP", exitStatus: 0),
            TrajectoryStep(tool: "Bash", input: "python3 scripts/gen_icons.py", observation: "ok", exitStatus: 0),
            TrajectoryStep(tool: "Edit", input: #"{"file_path":"src/App.jsx","old_string":"a","new_string":"b"}"#, observation: "ok"),
            TrajectoryStep(tool: "Write", input: #"{"file_path":"src/components/Toggle.jsx","content":"import React from 'react'"}"#, observation: "ok"),
            TrajectoryStep(tool: "Bash", input: "npm run build", observation: "built in 1.2s", exitStatus: 0),
        ]
        let (domain, how) = DomainInference.infer(session(cwd: nil, steps: steps))
        #expect(domain == "javascript/react", "\(how)")
    }
}
