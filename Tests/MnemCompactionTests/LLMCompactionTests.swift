import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// The LLM compactor against a local chat-completions stand-in over real TCP.
@Suite struct LLMCompactionTests {
    /// A pool with two trajectories from two domains (one LLM call each).
    func poolWithTwoTrajectories(_ directory: TemporaryDirectory) throws -> (Pool, String) {
        let (pool, path) = try makePool(directory)
        let two = Array(handMadeTrajectories().prefix(2)) + [handMadeTrajectories()[2]]
        _ = try pool.add([two[0], two[2]], info: CommitInfo(summary: "capture"))
        return (pool, path)
    }

    func environment(_ server: ChatStandIn) -> [String: String] {
        ["MNEM_LLM_BASE_URL": server.baseURL, "MNEM_LLM_MODEL": "stand-in-model", "MNEM_LLM_API_KEY": "test-key"]
    }

    func llmMemories(_ pool: Pool) throws -> [Memory] {
        try pool.memories().filter { $0.tags.contains(CompactionTag.llm) }
    }

    @Test func succeedsAndCommitsOnce() throws {
        let directory = TemporaryDirectory("llm-ok")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let server = try ChatStandIn()
        let before = try commitCount(pool)
        let run = mnem(["compact", "--llm", "--json"], pool: path, environment: environment(server))
        #expect(run.status == 0, "\(run.console.stderr)")
        #expect(try commitCount(pool) == before + 1)
        let made = try llmMemories(pool)
        #expect(made.filter { $0.kind == .workflow }.count == 2)
        #expect(made.filter { $0.kind == .summary }.count == 2)
        // The same insight twice is consolidated into one, with the evidence of both.
        let insights = made.filter { $0.kind == .insight }
        #expect(insights.count == 1)
        #expect(insights.first?.insight?.evidence?.domains.count == 2)
        #expect(insights.first?.supersedes.isEmpty == true)
        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.contains("Bearer test-key") && $0.contains("stand-in-model") && $0.contains("POST /v1/chat/completions") })
        // Nothing new: no call, no commit.
        let again = mnem(["compact", "--llm"], pool: path, environment: environment(server))
        #expect(again.status == 0)
        #expect(server.requests.count == 2)
        #expect(try commitCount(pool) == before + 1)
    }

    @Test func retriesAMalformedReply() throws {
        let directory = TemporaryDirectory("llm-malformed")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let server = try ChatStandIn(script: [ChatStandIn.chat("Sure! Here is the workflow you asked for."), ChatStandIn.chat(#"{"workflow": {"goal": 3}}"#)])
        let run = mnem(["compact", "--llm", "--kind", "workflow"], pool: path, environment: environment(server))
        #expect(run.status == 0, "\(run.console.stderr)")
        #expect(try llmMemories(pool).filter { $0.kind == .workflow }.count == 2)
        #expect(server.requests.count == 4)
        // Asked for workflows only: no summary or insight was written.
        #expect(try llmMemories(pool).allSatisfy { $0.kind == .workflow })
    }

    @Test func honoursRetryAfterOn429() throws {
        let directory = TemporaryDirectory("llm-429")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let server = try ChatStandIn(script: [ChatStandIn.Reply(status: 429, headers: ["Retry-After": "1"], body: #"{"error":"slow down"}"#)])
        let started = Date()
        let run = mnem(["compact", "--llm", "--kind", "summary"], pool: path, environment: environment(server))
        #expect(run.status == 0, "\(run.console.stderr)")
        #expect(Date().timeIntervalSince(started) >= 0.9)
        #expect(try llmMemories(pool).filter { $0.kind == .summary }.count == 2)
        #expect(server.requests.count == 3)
    }

    @Test func refusedKeyWritesNothing() throws {
        let directory = TemporaryDirectory("llm-401")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        // The offline compactor's results are there before and untouched after.
        #expect(mnem(["compact"], pool: path).status == 0)
        let offline = try pool.memories().map(\.id).sorted()
        let before = try commitCount(pool)
        let server = try ChatStandIn(fallback: ChatStandIn.Reply(status: 401, body: #"{"error":{"message":"invalid api key"}}"#))
        let run = mnem(["compact", "--llm"], pool: path, environment: environment(server))
        #expect(run.status == 1)
        #expect(run.console.stderr.contains("refused the API key"))
        #expect(run.console.stderr.split(separator: "\n").count == 1)
        #expect(server.requests.count == 1)
        #expect(try commitCount(pool) == before)
        #expect(try pool.memories().map(\.id).sorted() == offline)
    }

    @Test func timeoutIsAClearErrorAndWritesNothing() throws {
        let directory = TemporaryDirectory("llm-timeout")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let before = try commitCount(pool)
        let server = try ChatStandIn(script: [ChatStandIn.Reply(status: 0, body: "")])
        let run = mnem(["compact", "--llm"], pool: path, environment: environment(server).merging(["MNEM_LLM_TIMEOUT": "1"]) { $1 })
        #expect(run.status == 1)
        #expect(run.console.stderr.contains("LLM request failed"))
        #expect(run.console.stderr.split(separator: "\n").count == 1)
        #expect(try commitCount(pool) == before)
    }

    @Test func malformedForeverFailsCleanly() throws {
        let directory = TemporaryDirectory("llm-bad")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let before = try commitCount(pool)
        let server = try ChatStandIn(fallback: ChatStandIn.chat("no JSON here"))
        let run = mnem(["compact", "--llm"], pool: path, environment: environment(server))
        #expect(run.status == 1)
        #expect(run.console.stderr.contains("not valid after 3 attempts"), "\(run.console.stderr)")
        #expect(server.requests.count == 3)
        #expect(try commitCount(pool) == before)
    }

    @Test func stopsWhenTheBudgetIsExhausted() throws {
        let directory = TemporaryDirectory("llm-budget")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let server = try ChatStandIn()
        let run = mnem(["compact", "--llm", "--max-calls", "1"], pool: path, environment: environment(server))
        #expect(run.status == 0)
        #expect(run.console.stderr.contains("budget exhausted"))
        #expect(server.requests.count == 1)
        // Only the trajectory whose call was made is committed.
        let made = try llmMemories(pool)
        #expect(made.filter { $0.kind == .workflow }.count == 1)
        #expect(made.filter { $0.kind == .summary }.count == 1)

        let tokens = mnem(["compact", "--llm", "--max-tokens", "100"], pool: path, environment: environment(server))
        #expect(tokens.console.stderr.contains("budget exhausted"))
        #expect(server.requests.count == 1)
    }

    @Test func dryRunCallsNothing() throws {
        let directory = TemporaryDirectory("llm-dry")
        let (pool, path) = try poolWithTwoTrajectories(directory)
        let server = try ChatStandIn()
        let before = try commitCount(pool)
        let run = mnem(["compact", "--llm", "--dry-run"], pool: path, environment: environment(server))
        #expect(run.status == 0)
        #expect(run.console.stdout.contains("would make 2 calls (openai) for 2 trajectories"), "\(run.console.stdout)")
        let json = mnem(["compact", "--llm", "--dry-run", "--json"], pool: path, environment: environment(server))
        #expect(json.console.stdout.contains("\"calls\": 2"))
        #expect(server.requests.isEmpty)
        #expect(try commitCount(pool) == before)
    }

    @Test func missingConfigurationIsAClearError() throws {
        let directory = TemporaryDirectory("llm-config")
        let (_, path) = try poolWithTwoTrajectories(directory)
        let run = mnem(["compact", "--llm"], pool: path)
        #expect(run.status == 1)
        #expect(run.console.stderr.contains("MNEM_LLM_BASE_URL"))
        // Pool configuration is read when the environment says nothing.
        let server = try ChatStandIn()
        try Shell.git(["config", "mnem.llm.baseurl", server.baseURL], in: path)
        try Shell.git(["config", "mnem.llm.model", "from-config"], in: path)
        let configured = mnem(["compact", "--llm", "--kind", "summary"], pool: path)
        #expect(configured.status == 0, "\(configured.console.stderr)")
        #expect(server.requests.first?.contains("from-config") == true)
    }

    @Test(arguments: [("5", 5.0), ("0", 0.0), ("x", nil), ("", nil)] as [(String, Double?)])
    func parsesRetryAfter(_ header: String, _ seconds: Double?) {
        #expect(ChatClient.retryAfter(header) == seconds)
    }
}
