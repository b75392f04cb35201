import Foundation
import MnemCore

@testable import MnemCapture

/// Small transcripts of every format, written at run time (our own text), with a command, a
/// tool output and a task that callers fill — with secrets, for the redaction tests.
enum FormatSamples {
    struct Sample {
        var name: String
        var format: TranscriptFormat
        var contents: String
    }

    static func json(_ value: JSONValue) -> String { CanonicalJSON.compactString(value) }
    static func lines(_ values: [JSONValue]) -> String { values.map(json).joined(separator: "\n") + "\n" }

    /// One sample per format: `task` is the user's request, `command` the step's input, `output`
    /// its observation, `thought` what the agent says before the step (its reasoning) and, in the
    /// formats that record one, part of its final message.
    static func all(
        task: String, command: String, output: String, thought: String = "The deploy script should show the failure.",
        secretURL: String = "https://example.com/repo.git"
    ) -> [Sample] {
        [
            Sample(name: "claude/session.jsonl", format: .claudeCode, contents: claude(task: task, command: command, output: output, thought: thought)),
            Sample(name: "codex/rollout-2026-03-02T10-00-00-abc.jsonl", format: .codex, contents: codex(task: task, command: command, output: output, repository: secretURL, thought: thought)),
            Sample(name: "gemini/session-2026-03-03T09-00-abcd.json", format: .geminiChat, contents: geminiChat(task: task, command: command, output: output, thought: thought)),
            Sample(name: "gemini/stream.jsonl", format: .geminiStream, contents: geminiStream(task: task, command: command, output: output, thought: thought)),
            Sample(name: "aider/.aider.chat.history.md", format: .aider, contents: aider(task: task, command: command, output: output, thought: thought)),
            Sample(name: "swe/run/instance-1.traj", format: .sweAgent, contents: sweAgent(task: task, command: command, output: output, thought: thought)),
            Sample(name: "mini/owner__project-12.traj.json", format: .miniSweAgent, contents: mini11(task: task, command: command, output: output, thought: thought)),
            Sample(name: "mini1/text.traj.json", format: .miniSweAgent, contents: mini1(task: task, command: command, output: output, thought: thought)),
            Sample(name: "openhands/events.json", format: .openHandsEvents, contents: openHandsEvents(task: task, command: command, output: output, thought: thought)),
            Sample(name: "openhands/output.jsonl", format: .openHandsResolver, contents: openHandsResolver(task: task, command: command, output: output, thought: thought)),
            Sample(name: "atif/run.trajectory.json", format: .atif, contents: atif(task: task, command: command, output: output, thought: thought)),
        ]
    }

    static func claudeLine(type: String, uuid: String, session: String = "c1a2b3c4-0000-4000-8000-000000000001", message: JSONValue, extra: [String: JSONValue] = [:]) -> JSONValue {
        var m: [String: JSONValue] = [
            "type": .string(type), "uuid": .string(uuid), "sessionId": .string(session), "version": "2.1.40", "cwd": "/home/dev/shop",
            "gitBranch": "main", "isSidechain": false, "userType": "external", "timestamp": "2026-03-01T12:00:00.000Z", "message": message,
        ]
        for (k, v) in extra { m[k] = v }
        return .object(m)
    }

    static func claudeToolPair(id: String, command: String, output: String, isError: Bool = false) -> [JSONValue] {
        [
            claudeLine(type: "assistant", uuid: "a-\(id)", message: [
                "model": "claude-opus-4-6", "role": "assistant", "type": "message",
                "content": [["type": "tool_use", "id": .string(id), "name": "Bash", "input": ["command": .string(command)]]],
            ]),
            claudeLine(type: "user", uuid: "u-\(id)", message: [
                "role": "user",
                "content": [["type": "tool_result", "tool_use_id": .string(id), "content": .string(output), "is_error": .bool(isError)]],
            ], extra: ["toolUseResult": ["stdout": .string(output), "stderr": "", "interrupted": false]]),
        ]
    }

