import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// The hooks as agents run them: installed into a temporary HOME, called through the shell with
/// the agent's JSON, against a real pool.
@Suite("Hooks end to end", .serialized)
struct EndToEndTests {
    static var corpusTranscript: String? {
        guard let corpus = Locations.corpus else { return nil }
        let path = corpus + "/claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d.jsonl"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The SessionStart hook's answer: valid hook JSON with the context block.
    func sessionStartContext(_ world: HookWorld, command: String, event: String = "SessionStart") throws -> String {
        let stdin = #"{"session_id":"next","transcript_path":"/dev/null","cwd":"\#(world.project)","hook_event_name":"\#(event)","source":"startup"}"#
        let result = try world.runHook(command, stdin: stdin)
        #expect(result.status == 0, "\(result.stderr)")
        let answer = try JSONParser.parse(result.stdout)
        #expect(answer["hookSpecificOutput"]?["hookEventName"]?.stringValue == event)
        return try #require(answer["hookSpecificOutput"]?["additionalContext"]?.stringValue)
    }

    @Test(
        "Claude Code: install, SessionEnd captures the corpus transcript (detached), mnem compact, then SessionStart injects an insight",
        .enabled(if: corpusTranscript != nil, "needs /work/shared/corpus (claude_code_jsonl); skipped"))
    func claudeCode() throws {
        let world = try HookWorld()
        try world.initPool()
        let install = try world.mnem(["hooks", "install", "claude-code"])
        #expect(install.status == 0, "\(install.stderr)")
        let settings = try readJSON(world.home + "/.claude/settings.json")
        let sessionEnd = try #require(hookCommands(settings, "SessionEnd").first)
        let sessionStart = try #require(hookCommands(settings, "SessionStart").first)
        #expect(sessionEnd.hasPrefix("mnem hook "), "mnem from PATH, not the build directory")

        let transcript = try #require(Self.corpusTranscript)
        let event = #"{"session_id":"258c7280-ae70-4798-800f-63464d01a85d","transcript_path":"\#(transcript)","cwd":"\#(world.project)","hook_event_name":"SessionEnd","reason":"exit"}"#
        let ended = try world.runHook(sessionEnd, stdin: event)
        #expect(ended.status == 0)
        #expect(ended.stdout.isEmpty)
        // The capture runs detached: wait for it, bounded.
        let captured = try world.poll { list in
            list.filter { $0["kind"]?.stringValue == "trajectory" }.count >= 2
        }
        let trajectories = captured.filter { $0["kind"]?.stringValue == "trajectory" }
        #expect(trajectories.count == 2, "the session and its subagent")
        #expect(trajectories.allSatisfy { $0["source"]?["agent"]?.stringValue == "claude-code" })
        #expect(world.poolLog.isEmpty, "\(world.poolLog)")

        // The rest of the corpus's Claude Code sessions, so the offline miner has sessions to
        // generalize over; then the real `mnem compact` promotes them.
        let corpus = try #require(Locations.corpus) + "/claude_code_jsonl"
        let others = (FileManager.default.enumerator(atPath: corpus)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".jsonl") && !$0.contains("/subagents/") }.map { corpus + "/" + $0 }.filter { $0 != transcript }.sorted()
        for other in others {
            let otherEvent = #"{"session_id":"other","transcript_path":"\#(other)","cwd":"\#(world.project)","hook_event_name":"SessionEnd"}"#
            #expect(try world.runHook(sessionEnd + " --foreground", stdin: otherEvent).status == 0)
        }
        let compact = try world.mnem(["compact", "--json"])
        #expect(compact.status == 0, "\(compact.stderr)")
        let insights = try world.memories().filter { $0["kind"]?.stringValue == "insight" }.compactMap { $0["id"]?.stringValue }
        #expect(!insights.isEmpty, "mnem compact mined an insight from the corpus sessions")
        let insight = try insights.first ?? world.addInsight()
        let context = try sessionStartContext(world, command: sessionStart)
        #expect(context.contains(String(insight.prefix(12))))
        #expect(context.hasPrefix("<mnem-memories>"))

        // UserPromptSubmit: context for a prompt that asks about what the insight says.
        let title = try #require(try world.memories().first { $0["id"]?.stringValue == insight }?["insight"]?["title"]?.stringValue)
        let prompt = try #require(hookCommands(settings, "UserPromptSubmit").first)
        let promptEvent: JSONValue = ["session_id": "next", "cwd": .string(world.project), "hook_event_name": "UserPromptSubmit", "prompt": .string(title)]
        let answer = try world.runHook(prompt, stdin: CanonicalJSON.compactString(promptEvent))
        let parsed = try JSONParser.parse(answer.stdout)
        #expect(parsed["hookSpecificOutput"]?["additionalContext"]?.stringValue?.contains(String(insight.prefix(12))) == true)

        // Ending the same session again adds nothing.
        let before = try world.memories().count
        _ = try world.runHook(sessionEnd + " --foreground", stdin: event)
        #expect(try world.memories().count == before)
    }

