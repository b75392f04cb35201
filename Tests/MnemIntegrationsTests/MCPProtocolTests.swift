import Foundation
import MnemCore
import MnemIntegrations
import MnemTestSupport
import Testing

/// The Python interpreter that has the official MCP SDK (`mcp`), if any: `MNEM_TEST_PYTHON`, else `python3`.
enum PythonSDK {
    static let interpreter: String? = {
        let candidates = [ProcessInfo.processInfo.environment["MNEM_TEST_PYTHON"], "python3"].compactMap { $0 }
        return candidates.first { python in
            (try? Shell.run(python, ["-c", "import mcp, mcp_types.version"]))?.status == 0
        }
    }()

    static let missing = "the MCP Python SDK is not installed (scripts/install-deps.sh --test installs it with pip; MNEM_TEST_PYTHON names another interpreter)"
}

/// The protocol eras, message limits and the official SDK's verdict.
@Suite("MCP protocol")
struct MCPProtocolTests {
    func lines(_ output: String) throws -> [JSONValue] {
        try output.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    static let envelope = #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"envelope-agent","version":"1"}}"#

    @Test("2026-07-28: discover, every result says resultType, cache hints on lists, the envelope is required, other versions get -32022")
    func modernEra() throws {
        let world = try HookWorld()
        try world.initPool()
        let e = Self.envelope
        let result = try world.mnem(["mcp"], stdin: [
            #"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{\#(e)}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{\#(e)}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{\#(e),"name":"add_insight","arguments":{"title":"Check the exit code","description":"A command can print success and still fail.","content":"Read the exit status of every build or test command before trusting its output."}}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{\#(e),"name":"search_memories","arguments":{}}}"#,
            #"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2027-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}"#,
            #"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
            #"{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","id":9,"method":"ping","params":{\#(e)}}"#,
            #"{"jsonrpc":"2.0","id":10,"method":"resources/templates/list","params":{\#(e)}}"#,
        ].joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let responses = try lines(result.stdout)
        #expect(responses.count == 10)
        let discover = try #require(responses.first?["result"])
        #expect(discover["supportedVersions"] == ["2026-07-28"])
        #expect(discover["resultType"] == "complete")
        #expect(discover["ttlMs"]?.intValue != nil && discover["cacheScope"] != nil)
        #expect(discover["capabilities"]?["tools"] != nil && discover["capabilities"]?["resources"] != nil)
        #expect(discover["_meta"]?["io.modelcontextprotocol/serverInfo"]?["name"] == "mnem")
        let tools = try #require(responses[1]["result"])
        #expect(tools["resultType"] == "complete" && tools["cacheScope"] == "public")
        #expect(tools["tools"]?.arrayValue?.allSatisfy { $0["outputSchema"] != nil && $0["annotations"] != nil } == true)
        let added = try #require(responses[2]["result"])
        #expect(added["resultType"] == "complete" && added["isError"] == false)
        // The insight names the agent of the request's clientInfo: nothing carries over between requests.
        let id = try #require(added["structuredContent"]?["id"]?.stringValue)
        let shown = try JSONParser.parse(try world.mnem(["show", id, "--json"]).stdout)
        #expect(shown["source"]?["agent"] == "envelope-agent")
        #expect(responses[3]["result"]?["isError"] == true && responses[3]["result"]?["resultType"] == "complete")
        #expect(responses[4]["error"]?["code"] == -32602, "a request without the envelope on a 2026-07-28 connection")
        #expect(responses[5]["error"]?["code"] == -32022)
        #expect(responses[5]["error"]?["data"]?["supported"] == ["2026-07-28"])
        #expect(responses[5]["error"]?["data"]?["requested"] == "2027-01-01")
        #expect(responses[6]["error"]?["code"] == -32602, "clientCapabilities missing")
        #expect(responses[7]["error"]?["code"] == -32022, "no handshake on a 2026-07-28 connection")
        #expect(responses[8]["error"]?["code"] == -32601, "ping is gone at 2026-07-28")
        #expect(responses[9]["result"]?["resourceTemplates"]?.arrayValue?.first?["uriTemplate"] == "memory://{id}")
    }

    @Test("Handshake era: the version asked is agreed, an unknown one gets 2025-11-25, the envelope is refused, fields follow the version")
    func handshakeEra() throws {
        let world = try HookWorld()
        try world.initPool()
        func session(_ version: String) throws -> [JSONValue] {
            let result = try world.mnem(["mcp"], stdin: [
                #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}"#,
                #"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
                #"{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{\#(Self.envelope)}}"#,
                #"{"jsonrpc":"2.0","id":4,"method":"server/discover","params":{}}"#,
            ].joined(separator: "\n") + "\n")
            return try lines(result.stdout)
        }
        let old = try session("2024-11-05")
        #expect(old[0]["result"]?["protocolVersion"] == "2024-11-05")
        let oldTools = try #require(old[1]["result"]?["tools"]?.arrayValue)
        #expect(oldTools.allSatisfy { $0["outputSchema"] == nil && $0["annotations"] == nil }, "2024-11-05 had neither")
        #expect(old[1]["result"]?["resultType"] == nil)
        #expect(old[2]["error"]?["code"] == -32600)
        #expect(old[3]["error"]?["code"] == -32601)
        let current = try session("2025-06-18")
        #expect(current[0]["result"]?["protocolVersion"] == "2025-06-18")
        let search = try #require(current[1]["result"]?["tools"]?.arrayValue?.first { $0["name"] == "search_memories" })
        #expect(search["annotations"]?["readOnlyHint"] == true)
        #expect(search["outputSchema"]?["type"] == "object")
        let future = try session("2031-01-01")
        #expect(future[0]["result"]?["protocolVersion"] == "2025-11-25")
    }

    @Test("A 32 MB line is answered with one error, and the next request is served")
    func longLine() throws {
        let world = try HookWorld()
        let huge = #"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":""# + String(repeating: "x", count: 32 << 20) + #""}}"#
        let result = try world.mnem(["mcp"], stdin: huge + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"ping"}"# + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        let responses = try lines(result.stdout)
        #expect(responses.count == 2)
        #expect(responses.first?["error"]?["code"] == -32600)
        #expect(responses.first?["error"]?["message"]?.stringValue?.contains("\(huge.utf8.count) bytes") == true)
        #expect(responses.last?["id"] == 2 && responses.last?["result"] == .object([:]))
    }

    @Test("The line reader examines each byte once and keeps at most the limit", arguments: [1, 7, 65_536])
    func lineReaderIsLinear(chunkSize: Int) {
        let limit = 1 << 20
        var input: [UInt8] = []
        let short = Array(#"{"a":1}"#.utf8)
        for _ in 0..<50 { input += short + [0x0A] }
        input += [UInt8](repeating: 0x78, count: 3 * limit) + [0x0A]
        input += Array("tail".utf8)
        var reader = LineReader(maxLineBytes: limit)
        var items: [LineReader.Item] = []
        var offset = 0
        while offset < input.count {
            items += reader.feed(Array(input[offset..<min(offset + chunkSize, input.count)]))
            offset += chunkSize
        }
        if let last = reader.finish() { items.append(last) }
        #expect(items.count == 52)
        #expect(items.first == .line(short))
        #expect(items[50] == .tooLong(bytes: 3 * limit))
        #expect(items.last == .line(Array("tail".utf8)))
        #expect(reader.bytesExamined == input.count, "each byte examined once, however the input is cut")
        #expect(reader.peakBufferedBytes <= limit)
    }

    @Test(
        "The official MCP Python SDK passes at each protocol version",
        .enabled(if: PythonSDK.interpreter != nil, Comment(rawValue: PythonSDK.missing)),
        arguments: ["2026-07-28", "auto", "2025-06-18", "2025-03-26"])
    func officialSDK(version: String) throws {
        let world = try HookWorld()
        try world.initPool()
        let python = try #require(PythonSDK.interpreter)
        let script = Locations.packageRoot + "/scripts/mcp_sdk_check.py"
        let result = try Shell.run(
            python, [script, "--mnem", world.mnem, "--version", version], environment: world.environment.merging(["MNEM_EMBEDDER": "hash"]) { $1 },
            currentDirectory: world.project)
        let report = try JSONParser.parse(result.stdout)
        let failed = (report["checks"]?.arrayValue ?? []).filter { $0["ok"] != true }
        #expect(result.status == 0, "\(failed) \(result.stderr)")
        #expect(failed.isEmpty, "\(failed)")
        #expect(report["negotiated"]?.stringValue == (version == "auto" ? "2026-07-28" : version))
        #expect((report["checks"]?.arrayValue?.count ?? 0) >= 18)
    }
}