    static func claude(task: String, command: String, output: String, session: String = "c1a2b3c4-0000-4000-8000-000000000001", thought: String = "Run it.") -> String {
        var out: [JSONValue] = [
            ["type": "file-history-snapshot", "messageId": "m0", "snapshot": ["messageId": "m0", "trackedFileBackups": [:], "timestamp": "2026-03-01T12:00:00.000Z"], "isSnapshotUpdate": false],
            claudeLine(type: "user", uuid: "u0", session: session, message: ["role": "user", "content": .string(task)]),
            claudeLine(type: "assistant", uuid: "a0", session: session, message: [
                "model": "claude-opus-4-6", "role": "assistant", "type": "message",
                "content": [["type": "thinking", "thinking": .string(thought), "signature": "sig"]],
            ]),
        ]
        out += claudeToolPair(id: "toolu_01", command: command, output: output)
        out.append(claudeLine(type: "assistant", uuid: "a9", session: session, message: [
            "model": "claude-opus-4-6", "role": "assistant", "type": "message", "content": [["type": "text", "text": .string("Finished. " + thought)]],
        ]))
        return lines(out)
    }

    static func codex(task: String, command: String, output: String, repository: String, thought: String = "Run it.") -> String {
        lines([
            ["timestamp": "2026-03-02T10:00:00.000Z", "type": "session_meta", "payload": [
                "id": "0199a1b2-0000-7000-8000-00000000000a", "cwd": "/home/dev/shop", "cli_version": "0.116.0", "originator": "codex_cli_rs",
                "git": ["commit_hash": "0123456789abcdef0123456789abcdef01234567", "branch": "main", "repository_url": .string(repository)],
            ]],
            ["timestamp": "2026-03-02T10:00:01.000Z", "type": "turn_context", "payload": ["model": "gpt-5.3-codex", "cwd": "/home/dev/shop"]],
            ["timestamp": "2026-03-02T10:00:02.000Z", "type": "event_msg", "payload": ["type": "user_message", "message": .string(task)]],
            ["timestamp": "2026-03-02T10:00:02.500Z", "type": "response_item", "payload": [
                "type": "reasoning", "summary": [["type": "summary_text", "text": .string(thought)]], "content": nil, "encrypted_content": "opaque",
            ]],
            ["timestamp": "2026-03-02T10:00:03.000Z", "type": "response_item", "payload": [
                "type": "function_call", "name": "exec_command", "call_id": "call_1", "arguments": .string(json(["cmd": .string(command)])),
            ]],
            ["timestamp": "2026-03-02T10:00:04.000Z", "type": "response_item", "payload": [
                "type": "function_call_output", "call_id": "call_1", "output": .string("Process exited with code 0\nOutput:\n" + output),
            ]],
            ["timestamp": "2026-03-02T10:00:05.000Z", "type": "response_item", "payload": [
                "type": "message", "role": "assistant", "content": [["type": "output_text", "text": .string("Finished. " + thought)]],
            ]],
        ])
    }

    static func geminiChat(task: String, command: String, output: String, thought: String = "Run it.") -> String {
        json([
            "sessionId": "g-0001", "projectHash": "abc123", "startTime": "2026-03-03T09:00:00.000Z", "lastUpdated": "2026-03-03T09:01:00.000Z",
            "messages": [
                ["id": "1", "timestamp": "2026-03-03T09:00:00.000Z", "type": "user", "content": .string(task)],
                ["id": "2", "timestamp": "2026-03-03T09:00:30.000Z", "type": "gemini", "content": "Running it.", "model": "gemini-2.5-pro",
                 "thoughts": [["subject": "plan", "description": .string(thought), "timestamp": "2026-03-03T09:00:20.000Z"]],
                 "toolCalls": [[
                    "id": "run_shell_command-1", "name": "run_shell_command", "args": ["command": .string(command)], "status": "success",
                    "timestamp": "2026-03-03T09:00:31.000Z",
                    "result": [["functionResponse": ["id": "run_shell_command-1", "name": "run_shell_command", "response": ["output": .string(output)]]]],
                 ]]],
                ["id": "3", "timestamp": "2026-03-03T09:00:50.000Z", "type": "gemini", "content": .string("Finished. " + thought), "model": "gemini-2.5-pro"],
            ],
        ])
    }

