import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// A pool with a work tree, edited with plain git as a teammate would.
struct EditedPool {
    let world: HookWorld
    /// The path of the memory that was edited by hand.
    var edited = ""
    var editedID = ""

    init() throws {
        world = try HookWorld()
        #expect(try world.mnem(["init", "--work-tree", world.pool]).status == 0)
        for title in ["Run the tests after the last edit", "Read the first error, not the last"] {
            let json = #"{"kind":"insight","task":"validate","domain":"general","outcome":"success","insight":{"title":"\#(title)","description":"A habit that transfers.","content":"Do it every time."}}"#
            #expect(try world.mnem(["add", "-"], stdin: json).status == 0)
        }
        let files = try Shell.git(["ls-files", "memories"], in: world.pool).split(separator: "\n").map(String.init).sorted()
        edited = try #require(files.first)
        editedID = String((edited as NSString).lastPathComponent.dropLast(5))
        let path = world.pool + "/" + edited
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "Do it every time.", with: "Do it every single time.")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try Shell.git(["commit", "-qam", "a hand edit"], in: world.pool)
    }

    func doctor(_ arguments: [String] = [], env: [String: String] = [:]) throws -> (status: Int32, findings: [JSONValue]) {
        let result = try world.mnem(["doctor", "--json"] + arguments, env: env)
        return (result.status, try JSONParser.parse(result.stdout).arrayValue ?? [])
    }
}

func problems(_ findings: [JSONValue], _ check: String) -> [JSONValue] {
    findings.filter { $0["check"]?.stringValue == check && $0["severity"]?.stringValue != "ok" }
}

@Suite("Invalid memories and mnem doctor")
struct DoctorTests {
    @Test("A memory edited with plain git: list, stats, scan, compact and search report it once, skip it, and succeed")
    func invalidMemorySkipped() throws {
        let pool = try EditedPool()
        for command in [["list"], ["stats"], ["scan"], ["compact"], ["search", "run the tests"], ["list", "--json"]] {
            let result = try pool.world.mnem(command, env: ["MNEM_EMBEDDER": "hash"])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            let reports = result.stderr.split(separator: "\n").filter { $0.contains(pool.edited) }
            // Once per run (search: when its index first meets the file).
            #expect(reports.count == 1, "\(command): \(result.stderr)")
            #expect(!result.stdout.contains(pool.editedID), "\(command) left it out")
        }
        let list = try JSONParser.parse(try pool.world.mnem(["list", "--json"]).stdout)
        #expect(list.arrayValue?.count == 1)
        // The schema validator computes ids as mnem does and rejects the edit.
        let validator = Locations.packageRoot + "/schema/validate.py"
        let checked = try Shell.run("python3", [validator, pool.world.pool + "/" + pool.edited], currentDirectory: pool.world.pool)
        #expect(checked.status == 1)
        #expect(checked.stdout.contains("does not match the content"), "\(checked.stdout)\(checked.stderr)")
    }

    @Test("doctor names the hand-edited memory; --fix makes it a new memory that supersedes it")
    func handEdited() throws {
        let pool = try EditedPool()
        let (status, findings) = try pool.doctor()
        #expect(status == 1)
        let found = problems(findings, "memories")
        #expect(found.count == 1)
        #expect(found.first?["file"]?.stringValue == pool.edited)
        let (fixedStatus, fixed) = try pool.doctor(["--fix"])
        #expect(problems(fixed, "memories").first?["fixed"] == true)
        #expect(fixedStatus == 0, "\(fixed)")
        let memories = try JSONParser.parse(try pool.world.mnem(["list", "--json"]).stdout).arrayValue ?? []
        #expect(memories.count == 2)
        let replacement = try #require(memories.first { $0["supersedes"]?.arrayValue?.contains(.string(pool.editedID)) == true })
        #expect(replacement["insight"]?["content"] == "Do it every single time.", "the edit is kept, under its own id")
        #expect(try pool.doctor().status == 0)
    }

