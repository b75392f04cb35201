import Foundation
import MnemCLI
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

/// A teammate's pool (an older mnem, or a hand edit with plain git) may hold a credential; a pull
/// refuses it, names where it is and what kind, never the value, and takes nothing in.
@Suite("Sync: secrets in incoming memories")
struct SecretPullTests {
    static let planted = FakeSecrets.first(of: FakeSecrets.doorKinds)

    func leaky(_ text: String, field: Int) -> Memory {
        var parts = ["Check the deploy", "Verify the deploy script first.", "Run it in dry-run mode."]
        parts[field % 3] = "Deploy with \(text) for it."
        return Memory(
            body: .insight(Insight(title: parts[0], description: parts[1], content: parts[2])), task: "deploy", domain: "general",
            outcome: .success, source: MemorySource(agent: "old-mnem"))
    }

    @Test("a pulled memory holding a secret is refused by path and kind", arguments: planted.indices)
    func pullRefuses(_ index: Int) throws {
        let (kind, text, secret) = Self.planted[index]
        let scratch = try Scratch("secret-pull")
        let (pool, teammate) = try poolAndTeammate(scratch)
        let memory = leaky(text, field: index)
        _ = try teammate.add([memory] + insights("teammate", 1), info: CommitInfo(summary: "teammate's work"))
        _ = try teammate.push(remote: "origin", credentials: noCredentials)
        let before = try pool.tip()

        let result = scratch.mnem(["--pool", scratch.at("local"), "pull"])
        #expect(result.status == 1)
        let field = ["title", "description", "content"][index % 3]
        #expect(result.err.contains("\(memory.path): holds a \(kind) in insight/\(field)"), "\(result.err)")
        #expect(!result.err.contains(secret) && !result.out.contains(secret))
        #expect(try pool.tip() == before)
        // Nothing any reference of the pool reaches holds it.
        let reachable = try scratch.git(["-C", scratch.at("local"), "log", "--all", "-p", "--format=%B"])
        #expect(!reachable.contains(secret))
        let api = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(api.invalid.map(\.problem) == [.secret])
    }

    /// A message is history: once merged, every push carries it and no `forget` removes it.
    @Test("a new commit whose message holds a secret is refused, named by its id")
    func pullRefusesMessage() throws {
        let scratch = try Scratch("secret-message")
        let (pool, teammate) = try poolAndTeammate(scratch)
        let (kind, text, secret) = Self.planted[1]
        _ = try teammate.add(insights("teammate", 1), info: CommitInfo(summary: "clean"))
        let base = try #require(try teammate.tip())
        let author = Signature(name: "old", email: "old@x")
        let leaky = try teammate.repository.createCommit(
            tree: try teammate.repository.commit(base).tree, parents: [base], author: author, committer: author, message: "notes: \(text)\n")
        // A later commit on top: the message is refused wherever it is in the new history.
        let later = try teammate.repository.createCommit(
            tree: try teammate.repository.commit(base).tree, parents: [leaky], author: author, committer: author, message: "later\n")
        try teammate.repository.compareAndSwapReference(teammate.branch, to: later, expected: base, logMessage: "test")
        _ = try teammate.push(remote: "origin", credentials: noCredentials)

        let before = try pool.tip()
        let result = scratch.mnem(["--pool", scratch.at("local"), "pull"])
        #expect(result.status == 1)
        #expect(result.err.contains("(commit \(leaky.hex.prefix(12))): commit message holds a \(kind)"), "\(result.err)")
        #expect(!result.err.contains(secret))
        #expect(try pool.tip() == before)
    }

    @Test("feedback whose note holds a secret is refused too")
    func pullRefusesFeedback() throws {
        let scratch = try Scratch("secret-feedback")
        let (pool, teammate) = try poolAndTeammate(scratch)
        let target = try #require(try teammate.entries().first?.id)
        let (kind, text, secret) = Self.planted[0]
        let feedback = Feedback(memory: target, helped: true, note: "worked with \(text)", agent: "old-mnem", createdAt: "2026-01-01T00:00:00Z")
        try commitByHand(teammate, path: feedback.path, bytes: CanonicalJSON.document(feedback.json))
        _ = try teammate.push(remote: "origin", credentials: noCredentials)

        let result = scratch.mnem(["--pool", scratch.at("local"), "pull"])
        #expect(result.status == 1)
        #expect(result.err.contains("\(feedback.path): holds a \(kind) in note"), "\(result.err)")
        #expect(!result.err.contains(secret))
        #expect(try pool.entries().count == 2)
    }
}

/// A pool pushed to a bare remote with two memories, and a teammate's pool cloned from it.
func poolAndTeammate(_ scratch: Scratch) throws -> (pool: Pool, teammate: Pool) {
    let remote = try scratch.bareRemote()
    let pool = try Pool.create(at: scratch.at("local"))
    try pool.repository.addRemote(name: "origin", url: remote)
    _ = try pool.add(insights("honest", 2), info: CommitInfo(summary: "honest"))
    _ = try pool.push(remote: "origin", credentials: noCredentials)
    let teammate = try Pool.create(at: scratch.at("teammate"))
    try teammate.repository.addRemote(name: "origin", url: remote)
    _ = try teammate.pull(remote: "origin", credentials: noCredentials)
    return (pool, teammate)
}

/// Commits `bytes` at `path` on top of `pool`'s tip with the plumbing, as a hand edit with plain
/// git (or an older mnem) could, past every check of mnem's own writes.
func commitByHand(_ pool: Pool, path: String, bytes: [UInt8]) throws {
    guard let base = try pool.tip() else { throw TestFailure("an empty pool") }
    let blob = try pool.repository.writeBlob(bytes)
    let tree = try pool.repository.buildTree(base: try pool.repository.commit(base).tree, edits: [.upsert(path: path, blob: blob)])
    let author = Signature(name: "by hand", email: "hand@x")
    let commit = try pool.repository.createCommit(tree: tree, parents: [base], author: author, committer: author, message: "by hand\n")
    try pool.repository.compareAndSwapReference(pool.branch, to: commit, expected: base, logMessage: "test")
}