    static func geminiStream(task: String, command: String, output: String, thought: String = "Run it.") -> String {
        lines([
            ["type": "init", "timestamp": "2026-03-03T09:00:00.000Z", "session_id": "gs-1", "model": "gemini-2.5-pro"],
            ["type": "message", "timestamp": "2026-03-03T09:00:00.100Z", "role": "user", "content": .string(task)],
            ["type": "message", "timestamp": "2026-03-03T09:00:00.500Z", "role": "assistant", "content": .string(thought), "delta": true],
            ["type": "tool_use", "timestamp": "2026-03-03T09:00:01.000Z", "tool_name": "run_shell_command", "tool_id": "t1", "parameters": ["command": .string(command)]],
            ["type": "tool_result", "timestamp": "2026-03-03T09:00:02.000Z", "tool_id": "t1", "status": "success", "output": .string(output)],
            ["type": "message", "timestamp": "2026-03-03T09:00:02.500Z", "role": "assistant", "content": .string("Finished. " + thought), "delta": true],
            ["type": "result", "timestamp": "2026-03-03T09:00:03.000Z", "status": "success", "stats": ["total_tokens": 10]],
        ])
    }

    static func aider(task: String, command: String, output: String, thought: String = "I'll change the settings.") -> String {
        let quoted = output.split(separator: "\n", omittingEmptySubsequences: false).map { "> \($0)  " }.joined(separator: "\n")
        return """

        # aider chat started at 2026-03-04 08:00:00

        > aider --model sonnet  
        > Aider v0.86.2  
        > Main model: claude-sonnet-4-5 with diff edit format  

        #### \(task.replacingOccurrences(of: "\n", with: "  \n#### "))  

        \(thought)

        settings.py
        ```python
        <<<<<<< SEARCH
        TOKEN = None
        =======
        \(output)
        >>>>>>> REPLACE
        ```

        > Applied edit to settings.py  
        > Commit 1a2b3c4 chore: settings  
        > \(command)  
        > Run shell command? (Y)es/(N)o [Yes]: y  
        > Running \(command)  
        \(quoted)

        """
    }

    static func sweAgent(task: String, command: String, output: String, thought: String = "reasoning") -> String {
        json([
            "environment": "swe_main",
            "trajectory": [
                ["action": .string(command + "\n"), "observation": .string(output), "response": .string(thought), "thought": .string(thought),
                 "state": "{\"open_file\": \"n/a\", \"working_dir\": \"/owner__project\"}"],
                ["action": "submit\n", "observation": "diff --git a/x b/x", "response": "", "thought": .string("Finished. " + thought), "state": "{}"],
            ],
            "history": [
                ["role": "system", "content": "SETTING", "agent": "primary"],
                ["role": "user", "content": .string("We're currently solving the following issue within our repository. Here's the issue text:\nISSUE:\n\(task)\n\nINSTRUCTIONS:\nSolve it."), "agent": "primary"],
            ],
            "info": ["exit_status": "submitted", "submission": "diff --git a/x b/x", "model_stats": ["instance_cost": .double(0.5), "api_calls": 2]],
        ])
    }

    static func mini11(task: String, command: String, output: String, thought: String = "Let me look.") -> String {
        json([
            "trajectory_format": "mini-swe-agent-1.1", "instance_id": "owner__project-12",
            "info": ["exit_status": "Submitted", "submission": "diff --git a/y b/y", "mini_version": "2.2.7",
                     "model_stats": ["instance_cost": .double(0.01), "api_calls": 2], "config": ["model": ["model_name": "deepseek/deepseek-chat"]]],
            "messages": [
                ["role": "system", "content": "You are a helpful assistant."],
                ["role": "user", "content": .string("<pr_description>\nConsider the following PR description:\n\(task)\n</pr_description>")],
                ["role": "assistant", "content": .string(thought), "tool_calls": [[
                    "id": "call_1", "type": "function", "function": ["name": "bash", "arguments": .string(json(["command": .string(command)]))],
                ]], "extra": ["timestamp": .double(1775803317.5)]],
                ["role": "tool", "tool_call_id": "call_1", "content": .string("<returncode>0</returncode>\n<output>\n\(output)\n</output>"),
                 "extra": ["returncode": 0, "timestamp": .double(1775803318.0)]],
                ["role": "assistant", "content": .string("Finished. " + thought), "tool_calls": [[
                    "id": "call_2", "type": "function", "function": ["name": "bash", "arguments": "{\"command\": \"echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT\"}"],
                ]]],
                ["role": "exit", "content": "diff --git a/y b/y", "extra": ["exit_status": "Submitted", "submission": "diff --git a/y b/y"]],
            ],
        ])
    }

