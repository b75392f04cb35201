import Foundation
import MnemCLI
import MnemCore
import Testing

@testable import MnemIndex

@Suite struct CLITests {
    func run(_ arguments: [String], in test: TestPool, stdin: String = "") -> (Int32, Console) {
        let console = Console.captured(environment: [:], currentDirectory: test.directory.path, stdin: Data(stdin.utf8))
        let status = MnemCLI.run(arguments + ["--pool", test.path], console: console)
        return (status, console)
    }

    @Test func indexSearchAndContext() throws {
        let test = try TestPool()
        let memories = Make.mixed(12)
        try test.add(memories)

        let (indexStatus, indexConsole) = run(["index", "--json"], in: test)
        #expect(indexStatus == 0)
        let indexJSON = try JSONParser.parse(Data(indexConsole.stdout.utf8))
        #expect(indexJSON["action"]?.stringValue == "rebuilt")
        #expect(indexJSON["count"] == .int(12))
        let (_, again) = run(["index"], in: test)
        #expect(again.stdout.contains("up to date"))

        let (searchStatus, search) = run(["search", "parser", "tests", "-k", "3", "--kind", "summary", "-v"], in: test)
        #expect(searchStatus == 0)
        let lines = search.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains("summary") })
        #expect(search.stderr.contains("index up to date"))

        let (jsonStatus, json) = run(["search", "parser tests", "--json", "--outcome", "failure", "--exclude-domain", "rust"], in: test)
        #expect(jsonStatus == 0)
        guard case .array(let hits) = try JSONParser.parse(Data(json.stdout.utf8)) else {
            Issue.record("search --json did not print an array")
            return
        }
        #expect(!hits.isEmpty)
        for hit in hits {
            #expect(hit["hit"]?["outcome"]?.stringValue == "failure")
            #expect(hit["hit"]?["domain"]?.stringValue != "rust")
            #expect(hit["memory"]?["id"]?.stringValue == hit["hit"]?["id"]?.stringValue)
        }

        let (contextStatus, context) = run(["context", "fix the parser tests", "--budget", "300"], in: test)
        #expect(contextStatus == 0)
        #expect(context.stdout.hasPrefix("<mnem-memories>"))
        #expect(context.stdout.unicodeScalars.count <= 1200)

        // A hook's JSON event on standard input.
        let (hookStatus, hook) = run(["context", "--json"], in: test, stdin: #"{"prompt": "parser tests", "session_id": "s"}"#)
        #expect(hookStatus == 0)
        let hookJSON = try JSONParser.parse(Data(hook.stdout.utf8))
        #expect(hookJSON["context"]?.stringValue?.contains("</mnem-memories>") == true)
    }

    @Test func searchFollowsNewCommitsAndForgets() throws {
        let test = try TestPool()
        try test.add(Make.mixed(8))
        _ = run(["index"], in: test)
        let newcomer = Make.insight("zebra crossing etiquette")
        try test.add([newcomer])
        let (_, found) = run(["search", "zebra crossing etiquette", "-k", "1", "-v"], in: test)
        #expect(found.stdout.contains(newcomer.id.short))
        #expect(found.stderr.contains("index updated: +1 -0"))
        try test.forget([newcomer.id])
        let (_, gone) = run(["search", "zebra crossing etiquette", "-k", "1"], in: test)
        #expect(!gone.stdout.contains(newcomer.id.short))
    }

    @Test(arguments: [
        ["search"], ["search", "q", "--kind", "poem"], ["search", "q", "--outcome", "maybe"], ["search", "q", "--rank", "random"],
        ["search", "q", "--embedder", "nonexistent"], ["search", "q", "-k", "0"], ["index", "--element", "int8"],
        ["search", "q", "--min-score", "abc"],
    ])
    func usageErrors(_ arguments: [String]) throws {
        let test = try TestPool()
        let (status, console) = run(arguments, in: test)
        #expect(status == 64)
        #expect(!console.stderr.isEmpty)
    }

    @Test func corruptSidecarIsReportedAndRebuiltThroughTheCLI() throws {
        let test = try TestPool()
        try test.add(Make.mixed(6))
        _ = run(["index"], in: test)
        let embedder = try EmbedderRegistry.makeEmbedder(name: EmbedderRegistry.defaultName)
        let path = VectorIndex.sidecarPath(gitDirectory: test.pool.repository.gitDirectory, embedderID: embedder.id)
        try writeBytes(Array("garbage".utf8), path)
        let (status, console) = run(["search", "parser", "-v"], in: test)
        #expect(status == 0)
        #expect(console.stderr.contains("rebuilt"))
        #expect(console.stderr.contains("truncated"))
        #expect(!console.stdout.isEmpty)
    }
}
