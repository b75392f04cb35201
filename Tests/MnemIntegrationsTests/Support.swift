import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// A private world for one test: a HOME, a pool, a project repository, and the built mnem.
struct HookWorld {
    let dir = TemporaryDirectory("hooks")
    let mnem: String
    var home: String { dir.file("home") }
    var pool: String { dir.file("pool") }
    var project: String { dir.file("project") }
    var stateHome: String { dir.file("state") }
    /// A directory on PATH holding `mnem`.
    var bin: String { dir.file("bin") }

    init() throws {
        mnem = try #require(Locations.mnemBinary, "the mnem binary is built beside the tests")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // mnem is on PATH, as after 'make install': installed hooks name plain `mnem`.
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bin + "/mnem", withDestinationPath: mnem)
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["MNEM_POOL"] = pool
        env["XDG_STATE_HOME"] = stateHome
        env["XDG_DATA_HOME"] = dir.file("data")
        env["CODEX_HOME"] = home + "/.codex"
        env["MNEM_AUTHOR_NAME"] = "hook tests"
        env["MNEM_AUTHOR_EMAIL"] = "hooks@mnem.invalid"
        env["MNEM_HOOK_BUDGET_MS"] = "20000"
        for key in ["MNEM_HOOK_TEST_DELAY_MS", "MNEM_EMBEDDER", "MNEM_HOOK_BUDGET_TOKENS"] { env[key] = nil }
        return env
    }

    /// Runs the built mnem in the project directory.
    @discardableResult
    func mnem(_ arguments: [String], stdin: String? = nil, env extra: [String: String] = [:]) throws -> ProcessOutput {
        try Shell.run(mnem, arguments, stdin: stdin.map { Data($0.utf8) }, environment: environment.merging(extra) { $1 }, currentDirectory: project)
    }

    /// Runs an installed hook's command line through the shell, as an agent does.
    func runHook(_ command: String, stdin: String? = nil, arguments: [String] = [], env extra: [String: String] = [:]) throws -> ProcessOutput {
        try Shell.run("/bin/sh", ["-c", command + " \"$@\"", "sh"] + arguments, stdin: Data((stdin ?? "").utf8), environment: environment.merging(extra) { $1 }, currentDirectory: project)
    }

    func initPool() throws {
        let result = try mnem(["init", pool])
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Every memory in the pool.
    func memories() throws -> [JSONValue] {
        let result = try mnem(["list", "--json"])
        guard result.status == 0, let list = try JSONParser.parse(result.stdout).arrayValue else { return [] }
        return list
    }

    /// Waits (bounded) until `accept` holds for the pool's memories; returns them.
    func poll(seconds: Double = 60, _ accept: ([JSONValue]) -> Bool) throws -> [JSONValue] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let found = try memories()
            if accept(found) || Date() > deadline { return found }
            usleep(200_000)
        }
    }

    /// Adds an insight (the stand-in for `mnem compact` until it is merged) and returns its id.
    func addInsight(title: String = "Run the test suite before committing") throws -> String {
        let json = """
            {"kind":"insight","task":"validate changes","domain":"general","outcome":"success","insight":{"title":"\(title)","description":"Validate every change with the project's tests.","content":"Run the full tests after an edit and before a commit; a green run is the evidence the change works."}}
            """
        let result = try mnem(["add", "-", "--json"], stdin: json)
        #expect(result.status == 0, "\(result.stderr)")
        let parsed = try JSONParser.parse(result.stdout)
        return try #require(parsed["added"]?.arrayValue?.first?.stringValue)
    }

    func log(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    var poolLog: [String] { log(pool + "/mnem/hooks.log") }
    var fallbackLog: [String] { log(stateHome + "/mnem/hooks.log") }
}

func readJSON(_ path: String) throws -> JSONValue {
    try JSONParser.parse(try #require(FileManager.default.contents(atPath: path)))
}

func writeFile(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// The commands of mnem's hooks for `event` in grouped (Claude Code style) settings.
func hookCommands(_ settings: JSONValue, _ event: String) -> [String] {
    (settings["hooks"]?[event]?.arrayValue ?? []).flatMap { group in
        (group["hooks"]?.arrayValue ?? []).compactMap { $0["command"]?.stringValue }
    }
}
