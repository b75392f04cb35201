#!/usr/bin/env python3
"""A scripted OpenAI-compatible chat model on 127.0.0.1, for driving real agent releases offline.

mnem's `scripts/agent-releases.sh` runs the current mini-swe-agent and aider against this
stand-in so their real client code writes real transcripts. The stand-in plays one short,
fixed session on a small Python project (`calc.py`, whose `add` subtracts): look around, run
the failing test, edit, run the test again, submit. It is stateless: the number of assistant
turns already in the request says which step comes next, and the request itself says which
wire format the agent expects (tool calls, ```mswea_bash_command blocks, <mswea_bash_command>
tags, aider's whole-file or SEARCH/REPLACE edits). Streaming (`"stream": true`) is answered as
server-sent events, as the OpenAI API does.

Usage: agent_standin.py PORT_FILE   (listens on an ephemeral port and writes it to PORT_FILE)
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FIXED = "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n"

MINI_STEPS = [
    ("I need to see the repository and the function the issue is about first.", "ls && cat calc.py"),
    ("Let me run the unit tests to see the failure the issue describes.", "python3 -m unittest -v test_calc 2>&1"),
    ("add() returns a - b; it must return a + b. I'll fix that line with sed.",
     "sed -i 's/return a - b/return a + b/' calc.py && cat calc.py"),
    ("Now the tests should pass. Let me run them again to verify the fix.", "python3 -m unittest -v test_calc 2>&1"),
]
PATCH_STEP = ("The fix works. I'll write the patch file and check it.", "git diff -- calc.py > patch.txt && cat patch.txt")


def last_user_text(messages):
    for m in reversed(messages):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, list):
                return "\n".join(p.get("text", "") for p in c if isinstance(p, dict))
            return c or ""
    return ""


def all_text(messages):
    parts = []
    for m in messages:
        c = m.get("content")
        if isinstance(c, list):
            parts.extend(p.get("text", "") for p in c if isinstance(p, dict))
        elif isinstance(c, str):
            parts.append(c)
    return "\n".join(parts)


def mini_reply(body):
    """The next step of the mini-swe-agent session, in the format the request asks for.

    The model's name picks a variant: `…-no-check` submits right after the edit without
    running the tests again (and says nothing about them); `…-slow` takes over a second per
    answer, so a wall-time limit stops the run.
    """
    messages = body.get("messages", [])
    model = str(body.get("model", ""))
    if "slow" in model:
        time.sleep(1.2)
    turn = sum(1 for m in messages if m.get("role") == "assistant")
    text = all_text(messages)
    swebench = "cat patch.txt" in text
    steps = (MINI_STEPS[:3] if "no-check" in model else MINI_STEPS) + ([PATCH_STEP] if swebench else [])
    submit = "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" + (" && cat patch.txt" if swebench else "")
    if turn < len(steps):
        thought, command = steps[turn]
    elif "no-check" in model:
        thought, command = "Submitting the change.", submit
    else:
        thought, command = "All tests pass and the patch is what I intended. Submitting.", submit
    if body.get("tools"):
        call = {"id": f"call_{turn:02d}", "type": "function",
                "function": {"name": "bash", "arguments": json.dumps({"command": command})}}
        return {"role": "assistant", "content": thought, "tool_calls": [call],
                "reasoning_content": f"Step {turn + 1}: {thought.split('.')[0].lower()}."}
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    if "<mswea_bash_command>" in system:
        return {"role": "assistant", "content": f"THOUGHT: {thought}\n\n<mswea_bash_command>{command}</mswea_bash_command>"}
    fence = "mswea_bash_command" if "mswea_bash_command" in system else "bash"
    return {"role": "assistant", "content": f"THOUGHT: {thought}\n\n```{fence}\n{command}\n```"}


def aider_reply(body):
    """aider: the edit in the format its system prompt teaches, with a suggested test command."""
    messages = body.get("messages", [])
    system = "\n".join(m.get("content") or "" for m in messages if m.get("role") == "system")
    last = last_user_text(messages)
    if "commit message" in system.lower():
        return {"role": "assistant", "content": "fix: add() adds instead of subtracting"}
    if "/run" in last or "Ran 1 test" in last or "OK" in last.split("\n")[-3:]:
        return {"role": "assistant", "content": "The tests pass now: add() returns the sum."}
    explain = "add() subtracts its arguments; it should return their sum. Here is the change:\n\n"
    everything = all_text(messages)
    run = "\n\nRun the tests to check it:\n\n```bash\npython3 -m unittest -v test_calc\n```\n"
    if "unified diff" in system:
        return {"role": "assistant", "content": explain + "```diff\n--- calc.py\n+++ calc.py\n@@ ... @@\n def add(a, b):\n-    return a - b\n+    return a + b\n```" + run}
    if "```python\nmathweb/flask/app.py\n<<<<<<< SEARCH" in everything:
        # diff-fenced: the file name is the first line inside the fence.
        return {"role": "assistant", "content": explain + "```python\ncalc.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n"
                "=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n```" + run}
    if "SEARCH" in system and "REPLACE" in system:
        # The diff formats teach shell-command suggestions; the whole-file format does not.
        return {"role": "assistant", "content": explain + "calc.py\n```python\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n"
                "=======\ndef add(a, b):\n    return a + b\n>>>>>>> REPLACE\n```" + run}
    return {"role": "assistant", "content": explain + "calc.py\n```\n" + FIXED + "```\n"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_json({"object": "list", "data": [{"id": "standin", "object": "model"}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        messages = body.get("messages", [])
        # The driver names the model after the agent it runs (openai/aider-standin, openai/mini-standin).
        message = aider_reply(body) if "aider" in str(body.get("model", "")) else mini_reply(body)
        finish = "tool_calls" if message.get("tool_calls") else "stop"
        usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
        created = int(time.time())
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            delta = {"role": "assistant", "content": message.get("content") or ""}
            if message.get("tool_calls"):
                delta["tool_calls"] = [dict(c, index=i) for i, c in enumerate(message["tool_calls"])]
            for chunk in ({"delta": delta, "finish_reason": None}, {"delta": {}, "finish_reason": finish}):
                payload = {"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": created,
                           "model": body.get("model", "standin"), "choices": [dict(chunk, index=0)]}
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            return
        self.send_json({"id": "chatcmpl-standin", "object": "chat.completion", "created": created,
                        "model": body.get("model", "standin"),
                        "choices": [{"index": 0, "message": message, "finish_reason": finish}], "usage": usage})

    def send_json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()
