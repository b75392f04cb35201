import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// Gemini CLI and Cursor: installed hooks run as those agents run them.
@Suite("Gemini CLI and Cursor hooks")
struct OtherAgentsTests {
    @Test("Gemini CLI: SessionEnd captures transcript_path, SessionStart answers with hook JSON")
    func gemini() throws {
        let world = try HookWorld()
        try world.initPool()
        #expect(try world.mnem(["hooks", "install", "gemini"]).status == 0)
        let settings = try readJSON(world.home + "/.gemini/settings.json")
        let end = try #require(hookCommands(settings, "SessionEnd").first)
        let start = try #require(hookCommands(settings, "SessionStart").first)
        let chat = world.home + "/.gemini/tmp/abc/chats/session-2026-01-01T10-00-g1.json"
        try writeFile(chat, Fixtures.geminiChat(sessionID: "g1"))
        let event = #"{"session_id":"g1","transcript_path":"\#(chat)","cwd":"\#(world.project)","hook_event_name":"SessionEnd","timestamp":"2026-01-01T10:01:00Z"}"#
        let ended = try world.runHook(end + " --foreground", stdin: event)
        #expect(ended.status == 0 && ended.stdout.isEmpty)
        let memories = try world.memories()
        #expect(memories.contains { $0["source"]?["sessionId"]?.stringValue == "g1" }, "\(world.poolLog)")

        let insight = try world.addInsight()
        let answer = try world.runHook(start, stdin: #"{"session_id":"g2","cwd":"\#(world.project)","hook_event_name":"SessionStart"}"#)
        let parsed = try JSONParser.parse(answer.stdout)
        #expect(parsed["hookSpecificOutput"]?["additionalContext"]?.stringValue?.contains(String(insight.prefix(12))) == true)
    }

    @Test("Cursor: sessionStart answers with additional_context; stop without a transcript logs and exits 0")
    func cursor() throws {
        let world = try HookWorld()
        try world.initPool()
        #expect(try world.mnem(["hooks", "install", "cursor", "--scope", "project"]).status == 0)
        let settings = try readJSON(world.project + "/.cursor/hooks.json")
        #expect(settings["version"] == .int(1))
        let start = try #require(settings["hooks"]?["sessionStart"]?.arrayValue?.first?["command"]?.stringValue)
        let stop = try #require(settings["hooks"]?["stop"]?.arrayValue?.first?["command"]?.stringValue)
        let insight = try world.addInsight()
        let event = #"{"conversation_id":"c1","generation_id":"g","hook_event_name":"sessionStart","workspace_roots":["\#(world.project)"]}"#
        let answer = try JSONParser.parse(try world.runHook(start, stdin: event).stdout)
        #expect(answer["additional_context"]?.stringValue?.contains(String(insight.prefix(12))) == true)

        let stopped = try world.runHook(stop + " --foreground", stdin: #"{"conversation_id":"c1","hook_event_name":"stop","status":"completed","workspace_roots":["\#(world.project)"]}"#)
        #expect(stopped.status == 0 && stopped.stdout.isEmpty)
        #expect(world.poolLog.count == 1)
        #expect(world.poolLog.first?.contains("no transcript_path") == true)
    }
}
