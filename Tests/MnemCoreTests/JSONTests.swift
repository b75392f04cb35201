import Foundation
import Testing

@testable import MnemCore

@Suite("JSON parser and canonical writer")
struct JSONTests {
    @Test("canonical form: sorted keys, two-space indent, trailing newline")
    func canonicalForm() throws {
        let value = try JSONParser.parse(#"{"b": [1, 2.5, {"z": null, "a": true}], "a": "x", "e": {}, "f": []}"#)
        let expected = """
            {
              "a": "x",
              "b": [
                1,
                2.5,
                {
                  "a": true,
                  "z": null
                }
              ],
              "e": {},
              "f": []
            }

            """
        #expect(CanonicalJSON.documentString(value) == expected)
        #expect(CanonicalJSON.compactString(value) == #"{"a":"x","b":[1,2.5,{"a":true,"z":null}],"e":{},"f":[]}"#)
    }

    @Test("strings: escapes in, minimal escapes out, surrogate pairs, raw UTF-8")
    func strings() throws {
        let value = try JSONParser.parse(#"["a\"b\\c\/d\n\t\u0001", "\u00e9\ud83d\ude00", "é😀", "\ud800x"]"#)
        #expect(value == .array([.string("a\"b\\c/d\n\t\u{01}"), .string("é😀"), .string("é😀"), .string("\u{FFFD}x")]))
        #expect(CanonicalJSON.compactString(value) == #"["a\"b\\c/d\n\t\u0001","é😀","é😀","�x"]"#)
    }

    @Test("numbers keep integers exact and parse doubles")
    func numbers() throws {
        #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSONParser.parse("-0.5e2") == .double(-50))
        #expect(throws: JSONParseError.self) { try JSONParser.parse("1e400") }
        #expect(CanonicalJSON.compactString(.double(50)) == "50")
        #expect(CanonicalJSON.compactString(.double(0.1)) == "0.1")
    }

    @Test(
        "invalid documents are errors with a position",
        arguments: [
            ("", 1, 1), ("{", 1, 2), ("[1,]", 1, 4), ("{\"a\" 1}", 1, 6), ("\"abc", 1, 5), ("[1]\n x", 2, 2),
            ("nul", 1, 1), ("01", 1, 2), ("\"\u{01}\"", 1, 2), ("[\"\\q\"]", 1, 4), ("-", 1, 2),
        ])
    func invalid(text: String, line: Int, column: Int) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test("nesting is bounded so hostile input cannot exhaust the stack")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test("parse ∘ canonical is the identity on canonical documents")
    func roundTrip() throws {
        let text = #"{"k":[true,false,null,-3,1.25,"s",{"n":{"m":[]}}],"u":"ü\n"}"#
        let once = CanonicalJSON.document(try JSONParser.parse(text))
        let twice = CanonicalJSON.document(try JSONParser.parse(Data(once)))
        #expect(once == twice)
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test(
        "standard test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test("a million 'a's, fed in uneven pieces")
    func streaming() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 999)
        var fed = 0
        while fed < 1_000_000 {
            let n = min(chunk.count - (fed % 7), 1_000_000 - fed)
            chunk.prefix(n).withUnsafeBytes { hasher.update($0) }
            fed += n
        }
        #expect(hasher.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite("SHA-256 implementations agree")
struct SHA256ImplementationTests {
    @Test("the hardware path and the portable rounds give the same digests")
    func hardwareMatchesPortable() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4096, 100_003] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var portable = SHA256()
            portable.usesHardware = false
            portable.update(bytes)
            #expect(SHA256.hash(bytes) == portable.finalize(), "length \(length), hardware: \(SHA256.hardware)")
        }
    }
}
