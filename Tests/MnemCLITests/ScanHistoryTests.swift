import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCLI

/// `mnem scan` reads what a push or a clone carries: every reachable file content and commit
/// message, not only the tip, and names the commits.
@Suite("Secrets: scan over history")
struct ScanHistoryTests {
    static let planted = FakeSecrets.first(of: ["github-token", "aws-access-key", "mysql-password", "telegram-bot-token"])

    /// A pool where an older mnem (the pool's API, which does not refuse) wrote a memory holding
    /// a secret, then forgot it; and a commit whose message holds another.
    func leakyPool(_ dir: TemporaryDirectory) throws -> (pool: Pool, leaky: Memory, addedBy: ObjectID, messageCommit: ObjectID) {
        let pool = try Pool.create(at: dir.file("pool"))
        _ = try pool.add([insight("clean")], info: CommitInfo(summary: "clean"))
        let leaky = Memory(
            body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: Self.planted[0].text, observation: "ok")])), task: "clone",
            domain: "general")
        let added = try #require(try pool.add([leaky], info: CommitInfo(summary: "leaky")).commit)
        // A commit message written before messages were redacted: made with the plumbing.
        let tip = try #require(try pool.tip())
        let author = Signature(name: "old mnem", email: "old@x")
        let messageCommit = try pool.repository.createCommit(
            tree: try pool.repository.commit(tip).tree, parents: [tip], author: author, committer: author,
            message: "deploy notes: \(Self.planted[1].text)\n")
        try pool.repository.compareAndSwapReference(pool.branch, to: messageCommit, expected: tip, logMessage: "test")
        return (pool, leaky, added, messageCommit)
    }

    @Test("after forget, scan still finds the secret in history and in a commit message, naming the commits")
    func afterForget() throws {
        let dir = TemporaryDirectory("scan-history")
        let (_, leaky, addedBy, messageCommit) = try leakyPool(dir)
        let cli = CLI(dir)
        let before = cli.run(["--pool", "pool", "scan"])
        #expect(before.code == 1)
        #expect(before.stdout.contains("(at the tip)"))
        #expect(cli.run(["--pool", "pool", "forget", leaky.id.rawValue]).code == 0)

        let tip = cli.run(["--pool", "pool", "scan", "--tip"])
        #expect(tip.code == 0, "\(tip.stdout)")
        #expect(tip.stdout.contains("no secrets found at the tip"))

        let scan = cli.run(["--pool", "pool", "scan"])
        #expect(scan.code == 1)
        let lines = scan.stdout.split(separator: "\n").map(String.init)
        let file = try #require(lines.first { $0.contains(leaky.path) }, "\(scan.stdout)")
        #expect(file.hasPrefix(String(addedBy.hex.prefix(10))))
        #expect(file.contains("trajectory/steps/0/input  github-token  (history only)"))
        let message = try #require(lines.first { $0.contains("commit message") }, "\(scan.stdout)")
        #expect(message == "\(messageCommit.hex.prefix(10))  commit message  aws-access-key")
        for (_, _, secret) in Self.planted { #expect(!scan.stdout.contains(secret) && !scan.stderr.contains(secret)) }

        let json = try JSONParser.parse(cli.run(["--pool", "pool", "scan", "--json"]).stdout)
        let findings = try #require(json.arrayValue)
        #expect(findings.count == 2)
        let inFile = try #require(findings.first { $0["in"] == "file" })
        #expect(inFile["memory"]?.stringValue == leaky.id.rawValue)
        #expect(inFile["atTip"] == false)
        #expect(inFile["commits"] == .array([.string(addedBy.hex)]))
        let inMessage = try #require(findings.first { $0["in"] == "commit-message" })
        #expect(inMessage["commits"] == .array([.string(messageCommit.hex)]))
    }

    /// Any file and any reference: a `leak.env` added and removed again, on a branch the pool's
    /// branch never merged.
    @Test("a file that is no memory, removed by the next commit, on another reference, is found")
    func otherFilesAndReferences() throws {
        let dir = TemporaryDirectory("scan-refs")
        let pool = try Pool.create(at: dir.file("pool"))
        _ = try pool.add([insight("clean")], info: CommitInfo(summary: "clean"))
        let repository = pool.repository
        let base = try #require(try pool.tip())
        let baseTree = try repository.commit(base).tree
        let author = Signature(name: "someone", email: "s@x")
        let leak = try repository.writeBlob(Array("AWS_REGION=eu-west-1\n\(Self.planted[2].text)\n".utf8))
        let withLeak = try repository.buildTree(base: baseTree, edits: [.upsert(path: "leak.env", blob: leak)])
        let added = try repository.createCommit(tree: withLeak, parents: [base], author: author, committer: author, message: "oops\n")
        let cleaned = try repository.createCommit(tree: baseTree, parents: [added], author: author, committer: author, message: "remove it\n")
        try repository.setReference("refs/remotes/origin/main", to: cleaned, logMessage: "test")

        let scan = CLI(dir).run(["--pool", "pool", "scan"])
        #expect(scan.code == 1)
        #expect(scan.stdout.contains("\(added.hex.prefix(10))  leak.env  -  mysql-password  (history only)"), "\(scan.stdout)")
        #expect(!scan.stdout.contains(Self.planted[2].secret))
        // What the pool's branch reaches alone is clean.
        #expect(CLI(dir).run(["--pool", "pool", "scan", "--tip"]).code == 0)
    }

    @Test("a clean pool with history scans clean and says how much it read")
    func clean() throws {
        let dir = TemporaryDirectory("scan-clean")
        let pool = try Pool.create(at: dir.file("pool"))
        for n in 0..<3 { _ = try pool.add([insight("clean \(n)")], info: CommitInfo(summary: "clean \(n)")) }
        _ = try pool.forget([insight("clean 0").id], info: CommitInfo(summary: "forget"))
        let scan = CLI(dir).run(["--pool", "pool", "scan"])
        #expect(scan.code == 0)
        #expect(scan.stdout == "no secrets found in 4 commits (3 file versions)\n")
    }
}
