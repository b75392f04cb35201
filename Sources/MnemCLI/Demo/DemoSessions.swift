import MnemCore

/// Four short agent sessions mnem ships for `mnem demo`, written for this project in the
/// mini-swe-agent 1.1 trajectory format: three bugs fixed in different languages, and one run
/// that hit its step limit. Enough for capture and compaction to show what they do.
enum DemoSessions {
    struct Step {
        var command: String
        var output: String
        var code: Int
    }

    struct Session {
        var instance: String
        var task: String
        var steps: [Step]
        var exitStatus: String
        var submission: String
    }

    static let all: [Session] = [
        Session(
            instance: "dateparse__dateparse-12", task: "dateparse.parse rejects ISO 8601 timestamps that carry a UTC offset such as +02:00.",
            steps: [
                Step(command: "python -c \"import dateparse; dateparse.parse('2024-01-01T00:00:00+02:00')\"", output: "Traceback (most recent call last):\nValueError: unsupported offset '+02:00'", code: 1),
                Step(command: "grep -n OFFSET dateparse/core.py", output: "14:OFFSET = re.compile(r\"Z$\")", code: 0),
                Step(command: "sed -n 1,40p dateparse/core.py", output: "import re\n\nOFFSET = re.compile(r\"Z$\")\n\ndef parse(text):\n    ...", code: 0),
                Step(command: "sed -i 's/r\"Z$\"/r\"(Z|[+-]\\\\d\\\\d:\\\\d\\\\d)$\"/' dateparse/core.py", output: "", code: 0),
                Step(command: "python -m pytest -q", output: "215 passed in 1.92s", code: 0),
            ], exitStatus: "Submitted", submission: "diff --git a/dateparse/core.py b/dateparse/core.py\n-OFFSET = re.compile(r\"Z$\")\n+OFFSET = re.compile(r\"(Z|[+-]\\d\\d:\\d\\d)$\")\n"),
        Session(
            instance: "ledger__ledger-7", task: "Invoice totals are off by one cent when line items are rounded before summing.",
            steps: [
                Step(command: "cargo test invoice_total", output: "test invoice_total ... FAILED\nassertion failed: left == right (10.01 vs 10.00)\nerror: test failed", code: 101),
                Step(command: "rg -n round src/", output: "src/money.rs:22:        .map(|i| i.price.round_dp(2))", code: 0),
                Step(command: "cat src/money.rs", output: "pub fn total(items: &[Item]) -> Decimal {\n    items.iter().map(|i| i.price.round_dp(2)).sum()\n}", code: 0),
                Step(command: "sed -i 's/.map(|i| i.price.round_dp(2)).sum()/.map(|i| i.price).sum::<Decimal>().round_dp(2)/' src/money.rs", output: "", code: 0),
                Step(command: "cargo test", output: "test result: ok. 48 passed; 0 failed", code: 0),
            ], exitStatus: "Submitted", submission: "diff --git a/src/money.rs b/src/money.rs\n-    items.iter().map(|i| i.price.round_dp(2)).sum()\n+    items.iter().map(|i| i.price).sum::<Decimal>().round_dp(2)\n"),
        Session(
            instance: "webcart__webcart-31", task: "The cart badge shows NaN after the last item is removed.",
            steps: [
                Step(command: "npm test -- badge", output: "FAIL src/badge.test.js\n  Expected: \"0\"\n  Received: \"NaN\"", code: 1),
                Step(command: "grep -rn badgeCount src/", output: "src/cart.js:41:  const badgeCount = items.reduce((n, i) => n + i.qty) ", code: 0),
                Step(command: "sed -n 30,50p src/cart.js", output: "export function badge(items) {\n  const badgeCount = items.reduce((n, i) => n + i.qty)\n  return String(badgeCount)\n}", code: 0),
                Step(command: "sed -i 's/n + i.qty)/n + i.qty, 0)/' src/cart.js", output: "", code: 0),
                Step(command: "npm test", output: "Tests: 112 passed, 112 total", code: 0),
            ], exitStatus: "Submitted", submission: "diff --git a/src/cart.js b/src/cart.js\n-  const badgeCount = items.reduce((n, i) => n + i.qty)\n+  const badgeCount = items.reduce((n, i) => n + i.qty, 0)\n"),
        Session(
            instance: "imgtool__imgtool-5", task: "Resize panics on zero-width images instead of returning an error.",
            steps: [
                Step(command: "sed -i 's/w := img.Bounds().Dx()/w := max(1, img.Bounds().Dx())/' resize/resize.go", output: "", code: 0),
                Step(command: "go build ./...", output: "resize/resize.go:18:7: undefined: max", code: 1),
                Step(command: "sed -i 's/max(1, img.Bounds().Dx())/img.Bounds().Dx() + 1/' resize/resize.go", output: "", code: 0),
                Step(command: "go build ./...", output: "", code: 0),
                Step(command: "sed -i 's/+ 1/+ 0/' resize/resize.go", output: "", code: 0),
            ], exitStatus: "LimitsExceeded", submission: ""),
    ]

    /// The session as a mini-swe-agent 1.1 `.traj.json` document.
    static func document(_ session: Session) -> JSONValue {
        var messages: [JSONValue] = [
            ["role": "system", "content": "You are a helpful assistant that can interact with a computer shell."],
            ["role": "user", "content": .string("<pr_description>\n\(session.task)\n</pr_description>")],
        ]
        for (n, step) in session.steps.enumerated() {
            let id = "call_\(n)"
            let arguments = CanonicalJSON.compactString(["command": .string(step.command)])
            messages.append([
                "role": "assistant", "content": "",
                "tool_calls": [["id": .string(id), "type": "function", "function": ["name": "bash", "arguments": .string(arguments)]]],
            ])
            messages.append([
                "role": "tool", "tool_call_id": .string(id),
                "content": .string("<returncode>\(step.code)</returncode>\n<output>\n\(step.output)\n</output>"),
                "extra": ["returncode": .int(Int64(step.code))],
            ])
        }
        messages.append(["role": "exit", "content": .string(session.submission), "extra": ["exit_status": .string(session.exitStatus), "submission": .string(session.submission)]])
        return [
            "trajectory_format": "mini-swe-agent-1.1",
            "instance_id": .string(session.instance),
            "messages": .array(messages),
            "info": [
                "exit_status": .string(session.exitStatus), "submission": .string(session.submission), "mini_version": "2.2.7",
                "config": ["model": ["model_name": "demo/hand-written"]],
            ],
        ]
    }
}
