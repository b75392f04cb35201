import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// The capture hook compacts what it captured: offline always, through an agent CLI when one is
/// chosen, within today's budget.
@Suite struct HookCompactionTests {
    /// A short Claude Code session: a failing test, an install, an edit, a passing test.
    static func transcript(session: String) -> String {
        var lines: [String] = []
        var parent = "null"
        func line(_ n: Int, _ type: String, _ message: String) {
            let uuid = "00000000-0000-4000-8000-0000000000\(String(format: "%02d", n))"
            lines.append(#"{"parentUuid":\#(parent),"isSidechain":false,"userType":"external","cwd":"/work/widget","sessionId":"\#(session)","version":"2.1.38","gitBranch":"main","type":"\#(type)","message":\#(message),"uuid":"\#(uuid)","timestamp":"2026-02-10T21:12:\#(String(format: "%02d", n)).000Z"}"#)
            parent = "\"\(uuid)\""
        }
        line(1, "user", #"{"role":"user","content":"Fix the failing parser test"}"#)
        let steps: [(String, String, Bool)] = [
            (#"{"command":"python -m pytest tests/test_parse.py"}"#, "ModuleNotFoundError: No module named 'yaml'", true),
            (#"{"command":"pip install pyyaml"}"#, "Successfully installed pyyaml", false),
            (#"{"file_path":"/work/widget/parse.py","old_string":"x[0]","new_string":"x[0] if x else None"}"#, "The file has been updated.", false),
            (#"{"command":"python -m pytest tests/test_parse.py"}"#, "3 passed in 0.02s", false),
        ]
        for (i, (input, output, error)) in steps.enumerated() {
            let id = "toolu_\(session.prefix(6))\(i)"
            let tool = input.contains("file_path") ? "Edit" : "Bash"
            line(2 + 2 * i, "assistant", #"{"model":"claude-opus-4-6","id":"msg_\#(i)","type":"message","role":"assistant","content":[{"type":"tool_use","id":"\#(id)","name":"\#(tool)","input":\#(input)}],"stop_reason":null,"stop_sequence":null}"#)
            line(3 + 2 * i, "user", #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":"\#(output)","is_error":\#(error)}]}"#)
        }
        line(20, "assistant", #"{"model":"claude-opus-4-6","id":"msg_end","type":"message","role":"assistant","content":[{"type":"text","text":"Installed the missing module and guarded empty input; the tests pass."}],"stop_reason":"end_turn","stop_sequence":null}"#)
        return lines.joined(separator: "\n") + "\n"
    }

    func sessionEnd(_ directory: TemporaryDirectory, session: String) throws -> String {
        let file = directory.file("\(session).jsonl")
        try Self.transcript(session: session).write(toFile: file, atomically: true, encoding: .utf8)
        return #"{"session_id":"\#(session)","transcript_path":"\#(file)","cwd":"/tmp","hook_event_name":"SessionEnd"}"#
    }

    func hookLog(_ pool: Pool) -> String {
        (try? String(contentsOfFile: pool.repository.gitDirectory + "/mnem/hooks.log", encoding: .utf8)) ?? ""
    }

    @Test func theCaptureHookCompactsOffline() throws {
        let directory = TemporaryDirectory("hook-compact")
        let (pool, path) = try makePool(directory)
        let run = mnem(["hook", "claude-code", "session-end", try sessionEnd(directory, session: "s-offline"), "--foreground"], pool: path)
        #expect(run.status == 0)
        #expect(try pool.entries(kinds: [.trajectory]).count == 1)
        #expect(try pool.memories(kinds: [.workflow, .summary]).allSatisfy { $0.tags.contains(CompactionTag.offline) })
        #expect(try pool.entries(kinds: [.workflow]).count == 1 && pool.entries(kinds: [.summary]).count == 1)
        #expect(FileManager.default.fileExists(atPath: CompactionState.path(gitDirectory: pool.repository.gitDirectory)))

        let off = mnem(["hook", "claude-code", "session-end", try sessionEnd(directory, session: "s-off"), "--foreground"], pool: path, environment: ["MNEM_HOOK_COMPACT": "0"])
        #expect(off.status == 0)
        #expect(try pool.entries(kinds: [.trajectory]).count == 2 && pool.entries(kinds: [.workflow]).count == 1)
    }

    @Test func theHookUsesTheChosenAgentWithinTodaysBudget() throws {
        let directory = TemporaryDirectory("hook-llm")
        let (pool, path) = try makePool(directory)
        let agent = try AgentStandIn(.claude, in: directory)
        try agent.reply(ChatStandIn.fullReply())
        let run = mnem(["hook", "claude-code", "session-end", try sessionEnd(directory, session: "s-llm-1"), "--foreground"], pool: path, environment: agent.environment)
        #expect(run.status == 0)
        #expect(agent.calls == 1)
        #expect(try pool.memories().filter { $0.tags.contains(CompactionTag.llm) }.map(\.kind).sorted() == [.workflow, .summary, .insight])
        let ledger = DailyBudget(gitDirectory: pool.repository.gitDirectory, maxCalls: 1, maxTokens: 1_000_000)
        #expect(ledger.spent().calls == 1 && ledger.spent().tokens == 15_620)

        // Today's budget (one call) is spent: the next capture is compacted offline only, and the log says why.
        let next = mnem(
            ["hook", "claude-code", "session-end", try sessionEnd(directory, session: "s-llm-2"), "--foreground"], pool: path,
            environment: agent.environment.merging(["MNEM_LLM_DAILY_CALLS": "1"]) { $1 })
        #expect(next.status == 0)
        #expect(agent.calls == 1)
        #expect(try pool.entries(kinds: [.workflow]).count == 3)
        #expect(hookLog(pool).contains("budget exhausted: 1 of at most 1 calls made today"), "\(hookLog(pool))")
        // A failing agent loses nothing: the capture and the offline compaction are there.
        try agent.raw("", status: 2)
        let failing = mnem(["hook", "claude-code", "session-end", try sessionEnd(directory, session: "s-llm-3"), "--foreground"], pool: path, environment: agent.environment)
        #expect(failing.status == 0)
        #expect(try pool.entries(kinds: [.trajectory]).count == 3 && pool.entries(kinds: [.summary]).count == 4)
        #expect(hookLog(pool).contains("claude exited with status 2"))
    }
}