    @Test("Codex: notify with the thread id captures the rollout; the hooks.json SessionStart injects an insight")
    func codex() throws {
        let world = try HookWorld()
        try world.initPool()
        let install = try world.mnem(["hooks", "install", "codex"])
        #expect(install.status == 0, "\(install.stderr)")
        let config = try String(contentsOfFile: world.home + "/.codex/config.toml", encoding: .utf8)
        let argv = try #require(MnemIntegrationsTestHelpers.notifyArgv(config))

        let thread = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        try writeFile(
            world.home + "/.codex/sessions/2026/01/01/rollout-2026-01-01T10-00-00-\(thread).jsonl",
            Fixtures.codexRollout(threadID: thread, cwd: world.project))
        let notify = #"{"type":"agent-turn-complete","thread-id":"\#(thread)","turn-id":"turn-1","cwd":"\#(world.project)","input-messages":["Fix the rounding bug"],"last-assistant-message":"Done."}"#
        let result = try Shell.run(argv[0], Array(argv.dropFirst()) + [notify], environment: world.environment, currentDirectory: world.project)
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let captured = try world.poll { list in list.contains { $0["source"]?["sessionId"]?.stringValue == thread } }
        let trajectory = try #require(captured.first { $0["source"]?["sessionId"]?.stringValue == thread })
        #expect(trajectory["source"]?["agent"]?.stringValue == "codex")
        #expect(trajectory["kind"]?.stringValue == "trajectory")

        // One rollout gives the offline miner nothing to generalize over: an insight added by hand
        // stands in for what `mnem compact` mines from many sessions (the Claude Code test runs it).
        let insight = try world.addInsight()
        let hooks = try readJSON(world.home + "/.codex/hooks.json")
        let sessionStart = try #require(hookCommands(hooks, "SessionStart").first)
        #expect(try sessionStartContext(world, command: sessionStart).contains(String(insight.prefix(12))))
    }

    @Test("git post-commit: captures the sessions that worked in this repository and records the commit")
    func gitPostCommit() throws {
        let world = try HookWorld()
        try world.initPool()
        try Shell.git(["init", "-q", "-b", "main", world.project])
        let root = URL(fileURLWithPath: world.project).resolvingSymlinksInPath().path
        // One session in this repository, one elsewhere.
        try writeFile(world.home + "/.claude/projects/-repo/in-repo.jsonl", Fixtures.claudeSession(sessionID: "in-repo", cwd: root + "/Sources"))
        try writeFile(world.home + "/.claude/projects/-other/elsewhere.jsonl", Fixtures.claudeSession(sessionID: "elsewhere", cwd: "/somewhere/else"))
        let install = try world.mnem(["hooks", "install", "git"])
        #expect(install.status == 0, "\(install.stderr)")

        try writeFile(world.project + "/a.txt", "a\n")
        try Shell.run("git", ["-C", world.project, "add", "a.txt"], environment: world.environment)
        let commit = try Shell.run("git", ["-C", world.project, "commit", "-q", "-m", "first"], environment: world.environment)
        #expect(commit.status == 0, "\(commit.stderr)")
        let head = try Shell.git(["rev-parse", "HEAD"], in: world.project).trimmingCharacters(in: .whitespacesAndNewlines)

        let captured = try world.poll { list in list.contains { $0["source"]?["sessionId"]?.stringValue == "in-repo" } }
        let memory = try #require(captured.first { $0["source"]?["sessionId"]?.stringValue == "in-repo" })
        #expect(memory["source"]?["commit"]?.stringValue == head)
        #expect(memory["source"]?["branch"]?.stringValue == "main")
        #expect(memory["source"]?["repository"]?.stringValue == root)
        #expect(!captured.contains { $0["source"]?["sessionId"]?.stringValue == "elsewhere" })
    }

    @Test("The git hook never blocks a commit, even with no usable pool")
    func gitWithoutPool() throws {
        let world = try HookWorld()
        try Shell.git(["init", "-q", world.project])
        _ = try world.mnem(["hooks", "install", "git"])
        try writeFile(world.project + "/a.txt", "a\n")
        var env = world.environment
        env["MNEM_POOL"] = "/proc/not-a-pool"
        try Shell.run("git", ["-C", world.project, "add", "a.txt"], environment: env)
        let commit = try Shell.run("git", ["-C", world.project, "commit", "-q", "-m", "first"], environment: env)
        #expect(commit.status == 0)
    }
}

enum MnemIntegrationsTestHelpers {
    /// Codex's notify argv from config.toml, read as Codex would (a TOML array of strings).
    static func notifyArgv(_ config: String) -> [String]? {
        guard let line = config.split(separator: "\n").first(where: { $0.hasPrefix("notify = ") }) else { return nil }
        guard let json = try? JSONParser.parse(String(line.dropFirst("notify = ".count))) else { return nil }
        return json.arrayValue?.compactMap(\.stringValue)
    }
}
