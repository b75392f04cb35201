import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCLI

@Suite("mnem commands")
struct CommandTests {
    let dir = TemporaryDirectory("cli")

    @Test("init, add, show, list, log, forget and stats work together")
    func lifecycle() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        #expect(cli.run(["init", pool]).code == 0)
        let memories = [insight("Reproduce before fixing"), trajectory(1), trajectory(2, domain: "rust")]
        let input = memories.map(memoryJSON).joined(separator: "\n") + "\n"
        let add = cli.run(["add", "--pool", pool, "-"], stdin: input)
        #expect(add.code == 0, "\(add.stderr)")
        #expect(add.stdout.contains("3 added"))

        let list = cli.run(["list", "--pool", pool])
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains("insight") == true, "most abstract first")
        #expect(cli.run(["list", "--pool", pool, "--kind", "trajectory", "--domain", "rust"]).stdout.split(separator: "\n").count == 1)
        #expect(cli.run(["list", "--pool", pool, "--limit", "2"]).stdout.split(separator: "\n").count == 2)

        let jsonList = cli.run(["list", "--pool", pool, "--json"])
        let parsed = try JSONParser.parse(jsonList.stdout)
        #expect(parsed.arrayValue?.count == 3)

        let id = memories[0].id.rawValue
        let show = cli.run(["show", "--pool", pool, String(id.prefix(8))])
        #expect(show.code == 0 && show.stdout.contains("Reproduce before fixing"))
        let showJSON = cli.run(["show", String(id.prefix(8)), "--pool", pool, "--json"])
        let shown = try Memory(json: try JSONParser.parse(showJSON.stdout), idPolicy: .mustMatch)
        #expect(shown.id == memories[0].id)

        let stats = cli.run(["stats", "--pool", pool, "--json"])
        let statsJSON = try JSONParser.parse(stats.stdout)
        #expect(statsJSON["total"]?.intValue == 3)
        #expect(statsJSON["kind"]?["trajectory"]?.intValue == 2)
        #expect(statsJSON["agent"]?["codex"]?.intValue == 2)
        #expect(statsJSON["model"]?["claude-opus-4-6"]?.intValue == 1)
        #expect(statsJSON["domain"]?["rust"]?.intValue == 1)

        #expect(cli.run(["forget", "--pool", pool, String(id.prefix(10))]).code == 0)
        #expect(cli.run(["show", "--pool", pool, id]).code == 1)
        let log = cli.run(["log", "--pool", pool, id, "--json"])
        let entries = try #require(try JSONParser.parse(log.stdout).arrayValue)
        #expect(entries.map { $0["change"]?.stringValue } == ["removed", "added"])
        #expect(entries.first?["author"]?.stringValue == "tester")
        let poolLog = cli.run(["log", "--pool", pool])
        #expect(poolLog.stdout.split(separator: "\n").count == 2)
    }

    @Test("add reads an object, an array, or JSON lines, from files")
    func addShapes() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        cli.run(["init", pool])
        let one = try dir.write("one.json", CanonicalJSON.documentString(insight("a").jsonObject()))
        let array = try dir.write("array.json", "[\(memoryJSON(insight("b"))), \(memoryJSON(insight("c")))]")
        let lines = try dir.write("lines.jsonl", "\(memoryJSON(insight("d")))\n\n\(memoryJSON(insight("e")))\n")
        let result = cli.run(["add", "--pool", pool, one, array, lines, "--json"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["added"]?.arrayValue?.count == 5)
    }

    @Test("the default pool is created on first use under XDG_DATA_HOME; MNEM_POOL and .mnem are found")
    func discovery() throws {
        var cli = CLI(dir, environment: ["XDG_DATA_HOME": dir.file("xdg")])
        #expect(cli.run(["add"], stdin: memoryJSON(insight("x"))).code == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("xdg/mnem/HEAD")))
        cli.environment["MNEM_POOL"] = dir.file("xdg/mnem")
        #expect(cli.run(["list"]).stdout.contains("x"))
        cli.environment["MNEM_POOL"] = nil
        #expect(cli.run(["init", dir.file(".mnem")]).code == 0)
        #expect(cli.run(["add"], stdin: memoryJSON(insight("in dot mnem"))).code == 0)
        #expect(cli.run(["list", "--pool", dir.file(".mnem")]).stdout.contains("in dot mnem"))
    }

    @Test("help, version and exit codes")
    func helpAndVersion() {
        let cli = CLI(dir)
        #expect(cli.run(["--version"]).stdout == "mnem \(MnemCLI.version)\n")
        #expect(cli.run(["--help"]).code == 0)
        #expect(cli.run([]).code == 64)
        for command in MnemCLI.commands {
            let help = cli.run([command.name, "--help"])
            #expect(help.code == 0 && help.stdout.contains("Usage: mnem \(command.name)"), "\(command.name)")
            #expect(cli.run(["help", command.name]).code == 0)
        }
    }

    @Test(
        "usage errors exit 64 with one line naming the argument",
        arguments: [
            ["frobnicate"], ["list", "--colour"], ["list", "--kind", "memo"], ["list", "--limit", "zero"], ["show"],
            ["show", "a", "b"], ["forget"], ["log", "a", "b"], ["init", "a", "b"], ["list", "--pool"], ["bench", "nothing"],
        ])
    func usageErrors(arguments: [String]) {
        let result = CLI(dir).run(arguments)
        #expect(result.code == 64)
        #expect(result.stderr.hasPrefix("mnem: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("bad input: clear one-line error, nothing committed, pool unchanged")
    func badInput() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        cli.run(["init", pool])
        cli.run(["add", "--pool", pool], stdin: memoryJSON(insight("keep me")))
        let before = treeDigest(pool)
        let good = memoryJSON(insight("good"))
        let cases: [(String, String)] = [
            ("{\"kind\": ", "invalid JSON"),
            ("\(good)\n{\"kind\":\"insight\"", "line 2"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":7}}"#, "insight/content"),
            (#"{"kind":"memo","task":"t","domain":"d"}"#, "unknown kind 'memo'"),
            ("[\(good), {\"kind\":\"insight\",\"task\":\"t\",\"domain\":\"d\",\"insight\":{\"title\":\"\"}}]", "item 1"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"},"id":"1111111111111111111111111111111111111111"}"#, "does not match"),
            ("", "empty input"),
        ]
        for (input, expected) in cases {
            let result = cli.run(["add", "--pool", pool], stdin: input)
            #expect(result.code == 1, "\(input)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
            #expect(result.stderr.contains("<stdin>"), "names the input: \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        let missingFile = cli.run(["add", "--pool", pool, dir.file("nope.json")])
        #expect(missingFile.code == 1 && missingFile.stderr.contains("nope.json"))
        #expect(treeDigest(pool) == before, "the pool is byte-for-byte unchanged")
    }

    @Test("an unreadable or non-git pool path is a clear error")
    func badPools() throws {
        let cli = CLI(dir)
        let missing = cli.run(["list", "--pool", dir.file("absent")])
        #expect(missing.code == 1 && missing.stderr.contains("absent") && missing.stderr.contains("does not exist"))
        try dir.write("notgit/readme.txt", "hello")
        let notGit = cli.run(["list", "--pool", dir.file("notgit")])
        #expect(notGit.code == 1 && notGit.stderr.contains("not a git repository"))
        let initOver = cli.run(["init", dir.file("notgit")])
        #expect(initOver.code == 1 && initOver.stderr.contains("not empty"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("notgit/HEAD")))
        if getuid() != 0 {
            let locked = dir.file("locked")
            cli.run(["init", locked])
            chmod(locked, 0)
            defer { chmod(locked, 0o755) }
            let result = cli.run(["list", "--pool", locked])
            #expect(result.code == 1 && result.stderr.contains("locked"))
        }
    }

    @Test("init --from builds the joined pool's index, so the first hook has context; --no-index leaves it to the hooks")
    func joiningBuildsTheIndex() throws {
        let cli = CLI(dir)
        let team = dir.file("team")
        #expect(cli.run(["init", team]).code == 0)
        let input = [insight("Reproduce before fixing"), trajectory(1), trajectory(2, domain: "rust")].map(memoryJSON).joined(separator: "\n") + "\n"
        #expect(cli.run(["add", "--pool", team, "-"], stdin: input).code == 0)
        func sidecars(_ pool: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: pool + "/mnem")) ?? []).filter { $0.hasPrefix("index-") && $0.hasSuffix(".vec") }
        }
        #expect(sidecars(team).isEmpty)

        let joined = dir.file("joined")
        let join = cli.run(["init", joined, "--from", team])
        #expect(join.code == 0, "\(join.stderr)")
        #expect(join.stdout.contains("Indexed 3 memories for search."))
        #expect(sidecars(joined).count == 1)
        // Up to date already: the first search has nothing to update.
        let search = cli.run(["search", "--pool", joined, "reproduce the bug", "--json", "-v"])
        #expect(search.code == 0 && search.stderr.contains("up to date"), "\(search.stderr)")

        let lazy = dir.file("lazy")
        #expect(cli.run(["init", lazy, "--from", team, "--no-index"]).code == 0)
        #expect(sidecars(lazy).isEmpty)
        #expect(cli.run(["init", dir.file("alone"), "--no-index"]).code == 64, "a usage error")
    }

    @Test("the demo runs mnem's main job end to end")
    func demo() {
        let result = CLI(dir).run(["demo"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("4 captured, 0 unchanged"))
        #expect(result.stdout.contains("0 captured, 4 unchanged"))
        // Compaction mined insights across the sessions' domains: at least two patterns with two sources each.
        let mined = result.stdout.firstMatch(of: /4 workflows, 4 summaries, (\d+) insights/).flatMap { Int($0.1) } ?? 0
        #expect(mined >= 2, "compaction mined insights across the sessions' domains")
        #expect(result.stdout.contains("6 added"))
        #expect(result.stdout.contains("Run the relevant tests against the final version"))
        #expect(result.stdout.contains("<mnem-memories"), "the context block")
    }
}

@Suite("Output formatting")
struct FormattingTests {
    @Test("scores print as printf's %.3f would")
    func fixedPoint() {
        var rng = SystemRandomNumberGenerator()
        let samples: [Float] = [0, -0.0004, 0.0004, 1, -1, 0.9995, 0.12345, -0.5, 12.5] + (0..<2000).map { _ in Float.random(in: -2...2, using: &rng) }
        for value in samples {
            let expected = String(format: "%.3f", value)
            // printf rounds exact binary halves to even; those are the only allowed difference.
            let isTie = (Double(value) * 1000).truncatingRemainder(dividingBy: 1).magnitude == 0.5
            if !isTie && expected != "-0.000" {
                #expect(fixedPoint3(value) == expected, "\(value)")
            }
        }
        #expect(fixedPoint3(-0.0004) == "0.000")
    }
}
