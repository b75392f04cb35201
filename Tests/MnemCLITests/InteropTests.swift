import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCLI

@Suite("Plain git reads what mnem writes")
struct InteropTests {
    let dir = TemporaryDirectory("interop")

    @Test("git fsck and git log are clean, git show finds every memory file, and a clone holds the same files")
    func plainGit() throws {
        let cli = CLI(dir)
        let pool = dir.file("pool")
        cli.run(["init", pool])
        let memories = (0..<40).map { trajectory($0) } + [insight("one"), insight("two", domain: "go")]
        #expect(cli.run(["add", "--pool", pool], stdin: memories.map(memoryJSON).joined(separator: "\n")).code == 0)
        #expect(cli.run(["forget", "--pool", pool, memories[3].id.rawValue]).code == 0)
        let fsck = try Shell.run("git", ["-C", pool, "fsck", "--strict", "--no-dangling"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
        let log = try Shell.git(["log", "--format=%an|%s", "main"], in: pool)
        #expect(log == "tester|forget 1 memory\ntester|add 42 memories\n")
        for memory in memories where memory.id != memories[3].id {
            let shown = try Shell.git(["show", "main:\(memory.path)"], in: pool)
            #expect(Array(shown.utf8) == memory.canonicalBytesWithCapture(from: pool), "\(memory.path)")
        }
        let clone = dir.file("clone")
        try Shell.git(["clone", "-q", pool, clone])
        let files = try Shell.git(["ls-files"], in: clone).split(separator: "\n").map(String.init)
        #expect(files.count == 41)
        #expect(Set(files) == Set(memories.filter { $0.id != memories[3].id }.map(\.path)))
    }

    @Test("every file mnem writes validates against schema/ (python jsonschema)")
    func schemaValidation() throws {
        let probe = try Shell.run("python3", ["-c", "import jsonschema, referencing"])
        guard probe.status == 0 else {
            Issue.record("python3 with jsonschema is needed for schema validation (pip install jsonschema): \(probe.stderr)")
            return
        }
        let cli = CLI(dir)
        let pool = dir.file("pool")
        cli.run(["init", pool])
        #expect(cli.run(["demo", "--keep"]).code == 0)
        let all: [Memory] = [
            insight("i"), trajectory(1),
            Memory(body: .workflow(Workflow(goal: "g", steps: [WorkflowStep(category: "edit", action: "a")], negative: true)), task: "t", domain: "d", outcome: .failure, derivedFrom: [trajectory(1).id]),
            Memory(body: .summary(Summary(taskSummary: "s", experience: Experience(environment: "e", actions: "a", results: "r", why: "w"))), task: "t", domain: "d", supersedes: [insight("i").id]),
            Memory(body: .insight(Insight(title: "t", description: "d", content: "c", evidence: InsightEvidence(memories: [trajectory(1).id.rawValue], domains: ["a", "b"], successRateWith: 0.75, successRateWithout: 0.25))), task: "t", domain: "general"),
        ] + ExampleMemories.all
        #expect(cli.run(["add", "--pool", pool], stdin: all.map(memoryJSON).joined(separator: "\n")).code == 0)
        let clone = dir.file("clone")
        try Shell.git(["clone", "-q", pool, clone])
        let files = try Shell.git(["ls-files"], in: clone).split(separator: "\n").map { clone + "/" + $0 }
        #expect(files.count == all.count)
        let validator = Locations.packageRoot + "/schema/validate.py"
        let result = try Shell.run("python3", [validator] + files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // And the schema rejects what mnem rejects.
        let bad = try dir.write("bad.json", #"{"version":1,"id":"0000000000000000000000000000000000000000","kind":"insight","task":"t","domain":"d","outcome":"won","source":{},"derivedFrom":[],"supersedes":[],"tags":[],"insight":{"title":"x","description":"d","content":"c"}}"#)
        #expect(try Shell.run("python3", [validator, bad]).status == 1)
    }
}

extension Memory {
    /// The bytes mnem stored for this memory (capturedAt was filled in by `mnem add`).
    func canonicalBytesWithCapture(from pool: String) -> [UInt8] {
        guard let stored = try? Pool.open(at: pool).memory(id) else { return [] }
        return stored.canonicalBytes()
    }
}
