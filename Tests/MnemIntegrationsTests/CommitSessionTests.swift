import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemIntegrations

/// The variables through which agents say who they are; cleared so the tests do not depend on
/// the agent (if any) that runs them.
let agentVariables = ["CLAUDECODE", "CLAUDE_CODE_SESSION_ID", "CODEX_THREAD_ID", "CODEX_SANDBOX", "GEMINI_CLI", "CURSOR_AGENT"]

extension HookWorld {
    /// The world's environment without any agent's variables, plus `extra`.
    func agentEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = environment
        for key in agentVariables { env[key] = nil }
        return env.merging(extra) { $1 }
    }

    /// A git repository at `project` with one commit.
    func initProject() throws {
        try Shell.git(["init", "-q", project])
        try Shell.git(["config", "user.email", "dev@mnem.invalid"], in: project)
        try Shell.git(["config", "user.name", "Dev"], in: project)
        try "one\n".write(toFile: project + "/file.txt", atomically: true, encoding: .utf8)
        try Shell.git(["add", "file.txt"], in: project)
        try Shell.git(["commit", "-qm", "first"], in: project)
    }

    /// Changes the file and commits with `arguments` in `env`; returns git's result.
    func commit(_ arguments: [String], env: [String: String]) throws -> ProcessOutput {
        let file = project + "/file.txt"
        try ((try String(contentsOfFile: file, encoding: .utf8)) + "more\n").write(toFile: file, atomically: true, encoding: .utf8)
        return try Shell.run("git", ["-C", project, "commit", "-qa"] + arguments, environment: agentEnvironment(env))
    }

    func lastMessage() throws -> String { try Shell.git(["log", "-1", "--format=%B"], in: project) }
}

