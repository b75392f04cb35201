import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCLI

/// `mnem add` and the commit messages every write makes: a credential never reaches an object
/// of the pool's repository.
@Suite("Secrets: add and commit messages")
struct SecretDoorTests {
    static let planted = FakeSecrets.first(of: FakeSecrets.doorKinds)

    /// An insight whose `field` holds `text`.
    func insightJSON(field: String, text: String) -> String {
        var values = ["title": "Check the deploy", "description": "Verify the deploy script first.", "content": "Run it in dry-run mode."]
        values[field] = "Use \(text) for it."
        let insight: JSONValue = .object(values.mapValues { .string($0) })
        return CanonicalJSON.compactString(["kind": "insight", "task": "deploy", "domain": "general", "outcome": "success", "insight": insight])
    }

    @Test("add refuses a memory holding a secret, names field and kind, and writes nothing", arguments: planted.indices)
    func addRefuses(_ index: Int) throws {
        let (kind, text, secret) = Self.planted[index]
        let dir = TemporaryDirectory("secret-add")
        let cli = CLI(dir)
        #expect(cli.run(["init", "pool"]).code == 0)
        let clean = insightJSON(field: "title", text: "a dry run")
        #expect(cli.run(["--pool", "pool", "add", "-"], stdin: clean).code == 0)
        let before = try Shell.git(["-C", dir.file("pool"), "rev-parse", "HEAD"])

        let field = ["title", "description", "content"][index % 3]
        // One clean memory and one leaky one in the same input: nothing of either is written.
        let input = "[\(insightJSON(field: "title", text: "another dry run")), \(insightJSON(field: field, text: text))]"
        let result = cli.run(["--pool", "pool", "add", "-"], stdin: input)
        #expect(result.code == 1)
        #expect(result.stderr.contains("item 1: insight/\(field) holds a \(kind)"), "\(result.stderr)")
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try Shell.git(["-C", dir.file("pool"), "rev-parse", "HEAD"]) == before)
        #expect(!(try allGitObjects(inRepository: dir.file("pool"))).contains(secret))
    }

    @Test("add refuses a secret in its commit message")
    func addRefusesMessage() throws {
        let (kind, _, secret) = try #require(Self.planted.first)
        let dir = TemporaryDirectory("secret-add-message")
        let cli = CLI(dir)
        #expect(cli.run(["init", "pool"]).code == 0)
        let result = cli.run(["--pool", "pool", "add", "-m", "deploy with \(secret)", "-"], stdin: insightJSON(field: "title", text: "a dry run"))
        #expect(result.code == 1)
        #expect(result.stderr.contains("--message holds a \(kind)"), "\(result.stderr)")
        #expect(!result.stderr.contains(secret))
        #expect(!(try allGitObjects(inRepository: dir.file("pool"))).contains(secret))
    }

    /// Writes that do not refuse (the pool's own API, used by compaction and capture) still never
    /// put a credential in a commit message, even one cut by the 60-character task line.
    @Test("commit messages are built from redacted text", arguments: planted.indices)
    func commitMessagesAreRedacted(_ index: Int) throws {
        let (_, text, secret) = Self.planted[index]
        let dir = TemporaryDirectory("secret-message")
        let pool = try Pool.create(at: dir.file("pool"))
        // The secret starts before the cut and ends after it.
        let task = String(repeating: "x", count: 50) + " " + text
        let memory = Memory(body: .insight(Insight(title: "t", description: "d", content: "c")), task: task, domain: "general",
            source: MemorySource(agent: "agent \(text)", sessionId: "session"))
        let result = try pool.add([memory], info: CommitInfo(summary: "add \(text)", trailers: [("Mnem-Note", text)]))
        let commit = try pool.repository.commit(try #require(result.commit))
        #expect(commit.message.contains("[REDACTED:"))
        // No eight characters of the secret in a row survive.
        let characters = Array(secret)
        for start in stride(from: 0, to: max(1, characters.count - 8), by: 1) {
            let piece = String(characters[start..<min(characters.count, start + 8)])
            #expect(!commit.message.contains(piece), "\(piece) in \(commit.message)")
        }
    }
}
