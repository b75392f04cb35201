import Foundation

/// Small transcripts written in the shapes FORMATS.md documents.
enum Fixtures {
    /// A Codex rollout (cli 0.116.0 shape): one turn with a failing test, a patch and a passing test.
    static func codexRollout(threadID: String, cwd: String) -> String {
        let lines = [
            #"{"timestamp":"2026-01-01T10:00:00.000Z","type":"session_meta","payload":{"id":"THREAD","timestamp":"2026-01-01T10:00:00.000Z","cwd":"CWD","originator":"codex_cli_rs","cli_version":"0.116.0","source":"cli","model_provider":"openai","base_instructions":{"text":"You are Codex."}}}"#,
            #"{"timestamp":"2026-01-01T10:00:00.200Z","type":"turn_context","payload":{"turn_id":"turn-1","cwd":"CWD","approval_policy":"on-request","sandbox_policy":{"type":"workspace-write","network_access":false},"model":"gpt-5.3-codex","effort":"medium","summary":"auto"}}"#,
            #"{"timestamp":"2026-01-01T10:00:00.300Z","type":"event_msg","payload":{"type":"task_started","turn_id":"turn-1","model_context_window":272000}}"#,
            #"{"timestamp":"2026-01-01T10:00:00.400Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the rounding bug in ledger/money.py so totals match the invoice tests"}]}}"#,
            #"{"timestamp":"2026-01-01T10:00:00.400Z","type":"event_msg","payload":{"type":"user_message","message":"Fix the rounding bug in ledger/money.py so totals match the invoice tests","images":[],"local_images":[],"text_elements":[]}}"#,
            #"{"timestamp":"2026-01-01T10:00:01.500Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\": \"python -m pytest tests/test_invoice.py -q\"}","call_id":"call_A1"}}"#,
            #"{"timestamp":"2026-01-01T10:00:02.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_A1","output":"Process exited with code 1\nOutput:\nFAILED tests/test_invoice.py::test_total - AssertionError: 10.005 != 10.01\n1 failed, 1 passed in 0.12s\n"}}"#,
            #"{"timestamp":"2026-01-01T10:00:03.000Z","type":"response_item","payload":{"type":"custom_tool_call","status":"completed","call_id":"call_A2","name":"apply_patch","input":"*** Begin Patch\n*** Update File: ledger/money.py\n@@\n-    return round(total, 2)\n+    return total.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)\n*** End Patch\n"}}"#,
            #"{"timestamp":"2026-01-01T10:00:03.200Z","type":"response_item","payload":{"type":"custom_tool_call_output","call_id":"call_A2","output":"{\"output\": \"Success. Updated the following files:\\nM ledger/money.py\\n\", \"metadata\": {\"exit_code\": 0, \"duration_seconds\": 0.0}}"}}"#,
            #"{"timestamp":"2026-01-01T10:00:04.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{\"cmd\": \"python -m pytest tests/test_invoice.py -q\"}","call_id":"call_A3"}}"#,
            #"{"timestamp":"2026-01-01T10:00:05.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_A3","output":"Process exited with code 0\nOutput:\n..\n2 passed in 0.10s\n"}}"#,
            #"{"timestamp":"2026-01-01T10:00:06.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Totals now round half-up; both invoice tests pass."}],"phase":"final"}}"#,
            #"{"timestamp":"2026-01-01T10:00:06.100Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"turn-1","last_agent_message":"Totals now round half-up; both invoice tests pass."}}"#,
        ]
        return lines.joined(separator: "\n").replacingOccurrences(of: "THREAD", with: threadID).replacingOccurrences(of: "CWD", with: cwd) + "\n"
    }

    /// A Claude Code session (2.1.x shape): a prompt, one Bash tool call and its result.
    static func claudeSession(sessionID: String, cwd: String) -> String {
        let lines = [
            #"{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"CWD","sessionId":"SID","version":"2.1.38","gitBranch":"main","type":"user","message":{"role":"user","content":"Make the unit tests pass"},"uuid":"u1","timestamp":"2026-01-01T10:00:00.000Z"}"#,
            #"{"parentUuid":"u1","isSidechain":false,"userType":"external","cwd":"CWD","sessionId":"SID","version":"2.1.38","gitBranch":"main","message":{"model":"claude-opus-4-6","id":"msg_1","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"swift test"}}],"stop_reason":null,"stop_sequence":null},"requestId":"req_1","type":"assistant","uuid":"a1","timestamp":"2026-01-01T10:00:01.000Z"}"#,
            #"{"parentUuid":"a1","isSidechain":false,"userType":"external","cwd":"CWD","sessionId":"SID","version":"2.1.38","gitBranch":"main","type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"Test run with 3 tests passed","is_error":false}]},"uuid":"u2","timestamp":"2026-01-01T10:00:05.000Z","toolUseResult":{"stdout":"Test run with 3 tests passed","stderr":"","interrupted":false,"isImage":false}}"#,
        ]
        return lines.joined(separator: "\n").replacingOccurrences(of: "SID", with: sessionID).replacingOccurrences(of: "CWD", with: cwd) + "\n"
    }
}

extension Fixtures {
    /// A Gemini CLI chat log (`session-*.json`): a prompt and one shell tool call with its result.
    static func geminiChat(sessionID: String) -> String {
        """
        {"sessionId":"\(sessionID)","projectHash":"abc","startTime":"2026-01-01T10:00:00.000Z","lastUpdated":"2026-01-01T10:01:00.000Z","messages":[
          {"id":"m1","timestamp":"2026-01-01T10:00:00.000Z","type":"user","content":"Why does the build fail?"},
          {"id":"m2","timestamp":"2026-01-01T10:00:10.000Z","type":"gemini","content":"Let me run the build.","model":"gemini-2.5-pro","thoughts":[],"tokens":{"input":10,"output":5,"cached":0,"thoughts":0,"tool":0,"total":15},
           "toolCalls":[{"id":"c1","name":"run_shell_command","args":{"command":"make build"},"result":[{"functionResponse":{"id":"c1","name":"run_shell_command","response":{"output":"make: *** [build] Error 2"}}}],"status":"error","timestamp":"2026-01-01T10:00:12.000Z"}]}
        ]}

        """
    }
}