    static func mini1(task: String, command: String, output: String, thought: String = "run it") -> String {
        json([
            "trajectory_format": "mini-swe-agent-1",
            "info": ["exit_status": "LimitsExceeded", "submission": "", "mini_version": "1.9.1",
                     "model_stats": ["instance_cost": .double(0.01), "api_calls": 1], "config": ["model": ["model_name": "gpt-4o-mini"]]],
            "messages": [
                ["role": "system", "content": "You are a helpful assistant."],
                ["role": "user", "content": .string("Please solve this issue: \(task)\n\nYou can execute bash commands.")],
                ["role": "assistant", "content": .string("THOUGHT: \(thought)\n\n```bash\n\(command)\n```")],
                ["role": "user", "content": [["type": "text", "text": .string("<returncode>1</returncode>\n<output>\n\(output)\n</output>")]]],
            ],
        ])
    }

    static func openHandsEvents(task: String, command: String, output: String, thought: String = "reasoning") -> String {
        json([
            ["id": 0, "timestamp": "2026-03-05T10:00:00", "source": "user", "message": .string(task), "action": "message",
             "args": ["content": .string(task), "image_urls": [], "wait_for_response": false]],
            ["id": 1, "timestamp": "2026-03-05T10:00:01", "source": "agent", "message": "Running command", "action": "run",
             "tool_call_metadata": ["function_name": "execute_bash", "tool_call_id": "toolu_1", "model_response": ["model": "claude-3-5-sonnet-20241022"]],
             "args": ["command": .string(command), "thought": .string(thought), "blocking": false]],
            ["id": 2, "timestamp": "2026-03-05T10:00:02", "source": "agent", "message": "Command finished", "cause": 1, "observation": "run",
             "content": .string(output), "extras": ["command": .string(command), "metadata": ["exit_code": 0]], "success": true],
            ["id": 3, "timestamp": "2026-03-05T10:00:03", "source": "agent", "message": "done", "action": "finish",
             "args": ["outputs": [:], "thought": "", "final_thought": .string("Finished. " + thought), "task_completed": "true"]],
        ])
    }

    static func openHandsResolver(task: String, command: String, output: String, thought: String = "reasoning") -> String {
        lines([[
            "issue": ["owner": "acme", "repo": "shop", "number": 7, "title": "Fix config", "body": .string(task)],
            "issue_type": "issue", "instruction": .string("Please fix the following issue for the repository in /workspace.\n\(task)"), "base_commit": "abc", "git_patch": "diff",
            "history": [
                ["action": "message", "content": "Please fix", "wait_for_response": false],
                ["action": "run", "command": .string(command), "thought": .string(thought), "is_confirmed": "confirmed"],
                ["observation": "run", "content": .string(output), "command": .string(command), "exit_code": 0, "command_id": -1],
                ["action": "finish", "thought": .string("Finished. " + thought)],
            ],
            "metrics": ["accumulated_cost": .double(0.1)], "success": false, "success_explanation": "tests failed", "comment_success": nil, "error": nil,
        ]])
    }

    static func atif(task: String, command: String, output: String, thought: String = "reasoning") -> String {
        json([
            "schema_version": "ATIF-v1.4", "session_id": "atif-1", "agent": ["name": "terminus-2", "version": "2.0.0", "model_name": "openai/gpt-4o"],
            "steps": [
                ["step_id": 1, "source": "user", "message": .string(task)],
                ["step_id": 2, "source": "agent", "message": "Analysis: run it", "reasoning_content": .string(thought),
                 "tool_calls": [["tool_call_id": "call_0", "function_name": "bash_command", "arguments": ["keystrokes": .string(command + "\n")]]],
                 "observation": ["results": [["source_call_id": "call_0", "content": .string(output)]]]],
                ["step_id": 3, "source": "agent", "message": .string("Finished. " + thought)],
            ],
        ])
    }
}