@Suite("Mnem-Session: the agent session behind a code commit")
struct CommitSessionTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var environment: [String: String]
        /// Sessions whose SessionStart record is open: (agent, session).
        var records: [(String, String)] = []
        var expected: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Claude Code's id in the environment", environment: ["CLAUDE_CODE_SESSION_ID": "3f1c0a2e-aaaa-4bbb-8ccc-0123456789ab"], expected: "3f1c0a2e-aaaa-4bbb-8ccc-0123456789ab"),
        Case(name: "Codex's thread id", environment: ["CODEX_THREAD_ID": "019d1afb-b2c7-72d3-b240-f3ee9d31b2c9"], expected: "019d1afb-b2c7-72d3-b240-f3ee9d31b2c9"),
        Case(name: "two agents' ids: one runs the other, which made the commit is unknown", environment: ["CLAUDE_CODE_SESSION_ID": "a-1", "CODEX_THREAD_ID": "b-2"]),
        Case(name: "an id no agent would write", environment: ["CLAUDE_CODE_SESSION_ID": "x\nMnem-Session: forged"]),
        Case(name: "a person's commit, with an agent session open in the repository", environment: [:], records: [("gemini", "gem-1")]),
        Case(name: "Gemini CLI marks its shell; its one open session is it", environment: ["GEMINI_CLI": "1"], records: [("gemini", "gem-1")], expected: "gem-1"),
        Case(name: "two open Gemini sessions: which one committed is unknown", environment: ["GEMINI_CLI": "1"], records: [("gemini", "gem-1"), ("gemini", "gem-2")]),
        Case(name: "only another agent's session is open", environment: ["CURSOR_AGENT": "1"], records: [("gemini", "gem-1")]),
        Case(name: "an older Claude Code marks its shell without the id", environment: ["CLAUDECODE": "1"], records: [("claude-code", "cc-9"), ("gemini", "gem-1")], expected: "cc-9"),
        Case(name: "two agents mark the shell", environment: ["CLAUDECODE": "1", "GEMINI_CLI": "1"], records: [("claude-code", "cc-9")]),
    ]

    @Test("Which session a commit names", arguments: cases)
    func resolve(_ c: Case) throws {
        let world = try HookWorld()
        try world.initProject()
        let env = world.agentEnvironment(c.environment)
        for (agent, session) in c.records { SessionRecord.open(agent: agent, session: session, directory: world.project, environment: env) }
        #expect(CommitSession.resolve(environment: env, directory: world.project + "/.")?.session == c.expected)
    }

    @Test("A record older than a day's work is stale: not used, and removed")
    func staleRecord() throws {
        let world = try HookWorld()
        try world.initProject()
        let env = world.agentEnvironment(["GEMINI_CLI": "1"])
        SessionRecord.open(agent: "gemini", session: "gem-old", directory: world.project, environment: env)
        let directory = try #require(SessionRecord.directory(for: world.project, environment: env))
        #expect(SessionRecord.current(agent: "gemini", directory: world.project, environment: env) == "gem-old")
        #expect(SessionRecord.current(agent: "gemini", directory: world.project, environment: env, now: Date().addingTimeInterval(SessionRecord.maxAge + 60)) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("Through git: the installed prepare-commit-msg hook adds the trailer when the session is known, once, in git's trailer block, and never to an empty message")
    func throughGit() throws {
        let world = try HookWorld()
        try world.initProject()
        let install = try world.mnem(["hooks", "install", "git", "--session-trailer", "--mnem", world.mnem])
        #expect(install.status == 0 && install.stdout.contains("prepare-commit-msg"), "\(install.stderr)")
        let session = ["CLAUDE_CODE_SESSION_ID": "3f1c0a2e-aaaa-4bbb-8ccc-0123456789ab"]

        #expect(try world.commit(["-m", "Fix the parser"], env: session).status == 0)
        #expect(try world.lastMessage() == "Fix the parser\n\nMnem-Session: 3f1c0a2e-aaaa-4bbb-8ccc-0123456789ab\n\n")
        #expect(try Shell.git(["log", "-1", "--format=%(trailers:key=Mnem-Session,valueonly)"], in: world.project).hasPrefix("3f1c0a2e-aaaa"))

        // Amending in the same session does not add it twice.
        #expect(try Shell.run("git", ["-C", world.project, "commit", "-q", "--amend", "--no-edit"], environment: world.agentEnvironment(session)).status == 0)
        #expect(try world.lastMessage().components(separatedBy: "Mnem-Session:").count == 2)

        // An existing trailer block gets it appended.
        #expect(try world.commit(["-m", "Refactor\n\nSigned-off-by: Dev <dev@mnem.invalid>"], env: session).status == 0)
        #expect(try world.lastMessage() == "Refactor\n\nSigned-off-by: Dev <dev@mnem.invalid>\nMnem-Session: 3f1c0a2e-aaaa-4bbb-8ccc-0123456789ab\n\n")

        // A person's commit: no trailer.
        #expect(try world.commit(["-m", "By hand"], env: [:]).status == 0)
        #expect(try world.lastMessage() == "By hand\n\n")

        // An empty message still aborts the commit: a trailer alone must not make it a message.
        let head = try Shell.git(["rev-parse", "HEAD"], in: world.project)
        #expect(try world.commit(["-m", ""], env: session).status != 0)
        #expect(try Shell.git(["rev-parse", "HEAD"], in: world.project) == head)
        try Shell.git(["checkout", "-q", "--", "file.txt"], in: world.project)

        let uninstall = try world.mnem(["hooks", "uninstall", "git"])
        #expect(uninstall.stdout.contains("prepare-commit-msg") && !FileManager.default.fileExists(atPath: world.project + "/.git/hooks/prepare-commit-msg"))
        #expect(try world.commit(["-m", "After uninstall"], env: session).status == 0)
        #expect(try world.lastMessage() == "After uninstall\n\n")
    }

    @Test("Through the agent's hooks: SessionStart leaves the record a commit from its shell is named by, SessionEnd takes it away")
    func throughSessionHooks() throws {
        let world = try HookWorld()
        try world.initProject()
        #expect(try world.mnem(["hooks", "install", "git", "--session-trailer", "--mnem", world.mnem]).status == 0)
        let event = { (name: String) in
            "{\"session_id\":\"cc-session-7\",\"cwd\":\"\(world.project)\",\"hook_event_name\":\"\(name)\",\"transcript_path\":\"\(world.dir.file("none.jsonl"))\"}"
        }
        // No pool exists: the context hook has nothing to inject, yet it records the session.
        let start = try Shell.run(world.mnem, ["hook", "claude-code", "session-start"], stdin: Data(event("SessionStart").utf8), environment: world.agentEnvironment(), currentDirectory: world.project)
        #expect(start.status == 0)
        #expect(try world.commit(["-m", "From the agent's shell"], env: ["CLAUDECODE": "1"]).status == 0)
        #expect(try world.lastMessage() == "From the agent's shell\n\nMnem-Session: cc-session-7\n\n")

        let end = try Shell.run(
            world.mnem, ["hook", "claude-code", "session-end", "--foreground"], stdin: Data(event("SessionEnd").utf8), environment: world.agentEnvironment(),
            currentDirectory: world.project)
        #expect(end.status == 0)
        #expect(try world.commit(["-m", "After the session ended"], env: ["CLAUDECODE": "1"]).status == 0)
        #expect(try world.lastMessage() == "After the session ended\n\n")
    }
}

