import Foundation
import MnemCore
import MnemTestSupport
import Testing

/// The MCP tools and the context block: an agent can neither put a credential into the pool
/// nor be handed one that got in earlier.
@Suite("Secrets: MCP and the context block")
struct SecretDoorMCPTests {
    static let planted = FakeSecrets.first(of: FakeSecrets.doorKinds)

    func call(_ id: Int, _ tool: String, _ arguments: JSONValue) -> String {
        CanonicalJSON.compactString([
            "jsonrpc": "2.0", "id": .int(Int64(id)), "method": "tools/call", "params": ["name": .string(tool), "arguments": arguments],
        ])
    }

    func serve(_ world: HookWorld, _ requests: [String]) throws -> [Int64: JSONValue] {
        let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test-agent","version":"1"}}}"#
        let result = try world.mnem(["mcp"], stdin: ([initialize] + requests).joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.stderr)")
        var byID: [Int64: JSONValue] = [:]
        for line in result.stdout.split(separator: "\n") {
            let message = try JSONParser.parse(String(line))
            if let id = message["id"]?.intValue { byID[id] = message }
        }
        return byID
    }

    @Test("add_insight and record_feedback refuse every planted kind in every argument; nothing is committed")
    func toolsRefuse() throws {
        let world = try HookWorld()
        try world.initPool()
        var requests: [String] = []
        var expected: [(id: Int, field: String, kind: String)] = []
        let base: [String: JSONValue] = [
            "title": "Check the deploy", "description": "Verify the deploy script first.", "content": "Run it in dry-run mode.",
        ]
        for (n, (kind, text, _)) in Self.planted.enumerated() {
            var arguments = base
            let field = ["title", "description", "content", "domain"][n % 4]
            arguments[field] = .string(field == "domain" ? text : "Use \(text) for it.")
            requests.append(call(n + 1, "add_insight", .object(arguments)))
            expected.append((n + 1, field, kind))
        }
        var tagged = base
        tagged["tags"] = ["deploy", .string(Self.planted[1].secret)]
        requests.append(call(100, "add_insight", .object(tagged)))
        expected.append((100, "tags/1", Self.planted[1].kind))
        // A clean insight, then feedback on it whose note leaks.
        requests.append(call(200, "add_insight", .object(base)))
        let responses = try serve(world, requests)
        for (id, field, kind) in expected {
            let result = try #require(responses[Int64(id)]?["result"], "an answer to \(id)")
            #expect(result["isError"] == .bool(true), "\(id): \(result)")
            let text = result["content"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            #expect(text.contains("\(field) holds a \(kind)"), "\(text)")
            #expect(!Self.planted.contains { text.contains($0.secret) })
        }
        let added = try #require(responses[200]?["result"]?["structuredContent"]?["id"]?.stringValue)
        let feedback = try serve(world, [call(1, "record_feedback", ["id": .string(added), "helped": true, "note": .string("token \(Self.planted[0].text)")])])
        let refused = try #require(feedback[1]?["result"])
        #expect(refused["isError"] == .bool(true))
        #expect(refused["content"]?.arrayValue?.first?["text"]?.stringValue?.contains("note holds a \(Self.planted[0].kind)") == true)

        let objects = try allGitObjects(inRepository: world.pool)
        for (kind, _, secret) in Self.planted where objects.contains(secret) { Issue.record("a \(kind) reached the pool") }
        #expect(try world.memories().count == 1)
    }

    /// A memory that got into the pool before its door checked (here: written through the pool's
    /// API, as an older mnem or plain git could have) is redacted wherever an agent reads it.
    @Test("the context block and get_memory redact a secret already in the pool")
    func readsAreRedacted() throws {
        let world = try HookWorld()
        try world.initPool()
        let leaky = Self.planted.prefix(4)
        let memory = Memory(
            body: .insight(Insight(
                title: "Deploy the shop with the registry login",
                description: "Log in to the registry before deploying the shop.",
                content: "Deploy the shop after logging in: " + leaky.map(\.text).joined(separator: " then "))),
            task: "deploy the shop", domain: "general", outcome: .success)
        _ = try Pool.open(at: world.pool).add([memory], info: CommitInfo(summary: "legacy"))

        let context = try world.mnem(["context", "deploy the shop after logging in to the registry", "--budget", "4000"])
        #expect(context.status == 0, "\(context.stderr)")
        #expect(context.stdout.contains(memory.id.short))
        #expect(context.stdout.contains("[REDACTED:"))
        for (kind, _, secret) in leaky { #expect(!context.stdout.contains(secret), "\(kind) in the context block") }

        let responses = try serve(world, [
            call(1, "get_memory", ["id": .string(memory.id.rawValue)]),
            call(2, "search_memories", ["query": "deploy the shop after logging in to the registry"]),
        ])
        for id: Int64 in [1, 2] {
            let text = CanonicalJSON.compactString(try #require(responses[id]))
            #expect(text.contains("[REDACTED:"), "\(id): \(text.prefix(300))")
            for (kind, _, secret) in leaky { #expect(!text.contains(secret), "\(kind) handed to the agent by \(id)") }
        }
    }
}
