import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// Stand-in `claude`, `codex` and `gemini` executables on PATH, written into the test's own
/// directory: each records its arguments and standard input, and prints what the test prepared
/// in that CLI's real headless output shape. The client code that runs and parses them is mnem's own.
struct AgentStandIn {
    let directory: String
    let kind: AgentCLIBackend.Kind

    init(_ kind: AgentCLIBackend.Kind, in temporary: TemporaryDirectory) throws {
        self.kind = kind
        directory = temporary.file("agent-\(kind.rawValue)")
        try FileManager.default.createDirectory(atPath: directory + "/bin", withIntermediateDirectories: true)
        let script = """
            #!/bin/bash
            dir="\(directory)"
            n=$(cat "$dir/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$dir/count"
            printf '%s\\n' "$@" > "$dir/args-$n"
            pwd > "$dir/cwd-$n"
            cat > "$dir/stdin-$n"
            reply="$dir/reply-$n"; [ -f "$reply" ] || reply="$dir/reply"
            cat "$reply"
            exit $(cat "$dir/status" 2>/dev/null || echo 0)

            """
        let path = directory + "/bin/" + kind.rawValue
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
    }

    /// PATH with the stand-in first.
    var environment: [String: String] { ["PATH": directory + "/bin:/usr/bin:/bin", "MNEM_LLM": kind.rawValue] }

