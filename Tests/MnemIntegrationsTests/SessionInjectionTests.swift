import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemIntegrations

/// Within one agent session a memory is injected once; the record is per session, removed at
/// its end, and never stops a hook from answering.
@Suite("Once per session")
struct SessionInjectionTests {
    static let prompt = "Run the test suite before committing the change"

    static func promptEvent(_ world: HookWorld, session: String) -> String {
        let event: JSONValue = ["session_id": .string(session), "cwd": .string(world.project), "hook_event_name": "UserPromptSubmit", "prompt": .string(prompt)]
        return CanonicalJSON.compactString(event)
    }

    /// The memory ids (12-digit prefixes) the hook's answer injects.
    static func injected(_ world: HookWorld, session: String) throws -> String {
        let result = try world.mnem(["hook", "claude-code", "user-prompt-submit"], stdin: promptEvent(world, session: session))
        #expect(result.status == 0)
        guard !result.stdout.isEmpty else { return "" }
        return try JSONParser.parse(result.stdout)["hookSpecificOutput"]?["additionalContext"]?.stringValue ?? ""
    }

    @Test("a memory shown in a session is not shown again in it; another session, or the same one after its end, sees it")
    func onceThenAgainAfterTheEnd() throws {
        let world = try HookWorld()
        try world.initPool()
        let id = String(try world.addInsight().prefix(12))

        #expect(try Self.injected(world, session: "s1").contains(id))
        #expect(try Self.injected(world, session: "s1").isEmpty, "the only relevant memory was already shown in s1")
        #expect(try Self.injected(world, session: "s2").contains(id))
        let sessions = world.pool + "/mnem/sessions"
        func records() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: sessions).filter { $0.hasSuffix(".ids") }.count }
        #expect(try records() == 2)

        // The end of s1 (captured in the foreground here) removes its record.
        let end: JSONValue = ["session_id": "s1", "transcript_path": "/dev/null", "cwd": .string(world.project), "hook_event_name": "SessionEnd"]
        #expect(try world.mnem(["hook", "claude-code", "session-end", "--foreground"], stdin: CanonicalJSON.compactString(end)).status == 0)
        #expect(try records() == 1)
        #expect(try Self.injected(world, session: "s1").contains(id))

        // A session start shows nothing the session was shown, unless its conversation was cleared.
        func sessionStart(_ source: String) throws -> String {
            let start: JSONValue = ["session_id": "s2", "cwd": .string(world.project), "hook_event_name": "SessionStart", "source": .string(source)]
            return try world.mnem(["hook", "claude-code", "session-start"], stdin: CanonicalJSON.compactString(start)).stdout
        }
        #expect(try !sessionStart("resume").contains(id))
        #expect(try sessionStart("clear").contains(id))
    }

    @Test("stale records of sessions that never ended are removed, with one look an hour")
    func staleRecordsArePrunedHourly() throws {
        let scratch = TemporaryDirectory("prune")
        let directory = scratch.path
        let now = Date()
        func record(_ name: String, age: TimeInterval) {
            let path = directory + "/" + name + ".ids"
            _ = FileManager.default.createFile(atPath: path, contents: Data("x\n".utf8))
            var times = [timespec](repeating: timespec(tv_sec: Int(now.timeIntervalSince1970 - age), tv_nsec: 0), count: 2)
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        func names() -> Set<String> { Set(((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".ids") }) }
        let lifetime = SessionInjections.lifetime
        record("fresh", age: 60)
        record("stale", age: lifetime + 60)
        record("mine", age: lifetime + 60)
        SessionInjections.prune(directory: directory, keeping: directory + "/mine.ids", now: now)
        #expect(names() == ["fresh.ids", "mine.ids"], "the stale record goes; the caller's own and a fresh one stay")

        // Within the hour nothing is listed again, so a record gone stale meanwhile waits.
        record("later", age: lifetime + 60)
        SessionInjections.prune(directory: directory, keeping: directory + "/mine.ids", now: now.addingTimeInterval(60))
        #expect(names().contains("later.ids"))
        SessionInjections.prune(directory: directory, keeping: directory + "/mine.ids", now: now.addingTimeInterval(SessionInjections.pruneInterval + 1))
        #expect(!names().contains("later.ids"))
    }

    @Test("a record that cannot be written or read does not stop the injection (fail-open)")
    func failOpen() throws {
        let world = try HookWorld()
        try world.initPool()
        let id = String(try world.addInsight().prefix(12))
        // A plain file where the sessions directory should be: nothing can be recorded.
        try FileManager.default.createDirectory(atPath: world.pool + "/mnem", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: world.pool + "/mnem/sessions", contents: Data("not a directory".utf8))
        #expect(try Self.injected(world, session: "s1").contains(id))
        #expect(try Self.injected(world, session: "s1").contains(id), "unrecorded, so shown again rather than lost")
        #expect(world.poolLog.contains { $0.contains("may be injected again") })
    }
}