    @Test("doctor: a memory at the wrong path is moved; a file that is no memory is named with the way to remove it")
    func wrongPath() throws {
        let pool = try EditedPool()
        _ = try pool.doctor(["--fix"])
        let files = try Shell.git(["ls-files", "memories"], in: pool.world.pool).split(separator: "\n").map(String.init)
        let moved = try #require(files.first)
        let wrong = moved.replacingOccurrences(of: "memories/insight/", with: "memories/workflow/")
        try FileManager.default.createDirectory(atPath: pool.world.pool + "/" + (wrong as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Shell.git(["mv", moved, wrong], in: pool.world.pool)
        try writeFile(pool.world.pool + "/memories/insight/zz/junk.json", "{\"not\": \"a memory\"}\n")
        try writeFile(pool.world.pool + "/README.md", "# our pool\n")
        try Shell.git(["add", "-A"], in: pool.world.pool)
        try Shell.git(["commit", "-qm", "moved by hand"], in: pool.world.pool)
        let (_, findings) = try pool.doctor()
        let found = problems(findings, "memories")
        #expect(Set(found.compactMap { $0["file"]?.stringValue }) == [wrong, "memories/insight/zz/junk.json"])
        #expect(findings.contains { $0["message"]?.stringValue?.contains("README.md") == true }, "other files are kept and ignored")
        let (status, fixed) = try pool.doctor(["--fix"])
        #expect(status == 1, "the junk file is left to the user")
        #expect(problems(fixed, "memories").first { $0["file"]?.stringValue == wrong }?["fixed"] == true)
        #expect(try Shell.git(["ls-files", moved], in: pool.world.pool).contains(moved), "back at its path")
    }

    @Test("doctor: a stale branch lock blocks writes until --fix removes it; a fresh one is left alone")
    func staleLock() throws {
        let world = try HookWorld()
        try world.initPool()
        _ = try world.addInsight()
        let lock = world.pool + "/refs/heads/main.lock"
        try writeFile(lock, "")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3600)], ofItemAtPath: lock)
        let (status, findings) = try EditedPool.doctor(world)
        #expect(status == 1)
        #expect(problems(findings, "locks").first?["file"]?.stringValue == lock)
        let json = #"{"kind":"insight","task":"t","domain":"general","outcome":"success","insight":{"title":"Another lesson","description":"d.","content":"c."}}"#
        #expect(try world.mnem(["add", "-"], stdin: json).status != 0, "the lock blocks writes")
        _ = try world.mnem(["doctor", "--fix"])
        #expect(!FileManager.default.fileExists(atPath: lock))
        try writeFile(lock, "")
        #expect(problems(try EditedPool.doctor(world).findings, "locks").isEmpty, "a lock being written is not stale")
    }

    @Test("doctor: hooks and MCP servers whose mnem is gone are problems; --fix installs them again with mnem from PATH")
    func missingHookTarget() throws {
        let world = try HookWorld()
        try world.initPool()
        let copy = world.dir.file("old/mnem")
        try FileManager.default.createDirectory(atPath: world.dir.file("old"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: world.mnem, toPath: copy)
        #expect(try world.mnem(["hooks", "install", "claude-code", "--mnem", copy]).status == 0)
        #expect(try world.mnem(["mcp", "install", "cursor", "--mnem", copy]).status == 0)
        #expect(try EditedPool.doctor(world).status == 0)
        try FileManager.default.removeItem(atPath: copy)
        let (status, findings) = try EditedPool.doctor(world)
        #expect(status == 1)
        let files = Set(problems(findings, "hooks").compactMap { $0["file"]?.stringValue })
        #expect(files == [world.home + "/.claude/settings.json", world.home + "/.cursor/mcp.json"])
        _ = try world.mnem(["doctor", "--fix"])
        #expect(try EditedPool.doctor(world).status == 0)
        #expect(hookCommands(try readJSON(world.home + "/.claude/settings.json"), "SessionStart") == ["mnem hook claude-code session-start"])
        #expect(try readJSON(world.home + "/.cursor/mcp.json")["mcpServers"]?["mnem"]?["command"] == "mnem")
    }

    @Test("No git identity: init says how to set one, commits name the user from the environment, doctor warns")
    func noIdentity() throws {
        let world = try HookWorld()
        let anonymous = ["MNEM_AUTHOR_NAME": "", "MNEM_AUTHOR_EMAIL": "", "GIT_AUTHOR_NAME": "", "GIT_AUTHOR_EMAIL": "", "GIT_COMMITTER_NAME": "",
                         "GIT_COMMITTER_EMAIL": "", "USER": "ada", "EMAIL": "ada@example.org", "GIT_CONFIG_GLOBAL": "/dev/null"]
        let created = try world.mnem(["init", world.pool], env: anonymous)
        #expect(created.status == 0)
        #expect(created.stderr.contains("git config --global user.name"), "\(created.stderr)")
        let json = #"{"kind":"insight","task":"t","domain":"general","outcome":"success","insight":{"title":"A lesson","description":"d.","content":"c."}}"#
        #expect(try world.mnem(["add", "-"], stdin: json, env: anonymous).status == 0)
        let author = try Shell.git(["--git-dir", world.pool, "log", "-1", "--format=%an <%ae>"])
        #expect(author.trimmingCharacters(in: .whitespacesAndNewlines) == "ada <ada@example.org>")
        let result = try world.mnem(["doctor", "--json"], env: anonymous)
        let findings = try JSONParser.parse(result.stdout).arrayValue ?? []
        #expect(problems(findings, "identity").first?["severity"] == "warning")
    }

    @Test("doctor: a remote whose HEAD names a branch it does not have is named, with the command that fixes it")
    func remoteHead() throws {
        let world = try HookWorld()
        try world.initPool()
        _ = try world.addInsight()
        let remote = world.dir.file("remote.git")
        try Shell.git(["init", "-q", "--bare", remote])
        try Shell.git(["--git-dir", remote, "symbolic-ref", "HEAD", "refs/heads/master"])
        try Shell.git(["--git-dir", world.pool, "push", "-q", remote, "refs/heads/main:refs/heads/main"])
        #expect(try world.mnem(["remote", "add", "origin", remote]).status == 0)
        let (status, findings) = try EditedPool.doctor(world)
        #expect(status == 1)
        let found = try #require(problems(findings, "remote").first)
        #expect(found["message"]?.stringValue?.contains("refs/heads/master") == true)
        #expect(found["remedy"]?.stringValue?.contains("git symbolic-ref HEAD refs/heads/main") == true)
        try Shell.git(["--git-dir", remote, "symbolic-ref", "HEAD", "refs/heads/main"])
        #expect(try EditedPool.doctor(world).status == 0)
    }
}

extension EditedPool {
    static func doctor(_ world: HookWorld, _ arguments: [String] = []) throws -> (status: Int32, findings: [JSONValue]) {
        let result = try world.mnem(["doctor", "--json"] + arguments)
        return (result.status, try JSONParser.parse(result.stdout).arrayValue ?? [])
    }
}
