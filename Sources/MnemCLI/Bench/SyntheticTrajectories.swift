import Foundation
import MnemCore

/// Trajectories and transcripts that look like coding sessions, for `mnem bench scale`: a
/// language's test, build and search commands, a failing run, an edit, a passing run (or a
/// failure to the end), reasoning, a patch. Deterministic for a seed, about 3 KB each, so the
/// compactor finds its patterns in them as in real sessions and a pool of 100,000 has the
/// size of one a team builds in two years.
enum SyntheticTrajectories {
    struct Language {
        var domain: String
        var test: String
        var build: String
        var file: String
        var failure: String
    }

    static let languages = [
        Language(domain: "python", test: "pytest -x tests/test_%@.py", build: "python -m compileall -q src", file: "src/%@.py",
            failure: "E       AssertionError: expected %@ to equal the parsed value\nFAILED tests/test_%@.py::test_%@ - AssertionError"),
        Language(domain: "rust", test: "cargo test %@", build: "cargo build", file: "src/%@.rs",
            failure: "thread '%@::tests::parses' panicked at src/%@.rs:41:9:\nassertion `left == right` failed\ntest result: FAILED. 12 passed; 1 failed"),
        Language(domain: "go", test: "go test ./%@/...", build: "go build ./...", file: "%@/%@.go",
            failure: "--- FAIL: Test%@ (0.00s)\n    %@_test.go:28: got nil, want error\nFAIL"),
        Language(domain: "javascript/react", test: "npm test -- %@", build: "npm run build", file: "src/components/%@.jsx",
            failure: "FAIL src/components/%@.test.jsx\n  ● %@ › renders the empty state\n    expect(received).toBeInTheDocument()"),
        Language(domain: "java/maven", test: "mvn -q test -Dtest=%@Test", build: "mvn -q compile", file: "src/main/java/org/acme/%@.java",
            failure: "[ERROR] %@Test.shouldParse:33 expected:<3> but was:<2>\n[ERROR] Tests run: 9, Failures: 1"),
        Language(domain: "swift", test: "swift test --filter %@Tests", build: "swift build", file: "Sources/App/%@.swift",
            failure: "%@Tests.swift:19: error: XCTAssertEqual failed: (\"%@\") is not equal to (\"\")\nExecuted 14 tests, with 1 failure"),
        Language(domain: "ruby", test: "bundle exec rspec spec/%@_spec.rb", build: "bundle exec rake build", file: "lib/%@.rb",
            failure: "Failures:\n  1) %@ parses the header\n     expected: \"%@\"\n          got: nil"),
        Language(domain: "c", test: "make check TESTS=%@", build: "make -j4", file: "src/%@.c",
            failure: "%@.c:88: assertion failed: n == len\nFAIL: %@\n# FAIL:  1"),
        Language(domain: "elixir", test: "mix test test/%@_test.exs", build: "mix compile", file: "lib/app/%@.ex",
            failure: "1) test %@ handles an empty list (App.%@Test)\n     ** (FunctionClauseError) no function clause matching"),
        Language(domain: "go", test: "go vet ./... && go test -run Test%@ ./...", build: "go build ./...", file: "internal/%@/%@.go",
            failure: "--- FAIL: Test%@/empty (0.01s)\n    %@_test.go:51: unexpected error: EOF\nFAIL"),
    ]

    static let words = SyntheticMemories.words
    static let agents = [("claude-code", "claude-opus-4-6"), ("codex", "gpt-5-codex"), ("gemini", "gemini-2.5-pro"), ("aider", "deepseek-chat")]

    static func word(_ rng: inout SplitMix64) -> String { words[Int(rng.next() % UInt64(words.count))] }

    static func fill(_ template: String, _ name: String) -> String { template.replacingOccurrences(of: "%@", with: name) }

