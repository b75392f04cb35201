import Foundation
import Testing

@testable import MnemCore

func sampleInsight(_ title: String = "Run the tests after the last edit", domain: String = "general") -> Memory {
    Memory(
        body: .insight(Insight(title: title, description: "One sentence.", content: "Some content.")),
        task: "a task", domain: domain, outcome: .success,
        source: MemorySource(agent: "claude-code", model: "m1", sessionId: "s1", capturedAt: "2026-01-01T00:00:00Z"))
}

func sampleTrajectory(_ n: Int, domain: String = "python") -> Memory {
    Memory(
        body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "pytest -k case\(n)", observation: "1 passed", exitStatus: 0)])),
        task: "task \(n)", domain: domain, outcome: .success, source: MemorySource(agent: "codex", sessionId: "session-\(n)"))
}

@Suite("Memory model")
struct MemoryTests {
    @Test("the id comes from the content and ignores capturedAt")
    func contentID() {
        var a = sampleInsight()
        var b = sampleInsight()
        b.source.capturedAt = "2030-05-05T05:05:05Z"
        b.refreshID()
        #expect(a.id == b.id)
        a.task = "another task"
        a.refreshID()
        #expect(a.id != b.id)
        #expect(a.id.rawValue.count == 40)
        #expect(a.path == "memories/insight/\(a.id.rawValue.prefix(2))/\(a.id.rawValue).json")
    }

