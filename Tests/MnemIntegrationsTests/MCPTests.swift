import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// `mnem mcp` driven as a child process, as an agent drives it.
@Suite("MCP server")
struct MCPTests {
    /// Sends `requests` (one per line) and returns every stdout line parsed, checking each is a JSON-RPC 2.0 response.
    func session(_ world: HookWorld, _ requests: [String]) throws -> [JSONValue] {
        let result = try world.mnem(["mcp"], stdin: requests.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var responses: [JSONValue] = []
        for line in lines {
            let message = try JSONParser.parse(String(line))
            #expect(message["jsonrpc"]?.stringValue == "2.0", "only JSON-RPC on stdout: \(line)")
            #expect((message["result"] == nil) != (message["error"] == nil))
            responses.append(message)
        }
        #expect(result.stdout.hasSuffix("\n"))
        return responses
    }

    func response(_ responses: [JSONValue], id: Int64) throws -> JSONValue {
        try #require(responses.first { $0["id"] == .int(id) }, "a response to \(id)")
    }

    func call(_ id: Int, _ tool: String, _ arguments: String) -> String {
        #"{"jsonrpc":"2.0","id":\#(id),"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(arguments)}}"#
    }

    func toolResult(_ response: JSONValue) throws -> JSONValue {
        let result = try #require(response["result"])
        #expect(result["isError"] == .bool(false), "\(result)")
        let text = try #require(result["content"]?.arrayValue?.first?["text"]?.stringValue)
        let parsed = try JSONParser.parse(text)
        #expect(result["structuredContent"] == parsed)
        return parsed
    }

    @Test("initialize, tools/list, ping and every tool; feedback is committed to the pool and moves ranking")
    func tools() throws {
        let world = try HookWorld()
        try world.initPool()
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test-agent","version":"1"}}}"#
        let first = try session(world, [
            initialize,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"ping"}"#,
            call(4, "add_insight", #"{"title":"Reproduce before fixing","description":"Write a failing test that shows the bug first.","content":"A failing test makes the bug concrete and proves the fix.","domain":"python","tags":["testing"]}"#),
            call(5, "add_insight", #"{"title":"Read the error output fully","description":"The last lines of a failure rarely hold the cause.","content":"Scroll to the first error in build output before editing anything.","domain":"python"}"#),
            call(6, "search_memories", #"{"query":"write a failing test to reproduce the bug first","k":5,"kind":"insight"}"#),
        ])
        #expect(first.count == 6, "the notification got no answer")
        let initialized = try #require(try response(first, id: 1)["result"])
        #expect(initialized["protocolVersion"]?.stringValue == "2025-06-18")
        #expect(initialized["capabilities"]?["tools"] != nil)
        #expect(initialized["serverInfo"]?["name"]?.stringValue == "mnem")
        let names = try #require(try response(first, id: 2)["result"]?["tools"]?.arrayValue).compactMap { $0["name"]?.stringValue }
        #expect(Set(names) == ["search_memories", "get_memory", "add_insight", "record_feedback"])
        #expect(try response(first, id: 3)["result"] == .object([:]))
        let reproduce = try #require(try toolResult(try response(first, id: 4))["id"]?.stringValue)
        let readErrors = try #require(try toolResult(try response(first, id: 5))["id"]?.stringValue)
        let found = try #require(try toolResult(try response(first, id: 6))["results"]?.arrayValue)
        #expect(found.first?["hit"]?["id"]?.stringValue == reproduce)
        // One shape for a search hit: `mnem search --json` prints an array of what MCP's results hold.
        let cli = try world.mnem(["search", "write a failing test to reproduce the bug first", "-k", "5", "--kind", "insight", "--json"])
        let cliFirst = try #require(try JSONParser.parse(cli.stdout).arrayValue?.first)
        let mcpFirst = try #require(found.first)
        #expect(cliFirst.objectValue.map { Set($0.keys) } == ["headline", "hit", "memory"])
        #expect(cliFirst.objectValue.map { Set($0.keys) } == mcpFirst.objectValue.map { Set($0.keys) })
        #expect(cliFirst["hit"]?.objectValue.map { Set($0.keys) } == mcpFirst["hit"]?.objectValue.map { Set($0.keys) })
        #expect(cliFirst["memory"] == mcpFirst["memory"])

        let second = try session(world, [
            initialize,
            call(10, "get_memory", #"{"id":"\#(reproduce.prefix(8))"}"#),
            call(11, "record_feedback", #"{"id":"\#(reproduce)","helped":false,"note":"not relevant 1"}"#),
            call(12, "record_feedback", #"{"id":"\#(reproduce)","helped":false,"note":"not relevant 2"}"#),
            call(13, "record_feedback", #"{"id":"\#(reproduce)","helped":false,"note":"not relevant 3"}"#),
            call(14, "record_feedback", #"{"id":"\#(readErrors)","helped":true}"#),
            call(15, "search_memories", #"{"query":"write a failing test to reproduce the bug first","k":5,"kind":"insight"}"#),
            call(16, "get_memory", #"{"id":"ffff0000"}"#),
        ])
        let memory = try toolResult(try response(second, id: 10))
        #expect(memory["id"]?.stringValue == reproduce)
        #expect(memory["insight"]?["title"]?.stringValue == "Reproduce before fixing")
        #expect(memory["source"]?["agent"]?.stringValue == "test-agent")
        #expect(try toolResult(try response(second, id: 13))["net"] == .int(-3))
        #expect(try toolResult(try response(second, id: 14))["net"] == .int(1))
        let after = try #require(try toolResult(try response(second, id: 15))["results"]?.arrayValue).compactMap { $0["hit"]?["id"]?.stringValue }
        #expect(!after.contains(reproduce), "three reports that it did not help drop it")
        #expect(after.contains(readErrors))
        #expect(try response(second, id: 16)["result"]?["isError"] == .bool(true))

        // The feedback is in the pool's tree, one file per report.
        let files = try Shell.git(["--git-dir", world.pool, "ls-tree", "-r", "--name-only", "HEAD", "feedback"])
        #expect(files.split(separator: "\n").count == 4)
        #expect(files.contains("feedback/\(reproduce.prefix(2))/\(reproduce)/"))
    }

    @Test("Malformed requests get JSON-RPC errors, and nothing else reaches stdout")
    func errors() throws {
        let world = try HookWorld()
        try world.initPool()
        let responses = try session(world, [
            "{not json",
            #"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
            #"{"id":2,"method":"ping"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"no/such/method"}"#,
            call(4, "get_memory", "{}"),
            call(5, "no_such_tool", "{}"),
            call(6, "search_memories", #"{"query":"x","k":"many"}"#),
            call(7, "record_feedback", #"{"id":"abcd"}"#),
            call(8, "search_memories", #"{"query":"x","kind":"poem"}"#),
            #"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":[1]}"#,
            #"{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}"#,
            #"{"jsonrpc":"2.0","id":10,"method":"ping"}"#,
            "",
            #"{"jsonrpc":"2.0","method":"notifications/unknown"}"#,
        ])
        let codes = responses.map { $0["error"]?["code"]?.intValue }
        #expect(codes == [-32700, -32600, -32600, -32601, nil, -32602, nil, nil, nil, -32602, -32600, nil])
        #expect(responses[0]["id"] == .null)
        #expect(responses[3]["id"] == .int(3))
        #expect(responses.last?["id"] == .int(10))
        // Bad arguments are tool results the model reads, each with its reason.
        for id in [4, 6, 7, 8] {
            let result = try #require(try response(responses, id: Int64(id))["result"])
            #expect(result["isError"] == .bool(true))
            #expect(result["content"]?.arrayValue?.first?["text"]?.stringValue?.isEmpty == false, "\(result)")
        }
        #expect(try response(responses, id: 8)["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("poem") == true)
    }

    @Test("Without a pool the tools answer with isError, and the server keeps serving")
    func noPool() throws {
        let world = try HookWorld()
        let result = try world.mnem(
            ["mcp"], stdin: call(1, "search_memories", #"{"query":"x"}"#) + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"ping"}"# + "\n",
            env: ["MNEM_POOL": world.dir.file("missing")])
        let lines = result.stdout.split(separator: "\n").map { try? JSONParser.parse(String($0)) }
        #expect(lines.count == 2)
        #expect(lines.first??["result"]?["isError"] == .bool(true))
        #expect(lines.last??["result"] == .object([:]))
    }
}
