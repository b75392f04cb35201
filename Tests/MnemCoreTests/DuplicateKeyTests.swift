import Foundation
import Testing

@testable import MnemCore

/// A key named twice in one object: an error naming the key for what the pool keeps (memories,
/// feedback, requests), the last value for what other programs write (transcripts, hook events).
@Suite("JSON: duplicate keys")
struct DuplicateKeyTests {
    @Test(arguments: [
        (#"{"a": 1, "a": 2}"#, "a", 1, 10),
        (#"{"kind": "insight", "insight": {"title": "x",\#n "title": "y"}}"#, "title", 2, 2),
        // The same key once its escapes are decoded.
        (#"{"task": 1, "t\u0061sk": 2}"#, "task", 1, 13),
        (#"[{"ok": 1}, {"b": [], "c": {}, "b": null}]"#, "b", 1, 32),
    ])
    func rejected(text: String, key: String, line: Int, column: Int) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.reason == "duplicate key \"\(key)\"")
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.description.contains("duplicate key \"\(key)\""))
    }

    @Test func lastWinsWhenAskedFor() throws {
        #expect(try JSONParser.parse(#"{"a": 1, "b": {"c": 1, "c": 3}, "a": 2}"#, duplicateKeys: .lastWins) == ["a": 2, "b": ["c": 3]])
        #expect(try JSONParser.parse(Data(#"{"a": 1, "a": 2}"#.utf8), duplicateKeys: .lastWins) == ["a": 2])
    }

    @Test func longKeysAreCutInTheMessage() throws {
        let key = String(repeating: "k", count: 500)
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse("{\"\(key)\": 1, \"\(key)\": 2}") }
        #expect(error.reason.count <= 80)
    }

    @Test func distinctKeysAreFine() throws {
        #expect(try JSONParser.parse(#"{"a": {"x": 1}, "b": {"x": 2}, "A": 3}"#) == ["a": ["x": 1], "b": ["x": 2], "A": 3])
    }
}
