import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCLI

@Suite("add: duplicate keys")
struct DuplicateKeyAddTests {
    /// Which title did the author mean? The last one used to win silently.
    @Test(arguments: ["object", "lines", "array"])
    func refused(shape: String) throws {
        let dir = TemporaryDirectory("duplicate-add")
        let cli = CLI(dir)
        #expect(cli.run(["init", "pool"]).code == 0)
        let memory = #"{"kind": "insight", "task": "t", "domain": "general", "outcome": "success", "insight": {"title": "Run the tests", "description": "d.", "content": "c.", "title": "Skip the tests"}}"#
        let clean = #"{"kind": "insight", "task": "t", "domain": "general", "outcome": "success", "insight": {"title": "Clean", "description": "d.", "content": "c."}}"#
        let text: String
        switch shape {
        case "object": text = memory
        case "lines": text = clean + "\n" + memory + "\n"
        default: text = "[" + clean + ",\n" + memory + "]"
        }
        try dir.write("in.json", text)
        let result = cli.run(["--pool", "pool", "add", "in.json"])
        #expect(result.code == 1)
        #expect(result.stderr.hasPrefix("mnem: in.json"), "\(result.stderr)")
        #expect(result.stderr.contains("duplicate key \"title\""), "\(result.stderr)")
        #expect(try Pool.open(at: dir.file("pool")).tip() == nil)
    }
}
