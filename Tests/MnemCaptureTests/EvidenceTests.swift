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