    /// Trajectory `index` of the series `seed`.
    static func trajectory(_ index: Int, seed: UInt64) -> Memory {
        var rng = SplitMix64(seed: seed &* 1_000_003 &+ UInt64(index))
        let language = languages[Int(rng.next() % UInt64(languages.count))]
        let name = word(&rng) + "_" + word(&rng)
        let succeeded = rng.next() % 10 < 7
        let file = fill(language.file, name)
        var steps: [TrajectoryStep] = []
        steps.append(TrajectoryStep(tool: "bash", input: "rg -n \"\(word(&rng))\" \(file)", observation: (0..<6).map { n in "\(file):\(20 + n * 7): \(SyntheticMemories.sentence(&rng, words: 9))" }.joined(separator: "\n"), exitStatus: 0, reasoning: "Find where \(name) is handled."))
        steps.append(TrajectoryStep(tool: "bash", input: "cat \(file)", observation: SyntheticMemories.sentence(&rng, words: 80), exitStatus: 0))
        steps.append(TrajectoryStep(tool: "bash", input: fill(language.test, name), observation: fill(language.failure, name), exitStatus: 1, reasoning: "Reproduce the failure first."))
        let edits = 1 + Int(rng.next() % 3)
        for _ in 0..<edits {
            let old = SyntheticMemories.sentence(&rng, words: 6)
            let new = SyntheticMemories.sentence(&rng, words: 8)
            steps.append(
                TrajectoryStep(
                    tool: "Edit", input: "{\"file_path\":\"\(file)\",\"new_string\":\"\(new)\",\"old_string\":\"\(old)\"}",
                    observation: "The file \(file) has been updated.", reasoning: "Handle the \(word(&rng)) case in \(name)."))
        }
        steps.append(TrajectoryStep(tool: "bash", input: language.build, observation: succeeded ? "" : "warning: unused variable `\(word(&rng))`", exitStatus: 0))
        if succeeded {
            steps.append(TrajectoryStep(tool: "bash", input: fill(language.test, name), observation: "\(10 + rng.next() % 40) passed in 0.\(rng.next() % 90 + 10)s", exitStatus: 0))
            steps.append(TrajectoryStep(tool: "bash", input: "git diff --stat", observation: " \(file) | \(3 + rng.next() % 20) ++--\n 1 file changed", exitStatus: 0))
        } else {
            steps.append(TrajectoryStep(tool: "bash", input: fill(language.test, name), observation: fill(language.failure, name), exitStatus: 1))
        }
        let (agent, model) = agents[Int(rng.next() % UInt64(agents.count))]
        let task = "Fix \(name.replacingOccurrences(of: "_", with: " ")) in \(file): \(SyntheticMemories.sentence(&rng, words: 10))"
        let patch = succeeded ? "diff --git a/\(file) b/\(file)\n--- a/\(file)\n+++ b/\(file)\n@@ -20,3 +20,4 @@\n-\(word(&rng))\n+\(SyntheticMemories.sentence(&rng, words: 5))\n" : nil
        return Memory(
            body: .trajectory(
                Trajectory(steps: steps, firstUserMessage: task, result: TrajectoryResult(patch: patch, finalMessage: succeeded ? "The tests pass now." : "I could not make the tests pass."))),
            task: task, domain: language.domain, outcome: succeeded ? .success : .failure,
            source: MemorySource(
                agent: agent, model: model, sessionId: "bench-\(seed)-\(index)", capturedAt: "2026-01-01T00:00:00Z", format: agent == "aider" ? "aider" : agent))
    }

    /// A Claude Code session transcript (JSONL) of a few tool calls, for whole-process capture.
    static func claudeCodeTranscript(session: String, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed)
        let language = languages[Int(rng.next() % UInt64(languages.count))]
        let name = word(&rng) + "_" + word(&rng)
        var lines: [String] = []
        var parent = "null"
        var n = 0
        func line(_ type: String, _ message: String) {
            n += 1
            let uuid = "00000000-0000-4000-8000-\(String(format: "%012d", n))"
            lines.append(
                #"{"parentUuid":\#(parent),"isSidechain":false,"userType":"external","cwd":"/work/\#(name)","sessionId":"\#(session)","version":"2.1.38","gitBranch":"main","type":"\#(type)","message":\#(message),"uuid":"\#(uuid)","timestamp":"2026-02-10T21:12:\#(String(format: "%02d", n % 60)).000Z"}"#)
            parent = "\"\(uuid)\""
        }
        line("user", #"{"role":"user","content":"Fix the failing \#(name) test in \#(fill(language.file, name))"}"#)
        for (i, command) in [fill(language.test, name), "cat \(fill(language.file, name))", fill(language.test, name)].enumerated() {
            let id = "toolu_\(session.prefix(8))\(i)"
            let escaped = command.replacingOccurrences(of: "\"", with: "\\\"")
            line("assistant", #"{"model":"claude-opus-4-6","id":"msg_\#(i)","type":"message","role":"assistant","content":[{"type":"tool_use","id":"\#(id)","name":"Bash","input":{"command":"\#(escaped)"}}],"stop_reason":null,"stop_sequence":null}"#)
            let output = i == 2 ? "12 passed" : SyntheticMemories.sentence(&rng, words: 30)
            line("user", #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":"\#(output)","is_error":false}]}"#)
        }
        line("assistant", #"{"model":"claude-opus-4-6","id":"msg_end","type":"message","role":"assistant","content":[{"type":"text","text":"The test passes now."}],"stop_reason":"end_turn","stop_sequence":null}"#)
        return lines.joined(separator: "\n") + "\n"
    }
}
