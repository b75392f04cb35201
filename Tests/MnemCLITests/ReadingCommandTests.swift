import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCLI

/// `list`, `stats` and `scan` read the memory files they need, counted (never timed): the
/// catalog answers the rest, and follows the pool's commits by reading only new files.
@Suite("Reading commands read what they print")
struct ReadingCommandTests {
    let dir = TemporaryDirectory("reading")

    /// A pool of insights and trajectories over three domains.
    func makePool(insights: Int, trajectories: Int) throws -> (CLI, String, Pool) {
        let cli = CLI(dir)
        let path = dir.file("pool")
        #expect(cli.run(["init", path]).code == 0)
        let pool = try Pool.open(at: path)
        let memories = (0..<insights).map { insight("habit \($0)", domain: ["python", "rust", "go"][$0 % 3]) }
            + (0..<trajectories).map { trajectory($0, domain: ["python", "rust", "go"][$0 % 3]) }
        _ = try pool.add(memories, info: CommitInfo(summary: "seed"))
        return (cli, path, pool)
    }

    /// Runs `arguments` and counts the blobs the pool's repository read meanwhile.
    func counted(_ cli: CLI, _ pool: Pool, _ arguments: [String]) -> (result: CLI.Result, reads: Int) {
        let before = BlobReads.count(gitDirectory: pool.repository.gitDirectory)
        let result = cli.run(arguments)
        return (result, BlobReads.count(gitDirectory: pool.repository.gitDirectory) - before)
    }

    /// What `mnem list` printed when it read every memory: most abstract kind first, then id.
    func listedByReadingEverything(_ pool: Pool, limit: Int) throws -> [String] {
        let all = try pool.memories().sorted { ($0.kind.abstraction, $1.id) > ($1.kind.abstraction, $0.id) }
        return all.prefix(limit).map(\.listLine)
    }

    @Test("list and stats read only what they print; after new commits only the new files")
    func countsOfFilesRead() throws {
        BlobReads.startCounting()
        let (cli, path, pool) = try makePool(insights: 40, trajectories: 560)

        // The first reading command builds the catalog: every file once.
        let (first, firstReads) = counted(cli, pool, ["stats", "--pool", path])
        #expect(first.code == 0, "\(first.stderr)")
        #expect(first.stdout.contains("600 memories"))
        #expect(firstReads == 600)

        let (stats, statsReads) = counted(cli, pool, ["stats", "--pool", path, "--json"])
        #expect(statsReads == 0)
        let counts = try JSONParser.parse(stats.stdout)
        #expect(counts["total"]?.intValue == 600)
        #expect(counts["kind"]?["insight"]?.intValue == 40 && counts["kind"]?["trajectory"]?.intValue == 560)
        #expect(counts["domain"]?["rust"]?.intValue == 200)
        #expect(counts["agent"]?["codex"]?.intValue == 560 && counts["model"]?["claude-opus-4-6"]?.intValue == 40)

        let (list, listReads) = counted(cli, pool, ["list", "--pool", path, "--limit", "10"])
        #expect(listReads == 10)
        #expect(list.stdout.split(separator: "\n").map(String.init) == (try listedByReadingEverything(pool, limit: 10)))
        let (rust, rustReads) = counted(cli, pool, ["list", "--pool", path, "--kind", "trajectory", "--domain", "rust", "--limit", "5", "--json"])
        #expect(rustReads == 5)
        let listed = try #require(try JSONParser.parse(rust.stdout).arrayValue)
        #expect(listed.count == 5 && listed.allSatisfy { $0["domain"]?.stringValue == "rust" && $0["kind"]?.stringValue == "trajectory" })

        // New commits: the catalog reads the 7 added files, a forget reads none.
        let added = (1000..<1007).map { trajectory($0, domain: "swift") }
        _ = try pool.add(added, info: CommitInfo(summary: "more"))
        let (more, moreReads) = counted(cli, pool, ["stats", "--pool", path, "--json"])
        #expect(moreReads == 7)
        #expect(try JSONParser.parse(more.stdout)["domain"]?["swift"]?.intValue == 7)
        _ = try pool.forget([added[0].id, added[1].id], info: CommitInfo(summary: "forget"))
        let (fewer, fewerReads) = counted(cli, pool, ["stats", "--pool", path, "--json"])
        #expect(fewerReads == 0)
        #expect(try JSONParser.parse(fewer.stdout)["total"]?.intValue == 605)

        // scan reads each file history reaches once: the 607 ever written, the 2 forgotten included.
        let (scan, scanReads) = counted(cli, pool, ["scan", "--pool", path])
        #expect(scan.code == 0 && scan.stdout.contains("no secrets found"))
        #expect(scanReads == 607)
        let (tip, tipReads) = counted(cli, pool, ["scan", "--tip", "--pool", path])
        #expect(tip.code == 0 && tipReads == 605)
    }

    @Test("A damaged catalog is rebuilt, not trusted")
    func damagedCatalog() throws {
        BlobReads.startCounting()
        let (cli, path, pool) = try makePool(insights: 3, trajectories: 20)
        #expect(cli.run(["stats", "--pool", path]).code == 0)
        let catalog = pool.repository.gitDirectory + "mnem/catalog"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: catalog)))
        bytes[200] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: catalog))
        let (stats, reads) = counted(cli, pool, ["stats", "--pool", path, "--json"])
        #expect(reads == 23, "every file read again")
        #expect(try JSONParser.parse(stats.stdout)["kind"]?["insight"]?.intValue == 3)
    }

    @Test("A memory file that does not validate is reported once, by path, and left out of stats and list")
    func invalidFile() throws {
        let (cli, path, pool) = try makePool(insights: 2, trajectories: 3)
        let junk = try pool.repository.writeBlob(Array("{not json".utf8))
        let junkPath = "memories/trajectory/ab/" + String(repeating: "ab", count: 20) + ".json"
        let tip = try #require(try pool.tip())
        let tree = try pool.repository.buildTree(base: try pool.repository.commit(tip).tree, edits: [.upsert(path: junkPath, blob: junk)])
        let signature = Signature(name: "test", email: "test@localhost")
        let commit = try pool.repository.createCommit(tree: tree, parents: [tip], author: signature, committer: signature, message: "hand edit\n")
        try pool.repository.compareAndSwapReference(pool.branch, to: commit, expected: tip, logMessage: "test")

        let stats = cli.run(["stats", "--pool", path, "--json"])
        #expect(stats.code == 0 && stats.stderr.split(separator: "\n").filter { $0.contains(junkPath) }.count == 1)
        #expect(try JSONParser.parse(stats.stdout)["total"]?.intValue == 5)
        let list = cli.run(["list", "--pool", path])
        #expect(list.code == 0 && list.stdout.split(separator: "\n").count == 5 && list.stderr.contains(junkPath))
        let insights = cli.run(["list", "--pool", path, "--kind", "insight"])
        #expect(insights.code == 0 && insights.stdout.split(separator: "\n").count == 2 && insights.stderr.isEmpty)
    }
}