@Suite(
    "The pre-commit framework loads mnem's hooks",
    .disabled(if: installedProgram("pre-commit") == nil, "pre-commit is not installed (scripts/install-deps.sh --test installs it from PyPI): skipped"))
struct PreCommitFrameworkTests {
    /// `pre-commit try-repo <this checkout> HOOK …` in a scratch repository, with `mnem` on PATH or not.
    func tryRepo(_ world: HookWorld, _ arguments: [String], mnemOnPath: Bool, env extra: [String: String] = [:]) throws -> ProcessOutput {
        var env = world.agentEnvironment(extra)
        env["PRE_COMMIT_HOME"] = world.dir.file("pre-commit-cache")
        let bin = world.dir.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        if mnemOnPath, !FileManager.default.fileExists(atPath: bin + "/mnem") { try FileManager.default.createSymbolicLink(atPath: bin + "/mnem", withDestinationPath: world.mnem) }
        // The tools (git, sh, pre-commit) stay on PATH; no other mnem does.
        let path = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").filter { !FileManager.default.fileExists(atPath: "\($0)/mnem") }.joined(separator: ":")
        env["PATH"] = mnemOnPath ? bin + ":" + path : path
        return try Shell.run("pre-commit", ["try-repo", Locations.packageRoot] + arguments, environment: env, currentDirectory: world.project)
    }

    @Test("try-repo runs the capture at post-commit and pre-commit and the trailer at prepare-commit-msg; none blocks, even without mnem")
    func tryRepoStages() throws {
        let world = try HookWorld()
        try world.initProject()
        try world.initPool()
        // Without mnem on PATH the pre-commit stage, the one that could block, still passes.
        for (hook, stage, onPath) in [("mnem-capture", "post-commit", true), ("mnem-capture-pre-commit", "pre-commit", true), ("mnem-capture-pre-commit", "pre-commit", false)] {
            let run = try tryRepo(world, [hook, "--hook-stage", stage], mnemOnPath: onPath)
            #expect(run.status == 0 && run.stdout.contains("Passed"), "\(hook) (mnem on PATH: \(onPath)): \(run.stdout) \(run.stderr)")
        }
        let message = world.dir.file("COMMIT_EDITMSG")
        for (env, onPath, expected) in [
            (["CODEX_THREAD_ID": "019d1afb-b2c7-72d3-b240-f3ee9d31b2c9"], true, "Fix it\n\nMnem-Session: 019d1afb-b2c7-72d3-b240-f3ee9d31b2c9\n"),
            ([:], true, "Fix it\n"), (["CODEX_THREAD_ID": "019d1afb-b2c7-72d3-b240-f3ee9d31b2c9"], false, "Fix it\n"),
        ] {
            try "Fix it\n".write(toFile: message, atomically: true, encoding: .utf8)
            let run = try tryRepo(
                world, ["mnem-session-trailer", "--hook-stage", "prepare-commit-msg", "--commit-msg-filename", message], mnemOnPath: onPath, env: env)
            #expect(run.status == 0 && run.stdout.contains("Passed"), "\(run.stdout) \(run.stderr)")
            #expect(try String(contentsOfFile: message, encoding: .utf8) == expected, "env \(env), mnem on PATH: \(onPath)")
        }
    }
}

/// Where a program is on PATH, if it is.
func installedProgram(_ name: String) -> String? {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
        return "\(directory)/\(name)"
    }
    return nil
}
