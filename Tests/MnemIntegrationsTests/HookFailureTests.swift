import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// A hook never hurts the agent: whatever goes wrong, exit 0, nothing on stdout, one log line.
@Suite("Hook failures")
struct HookFailureTests {
    /// A session start of a new session each time: a session is shown a memory only once.
    static var startEvent: String { #"{"session_id":"s-\#(UUID().uuidString)","cwd":"/tmp","hook_event_name":"SessionStart","source":"startup"}"# }

    @Test("No pool: exit 0, no output, one line in the fallback log")
    func noPool() throws {
        let world = try HookWorld()
        let result = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: ["MNEM_POOL": world.dir.file("missing")])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(world.fallbackLog.count == 1)
        #expect(world.fallbackLog.first?.contains("no pool") == true)
    }

    @Test("Bad input on stdin: exit 0, no output, one line in the pool's log", arguments: ["not json", "[1,2]", "", "{\"cwd\": 5"])
    func badInput(input: String) throws {
        let world = try HookWorld()
        try world.initPool()
        for event in ["session-start", "user-prompt-submit"] {
            let result = try world.mnem(["hook", "claude-code", event], stdin: input)
            #expect(result.status == 0)
            #expect(result.stdout.isEmpty)
        }
        #expect(world.poolLog.count == 2)
        #expect(world.poolLog.allSatisfy { $0.contains("bad input") })
    }

    @Test("Unknown agent or event: exit 0, no output, logged")
    func unknownEvent() throws {
        let world = try HookWorld()
        let result = try world.mnem(["hook", "vim", "session-start"], stdin: "{}")
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(world.fallbackLog.count == 1)
    }

    @Test("A sidecar that fails its checks is rebuilt, logged once, and the answer is still valid hook JSON")
    func corruptSidecar() throws {
        let world = try HookWorld()
        try world.initPool()
        let id = try world.addInsight()
        let first = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(first.stdout.contains(String(id.prefix(12))))
        #expect(world.poolLog.isEmpty, "a first index build is routine, not logged")
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: world.pool + "/mnem").filter { $0.hasSuffix(".vec") }
        let sidecar = world.pool + "/mnem/" + (try #require(sidecars.first))
        try Data(repeating: 0x5A, count: 4096).write(to: URL(fileURLWithPath: sidecar))
        let result = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(result.status == 0)
        let answer = try JSONParser.parse(result.stdout)
        #expect(answer["hookSpecificOutput"]?["additionalContext"]?.stringValue?.contains(String(id.prefix(12))) == true)
        #expect(world.poolLog.count == 1)
        #expect(world.poolLog.first?.contains("index rebuilt") == true)
    }

    @Test("A sidecar that cannot be rebuilt: exit 0, no output, one log line")
    func unrepairableSidecar() throws {
        let world = try HookWorld()
        try world.initPool()
        _ = try world.addInsight()
        _ = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: world.pool + "/mnem").filter { $0.hasSuffix(".vec") }
        let sidecar = world.pool + "/mnem/" + (try #require(sidecars.first))
        // A directory where the sidecar file should be: it can be neither read nor replaced.
        try FileManager.default.removeItem(atPath: sidecar)
        try FileManager.default.createDirectory(atPath: sidecar + "/blocked", withIntermediateDirectories: true)
        let result = try world.mnem(["hook", "claude-code", "session-start"], stdin: Self.startEvent)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(world.poolLog.count == 1)
    }

    @Test("Context later than the budget: nothing printed, exit 0, logged, and the hook does not wait for the work")
    func timeBudget() throws {
        let world = try HookWorld()
        try world.initPool()
        _ = try world.addInsight()
        let started = Date()
        let result = try world.mnem(
            ["hook", "claude-code", "session-start"], stdin: Self.startEvent, env: ["MNEM_HOOK_TEST_DELAY_MS": "8000", "MNEM_HOOK_BUDGET_MS": "300"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(elapsed < 7, "the hook returned before the slow work finished")
        #expect(world.poolLog.count == 1)
        #expect(world.poolLog.first?.contains("not ready within 300 ms") == true)
    }

    @Test("Capture of a missing transcript: the detached capture logs why, the hook itself returns at once with exit 0")
    func badCapture() throws {
        let world = try HookWorld()
        try world.initPool()
        let event = #"{"session_id":"s1","transcript_path":"/nonexistent/t.jsonl","cwd":"/tmp","hook_event_name":"SessionEnd"}"#
        let result = try world.mnem(["hook", "claude-code", "session-end"], stdin: event)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let deadline = Date().addingTimeInterval(30)
        while world.poolLog.isEmpty && Date() < deadline { usleep(100_000) }
        #expect(world.poolLog.count == 1)
        #expect(world.poolLog.first?.contains("not a file") == true)
        // Bad notify JSON from Codex (argv) likewise.
        let codex = try world.mnem(["hook", "codex", "notify", "{not json", "--foreground"])
        #expect(codex.status == 0 && codex.stdout.isEmpty)
        #expect(world.poolLog.count == 2)
    }
}