    @Test("an id read from its 20 bytes is the id of 40 hex digits")
    func idFromBytes() throws {
        let id = sampleInsight().id
        var bytes: [UInt8] = []
        var digits = Array(id.rawValue.utf8)
        while !digits.isEmpty {
            bytes.append(try #require(UInt8(String(decoding: digits.prefix(2), as: UTF8.self), radix: 16)))
            digits.removeFirst(2)
        }
        #expect(bytes.withUnsafeBytes { MemoryID(bytes: $0) } == id)
        #expect([UInt8](repeating: 0xAB, count: 20).withUnsafeBytes { MemoryID(bytes: $0) }?.rawValue == String(repeating: "ab", count: 20))
        #expect([UInt8](repeating: 0, count: 19).withUnsafeBytes { MemoryID(bytes: $0) } == nil)
    }

    @Test("every kind survives encode → decode unchanged")
    func roundTrip() throws {
        let memories: [Memory] = [
            sampleInsight(), sampleTrajectory(1),
            Memory(body: .workflow(Workflow(goal: "g", steps: [WorkflowStep(category: "test", action: "run <test>")], negative: true)), task: "t", domain: "go"),
            Memory(
                body: .summary(Summary(taskSummary: "ts", experience: Experience(environment: "e", actions: "a", results: "r", why: "w"))),
                task: "t", domain: "rust", outcome: .failure, derivedFrom: [sampleTrajectory(2).id]),
        ]
        for memory in memories {
            let decoded = try Memory(json: try JSONParser.parse(Data(memory.canonicalBytes())), idPolicy: .mustMatch)
            #expect(decoded == memory)
            #expect(decoded.canonicalBytes() == memory.canonicalBytes())
        }
    }

    @Test(
        "invalid memories name the field and the problem",
        arguments: [
            (#"{"kind":"memo","task":"t","domain":"d"}"#, "kind"),
            (#"{"kind":"insight","task":"t","domain":"d"}"#, "insight"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"},"colour":1}"#, "colour"),
            (#"{"kind":"insight","task":5,"domain":"d","insight":{"title":"x","description":"d","content":"c"}}"#, "task"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"","description":"d","content":"c"}}"#, "insight/title"),
            (#"{"kind":"insight","task":"t","domain":"d","outcome":"won","insight":{"title":"x","description":"d","content":"c"}}"#, "outcome"),
            (#"{"kind":"trajectory","task":"t","domain":"d","trajectory":{"steps":[{"tool":"b","input":"i"}]}}"#, "trajectory/steps/0/observation"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"},"trajectory":{"steps":[]}}"#, "trajectory"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"},"derivedFrom":["nothex"]}"#, "derivedFrom/0"),
            (#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"},"id":"0000000000000000000000000000000000000000"}"#, "id"),
            (#"{"version":3,"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"}}"#, "version"),
            (#"{"kind":"insight","task":"t","domain":"d","outcomeEvidence":{"signal":"hunch","detail":"x"},"insight":{"title":"x","description":"d","content":"c"}}"#, "outcomeEvidence/signal"),
            (#"{"kind":"trajectory","task":"t","domain":"d","trajectory":{"steps":[],"result":{"diff":"x"}}}"#, "trajectory/result/diff"),
            (#"[1]"#, ""),
        ])
    func invalid(text: String, field: String) throws {
        let json = try JSONParser.parse(text)
        #expect(throws: MemoryValidationError.self) { try Memory(json: json, idPolicy: .optionalButMatching) }
        do {
            _ = try Memory(json: json, idPolicy: .optionalButMatching)
        } catch {
            #expect(error.field == field)
        }
    }

    @Test("version 2 fields survive encode → decode, and stay out of what a version 1 memory writes")
    func versionTwoFields() throws {
        let step = TrajectoryStep(tool: "bash", input: "pytest -x", observation: "1 failed", exitStatus: 1, reasoning: "Reproduce it first.")
        let memory = Memory(
            body: .trajectory(
                Trajectory(steps: [step], firstUserMessage: "Fix the parser.\n\nIt breaks on dates.", result: TrajectoryResult(patch: "diff --git a/x b/x", finalMessage: "Fixed."))),
            task: "Fix the parser.", domain: "python", outcome: .failure,
            outcomeEvidence: OutcomeEvidence(signal: .test, detail: "pytest exited 1 after the last edit", step: 0))
        #expect(memory.version == Memory.formatVersion)
        let decoded = try Memory(json: try JSONParser.parse(Data(memory.canonicalBytes())), idPolicy: .mustMatch)
        #expect(decoded == memory)
        #expect(decoded.canonicalBytes() == memory.canonicalBytes())
        let text = String(decoding: memory.canonicalBytes(), as: UTF8.self)
        for field in ["\"reasoning\"", "\"firstUserMessage\"", "\"finalMessage\"", "\"outcomeEvidence\"", "\"signal\": \"test\""] {
            #expect(text.contains(field), "\(field) missing")
        }
    }

    @Test("a version 1 file still reads, keeps its version, its bytes and its id")
    func versionOneStillReads() throws {
        // Written by hand as mnem 1 wrote it: no version 2 field, version 1 in the id's preimage.
        var old = sampleTrajectory(7)
        old.version = 1
        old.refreshID()
        let bytes = old.canonicalBytes()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"version\": 1"))
        let decoded = try Memory(json: try JSONParser.parse(Data(bytes)), idPolicy: .mustMatch)
        #expect(decoded.version == 1)
        #expect(decoded.id == old.id)
        #expect(decoded.canonicalBytes() == bytes)
        #expect(decoded.id != sampleTrajectory(7).id, "the version is part of the id")
    }

    @Test("files read from a pool must carry their id")
    func idRequiredForPoolFiles() throws {
        let json = try JSONParser.parse(#"{"kind":"insight","task":"t","domain":"d","insight":{"title":"x","description":"d","content":"c"}}"#)
        #expect(throws: MemoryValidationError.self) { try Memory(json: json, idPolicy: .mustMatch) }
        #expect((try? Memory(json: json, idPolicy: .optionalButMatching)) != nil)
    }

    @Test("memory paths parse back to kind and id, and nothing else does")
    func paths() {
        let memory = sampleInsight()
        let parsed = MemoryPath.parse(memory.path)
        #expect(parsed?.kind == .insight && parsed?.id == memory.id)
        let id = memory.id.rawValue
        for bad in ["memories/insight/zz/\(id).json", "memories/nope/\(id.prefix(2))/\(id).json", "x/insight/\(id.prefix(2))/\(id).json",
            "memories/insight/\(id.prefix(2))/\(id).txt", "memories/insight/\(id.prefix(2))/sub/\(id).json"]
        {
            #expect(MemoryPath.parse(bad) == nil)
        }
    }
}