    var calls: Int { Int((try? String(contentsOfFile: directory + "/count", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0 }
    func arguments(_ n: Int) -> [String] { ((try? String(contentsOfFile: directory + "/args-\(n)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    func stdin(_ n: Int) -> String { (try? String(contentsOfFile: directory + "/stdin-\(n)", encoding: .utf8)) ?? "" }
    func cwd(_ n: Int) -> String { ((try? String(contentsOfFile: directory + "/cwd-\(n)", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// Every call prints `text` as the model's reply, in the CLI's output shape; `call` limits it to one call.
    func reply(_ text: String, call: Int? = nil) throws {
        try output(Self.shape(kind, text)).write(toFile: directory + "/" + (call.map { "reply-\($0)" } ?? "reply"), atomically: true, encoding: .utf8)
    }

    /// Every call prints `raw` as it is.
    func raw(_ raw: String, status: Int32 = 0) throws {
        try raw.write(toFile: directory + "/reply", atomically: true, encoding: .utf8)
        try "\(status)".write(toFile: directory + "/status", atomically: true, encoding: .utf8)
    }

    func output(_ text: String) -> String { text }

    static func quoted(_ text: String) -> String { CanonicalJSON.compactString(.string(text)) }

    /// What each CLI prints for a successful turn whose answer is `text`.
    static func shape(_ kind: AgentCLIBackend.Kind, _ text: String) -> String {
        switch kind {
        case .claude:
            return #"{"type":"result","subtype":"success","is_error":false,"duration_ms":2311,"duration_api_ms":2203,"num_turns":1,"result":"#
                + quoted(text)
                + #","session_id":"4b5d3a1e-0c0f-4a5e-9d4e-2b1f6c7a8e90","total_cost_usd":0.0213,"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":14000,"output_tokens":420,"server_tool_use":{"web_search_requests":0},"service_tier":"standard"},"modelUsage":{"claude-sonnet-4-5-20250929":{"inputTokens":1200,"outputTokens":420,"cacheReadInputTokens":14000,"cacheCreationInputTokens":0,"costUSD":0.0213}},"permission_denials":[],"uuid":"9d2f0c1b-3e4a-4b5c-8d6e-7f8a9b0c1d2e"}"#
                + "\n"
        case .codex:
            return [
                #"{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}"#,
                #"{"type":"turn.started"}"#,
                #"{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Reading the trajectory**"}}"#,
                #"{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"# + quoted(text) + "}}",
                #"{"type":"turn.completed","usage":{"input_tokens":9812,"cached_input_tokens":4096,"output_tokens":388}}"#,
            ].joined(separator: "\n") + "\n"
        case .gemini:
            return #"{"response":"# + quoted(text)
                + #","stats":{"models":{"gemini-2.5-pro":{"api":{"totalRequests":1,"totalErrors":0,"totalLatencyMs":5053},"tokens":{"prompt":9000,"candidates":400,"total":9650,"cached":0,"thoughts":250,"tool":0}}},"tools":{"totalCalls":0,"totalSuccess":0,"totalFail":0,"totalDurationMs":0,"totalDecisions":{"accept":0,"reject":0,"modify":0,"auto_accept":0},"byName":{}},"files":{"totalLinesAdded":0,"totalLinesRemoved":0}}}"#
                + "\n"
        }
    }
}

@Suite struct AgentCLITests {
    func pool(_ directory: TemporaryDirectory, count: Int = 2) throws -> (Pool, String) {
        let (pool, path) = try makePool(directory)
        let trajectories = handMadeTrajectories()
        _ = try pool.add(Array([trajectories[0], trajectories[2], trajectories[4]].prefix(count)), info: CommitInfo(summary: "capture"))
        return (pool, path)
    }

    func llmMemories(_ pool: Pool) throws -> [Memory] { try pool.memories().filter { $0.tags.contains(CompactionTag.llm) } }

    @Test(arguments: AgentCLIBackend.Kind.allCases)
    func runsTheAgentHeadlessAndReadsItsOutput(_ kind: AgentCLIBackend.Kind) throws {
        let directory = TemporaryDirectory("agent-\(kind.rawValue)")
        let (pool, path) = try pool(directory)
        let agent = try AgentStandIn(kind, in: directory)
        try agent.reply(ChatStandIn.fullReply())
        let run = mnem(["compact", "--llm", "--json"], pool: path, environment: agent.environment)
        #expect(run.status == 0, "\(run.console.stderr)")
        #expect(agent.calls == 2)
        let expected: [String] =
            switch kind {
            case .claude: ["-p", "--output-format", "json"]
            case .codex: ["exec", "--json", "--skip-git-repo-check", "--sandbox", "read-only", "-"]
            case .gemini: ["-p", "Follow the instructions given on standard input.", "--output-format", "json"]
            }
        #expect(agent.arguments(1) == expected)
        // The prompt went in on standard input: the instructions and the trajectory.
        #expect(agent.stdin(1).contains("think about why it succeeded") && agent.stdin(1).contains("Steps:"))
        #expect(agent.cwd(1).contains("mnem-llm-") && agent.cwd(1) != path)
        let made = try llmMemories(pool)
        #expect(made.filter { $0.kind == .workflow }.count == 2 && made.filter { $0.kind == .summary }.count == 2)
        #expect(made.filter { $0.kind == .insight }.count == 1)
        let workflow = try #require(made.first { $0.kind == .workflow }?.workflow)
        #expect(workflow.steps.map(\.example) == ["grep -rn <identifier> <dir>", "str_replace <file.py>", "pytest -x -k <test>"])
        let log = try Shell.git(["log", "-1", "--format=%B"], in: path)
        #expect(log.contains("Mnem-LLM: \(kind.rawValue)"))
        if kind != .codex { #expect(log.contains("Mnem-Model: ")) }
        // Chosen once in git config instead of the environment: the next new trajectory goes to the same CLI.
        try Shell.git(["config", "mnem.llm", kind.rawValue], in: path)
        _ = try pool.add([handMadeTrajectories()[4]], info: CommitInfo(summary: "capture more"))
        let again = mnem(["compact", "--llm"], pool: path, environment: ["PATH": agent.environment["PATH"] ?? ""])
        #expect(again.status == 0, "\(again.console.stderr)")
        #expect(agent.calls == 3)
    }

    @Test func budgetStopsTheRunAndKeepsWhatWasFinished() throws {
        let directory = TemporaryDirectory("agent-budget")
        let (pool, path) = try pool(directory, count: 3)
        let agent = try AgentStandIn(.claude, in: directory)
        try agent.reply(ChatStandIn.fullReply())
        let run = mnem(["compact", "--llm", "claude", "--max-calls", "2"], pool: path, environment: agent.environment)
        #expect(run.status == 0)
        #expect(run.console.stderr.contains("budget exhausted: 2 of at most 2 calls made"))
        #expect(agent.calls == 2)
        #expect(try llmMemories(pool).filter { $0.kind == .summary }.count == 2)
        // Tokens as claude reports them (input, cache and output): 15,620 a call.
        let tokens = mnem(["compact", "--llm", "claude", "--max-tokens", "10000"], pool: path, environment: agent.environment)
        #expect(tokens.console.stderr.contains("budget exhausted"))
        #expect(agent.calls == 2)
        let dry = mnem(["compact", "--llm", "claude", "--dry-run"], pool: path, environment: agent.environment)
        #expect(dry.console.stdout.contains("would make 1 calls (claude) for 1 trajectories"), "\(dry.console.stdout)")
        #expect(agent.calls == 2)
    }

    @Test(arguments: AgentCLIBackend.Kind.allCases)
    func malformedRepliesAreAskedAgainThenFailCleanly(_ kind: AgentCLIBackend.Kind) throws {
        let directory = TemporaryDirectory("agent-malformed-\(kind.rawValue)")
        let (pool, path) = try pool(directory)
        let before = try commitCount(pool)
        let agent = try AgentStandIn(kind, in: directory)
        try agent.reply("I looked at it and it seems fine.")
        let run = mnem(["compact", "--llm"], pool: path, environment: agent.environment)
        #expect(run.status == 1)
        #expect(run.console.stderr.contains("not valid after 3 attempts"), "\(run.console.stderr)")
        #expect(run.console.stderr.split(separator: "\n").count == 1)
        #expect(agent.calls == 3)
        #expect(try commitCount(pool) == before)
    }

    @Test func aCLIThatIsNotItsShapeOrFailsIsAClearError() throws {
        let directory = TemporaryDirectory("agent-errors")
        let (pool, path) = try pool(directory)
        let agent = try AgentStandIn(.claude, in: directory)
        // Claude Code reports a failed turn.
        try agent.raw(#"{"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":2,"session_id":"x","total_cost_usd":0.01}"#)
        let failed = mnem(["compact", "--llm"], pool: path, environment: agent.environment)
        #expect(failed.status == 1 && failed.console.stderr.contains("claude reported error_max_turns"), "\(failed.console.stderr)")
        // The CLI crashes with a message on standard error.
        try agent.raw("", status: 3)
        let crashed = mnem(["compact", "--llm"], pool: path, environment: agent.environment)
        #expect(crashed.status == 1 && crashed.console.stderr.contains("claude exited with status 3"), "\(crashed.console.stderr)")
        #expect(try llmMemories(pool).isEmpty)
        // Not installed.
        let missing = mnem(["compact", "--llm", "gemini"], pool: path, environment: ["PATH": directory.file("nowhere")])
        #expect(missing.status == 1 && missing.console.stderr.contains("'gemini' on PATH"), "\(missing.console.stderr)")
    }

    @Test func anInsightNamingAPathOrTheProjectIsRejected() throws {
        let directory = TemporaryDirectory("agent-leak")
        let (pool, path) = try pool(directory, count: 1)
        let agent = try AgentStandIn(.gemini, in: directory)
        let leaking = #"{"title":"Check src/alpha-lib/core.py first","description":"The parser lives in one place.","content":"Open it before anything else."}"#
        let naming = #"{"title":"Know the alpha-lib parser","description":"It indexes the first character.","content":"Guard empty input."}"#
        try agent.reply(ChatStandIn.fullReply(insights: [leaking, ChatStandIn.insightJSON]))
        let run = mnem(["compact", "--llm", "--json"], pool: path, environment: agent.environment)
        #expect(run.status == 0, "\(run.console.stderr)")
        #expect(run.console.stdout.contains("\"rejectedInsights\": 1"))
        let insights = try llmMemories(pool).filter { $0.kind == .insight }
        #expect(insights.map(\.headline) == ["Validate every fix with the tests"])

        let decoded = try ReplyDecoder.decode(
            ChatStandIn.fullReply(insights: [naming]), kinds: [.insight], trajectory: handMadeTrajectories()[0],
            names: AbstractionCheck.names(of: handMadeTrajectories()[0]))
        #expect(decoded.memories.isEmpty && decoded.rejected == ["alpha-lib"])
    }
}
