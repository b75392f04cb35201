import Foundation
import MnemCore
import MnemGit
import Testing

@testable import MnemIndex

/// Relevance is raised by the query's own words a memory holds: a static embedding blurs a task's
/// words into its gist, which every memory of the same sort shares.
@Suite struct SharedWordsTests {
    func item(_ n: Character, task: String, relevance: Float) throws -> RetrievedMemory {
        let memory = Memory(
            body: .summary(Summary(taskSummary: task, experience: Experience(environment: "", actions: "changed the code", results: "", why: "it was checked"))),
            task: task, domain: "d", outcome: .success)
        var hit = SearchHit(
            id: memory.id, blob: try #require(ObjectID(hex: String(repeating: String(n), count: 40))), kind: .summary, outcome: .success, domain: "d",
            model: nil, score: 0.5, bar: 0.2)
        hit.relevance = relevance
        return RetrievedMemory(hit: hit, memory: memory)
    }

    @Test func aMemoryHoldingTheQuerysWordsGoesFirst() throws {
        let panic = try item("1", task: "Fix a reported bug: resize panics on zero-width images", relevance: 3.9)
        let rounding = try item("2", task: "Fix a reported bug: invoice total is off by a cent when line items are rounding", relevance: 3.5)
        let ranked = Retriever.withSharedWords([panic, rounding], query: "fix a bug where totals are rounded wrong")
        #expect(ranked.map(\.memory.id) == [rounding.memory.id, panic.memory.id])
        // Two of three content words (`totals`, `rounded`; `wrong` is not there): two thirds of the weight.
        let raised = try #require(ranked.first?.hit.relevance)
        #expect(abs(raised - (3.5 + Retriever.lexicalWeight * 2 / 3)) < 1e-5)
    }

    @Test func aQueryOfFunctionWordsChangesNothing() throws {
        let a = try item("1", task: "first", relevance: 2), b = try item("2", task: "second", relevance: 1)
        let ranked = Retriever.withSharedWords([a, b], query: "what should I do with this")
        #expect(ranked.map(\.hit.relevance) == [2, 1])
        #expect(Retriever.contentStems("What should I do with this?").isEmpty)
        #expect(Retriever.contentStems("Rounded totals") == Retriever.contentStems("rounding TOTAL"))
        // ASCII text takes a byte path; a non-ASCII character (a word too short to count) sends
        // the same text down the Character path, which must find the same stems.
        let text = "Fix the parser's ROUNDING of totals in 2024-01-05; see tests/test_totals.py::TestRound (issue #1234)\r\nthen"
        #expect(Retriever.contentStems(text) == Retriever.contentStems(text + " é"))
        #expect(Retriever.contentStems(text) == ["parse", "round", "total", "2024", "tests", "test", "testr", "issue", "1234"])
    }
}
