import Foundation
import Testing
@testable import MnemEmbedding

@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    struct Reference: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            let text: String
            let ids: [Int]
            var testDescription: String { text.debugDescription }
        }
        let cases: [Case]
    }

    static let reference: [Reference.Case] = (try? JSONDecoder().decode(Reference.self, from: Support.fixture("tokenizer_reference.json")).cases) ?? []

    @Test("the fixture has enough cases")
    func fixtureIsThere() {
        #expect(Self.reference.count >= 50)
    }

    @Test("ids equal Hugging Face's", arguments: reference)
    func matchesReference(_ reference: Reference.Case) throws {
        let tokenizer = try Support.staticEmbedder().tokenizer
        #expect(tokenizer.tokenIDs(reference.text) == reference.ids)
    }

    @Test("tokens read back from the mapped vocabulary")
    func tokenText() throws {
        let embedder = try Support.staticEmbedder()
        let ids = embedder.tokenizer.tokenIDs("Unaffable tokenization")
        let tokens = ids.compactMap { embedder.model.token($0) }
        #expect(tokens.first == "una")
        #expect(tokens.contains { $0.hasPrefix("##") })
    }

    @Test("a word over the length limit is one [UNK]")
    func longWord() throws {
        let embedder = try Support.staticEmbedder()
        let unk = Int(embedder.model.unknownTokenID)
        #expect(embedder.tokenizer.tokenIDs(String(repeating: "a", count: 101)) == [unk])
        #expect(embedder.tokenizer.tokenIDs(String(repeating: "é", count: 101)) == [unk])
        #expect(embedder.tokenizer.tokenIDs(String(repeating: "a", count: 100)) != [unk])
    }
}
