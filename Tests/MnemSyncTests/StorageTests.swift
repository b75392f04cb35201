import Foundation
import MnemTestSupport
import Synchronization
import Testing

@testable import MnemCore
@testable import MnemGit

/// Writes keep the pool packed, and compaction drops what nothing reaches once it is old
/// enough, without taking anything from a concurrent writer.
@Suite("Storage stays compact")
struct StorageTests {
    /// Kilobytes on disk, as `du` counts them (a loose object costs a whole block).
    func diskKilobytes(_ path: String) throws -> Int {
        let out = try Shell.run("du", ["-sk", path]).stdout
        return Int(out.split(separator: "\t").first ?? "") ?? -1
    }

    @Test("8 writers × 60 single adds leave the pool packed and small")
    func singleAddsStayCompact() throws {
        let scratch = try Scratch("compact")
        let path = scratch.at("p")
        _ = try Pool.create(at: path)
        let failures = Mutex<[String]>([])
        onThreads(8) { worker in
            do {
                let pool = try Pool.open(at: path)
                for n in 0..<60 {
                    _ = try pool.add(insights("w\(worker)-\(n)", 1), info: CommitInfo(summary: "worker \(worker)"))
                }
            } catch {
                failures.withLock { $0.append(String(describing: error)) }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let pool = try Pool.open(at: path)
        let commits = try Shell.git(["rev-list", "--count", "main"], in: path).trimmingCharacters(in: .whitespacesAndNewlines)
        let kept = try pool.memoryIDs().count
        #expect(kept == 480, "commits \(commits)")
        let listing = pool.repository.storageListing()
        #expect(listing.loose.count < 400, "\(listing.loose.count) loose objects")
        // Packs a merge replaced wait a few seconds before they go (see `removeSupersededPacks`).
        let waiting = ((try? String(contentsOfFile: path + "/mnem-superseded-packs", encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(listing.packs.count - waiting <= Pool.packLimit + 1, "\(listing.packs.count) packs, \(waiting) replaced")
        let kilobytes = try diskKilobytes(path)
        #expect(kilobytes <= 5 * 1024, "\(kilobytes) KB on disk")
        print("storage: 8 writers × 60 single adds: \(kilobytes) KB on disk, \(listing.loose.count) loose objects, \(listing.packs.count) packs")
        try scratch.fsck(path)
    }

    @Test("compaction drops old unreachable objects and leftovers of killed runs, keeps young ones")
    func compactionPrunesWhatNothingReaches() throws {
        let scratch = try Scratch("prune")
        let path = scratch.at("p")
        let pool = try Pool.create(at: path)
        _ = try pool.add(insights("kept", 20), info: CommitInfo(summary: "kept"))
        for n in 0..<5 { _ = try pool.add(insights("more\(n)", 1), info: CommitInfo(summary: "more")) }
        let repo = pool.repository
        let tree = try #require(try pool.tipTree())
        let who = Signature(name: "lost", email: "lost@race")
        // A commit that lost its race long ago, and one that may be about to win.
        let old = try repo.createCommit(tree: tree, parents: [], author: who, committer: who, message: "lost long ago\n")
        let young = try repo.createCommit(tree: tree, parents: [], author: who, committer: who, message: "just written\n")
        let ago = Date().addingTimeInterval(-7200).timeIntervalSince1970
        func backdate(_ file: String) {
            var times = [timeval(tv_sec: Int(ago), tv_usec: 0), timeval(tv_sec: Int(ago), tv_usec: 0)]
            utimes(file, &times)
        }
        let oldHex = old.hex
        backdate(repo.gitDirectory + "objects/\(oldHex.prefix(2))/\(oldHex.dropFirst(2))")
        // Temporary files of killed runs, a quarantine of a process that is gone, a parked reference.
        let leftovers = [
            repo.gitDirectory + "objects/pack/pack_git2_Zk3Q1a", repo.gitDirectory + "objects/\(oldHex.prefix(2))/tmp_object_git2_Ab12Cd",
        ]
        for file in leftovers {
            try Data(count: 4096).write(to: URL(fileURLWithPath: file))
            backdate(file)
        }
        let quarantine = Quarantine.root(of: repo) + "/999999999-1"
        try FileManager.default.createDirectory(atPath: quarantine + "/pack", withIntermediateDirectories: true)
        backdate(quarantine)
        try repo.setReference("refs/mnem/incoming/origin/1-2", to: old, logMessage: "killed pull")

        let report = try #require(try pool.compactStorage(force: true, supersededDelay: 0))
        #expect(report.prunedObjects >= 1)
        #expect(report.removedLeftovers == 4)
        #expect(!repo.hasObject(old))
        #expect(repo.hasObject(young))
        for file in leftovers { #expect(!FileManager.default.fileExists(atPath: file)) }
        #expect(!FileManager.default.fileExists(atPath: quarantine))
        #expect(try repo.referenceNames(prefix: "refs/mnem/").isEmpty)
        let listing = repo.storageListing()
        #expect(listing.loose.isEmpty)
        #expect(listing.packs.count == 1)
        let reopened = try Pool.open(at: path)
        #expect(try reopened.memoryIDs().count == 25)
        for entry in try reopened.entries() { _ = try reopened.readMemory(blob: entry.blob, path: entry.path) }
        try scratch.fsck(path)
    }

    @Test func gcPacksEverythingIntoOnePack() throws {
        let scratch = try Scratch("gc")
        let path = scratch.at("p")
        let pool = try Pool.create(at: path)
        for n in 0..<20 { _ = try pool.add(insights("gc\(n)", 1), info: CommitInfo(summary: "one")) }
        #expect(pool.repository.storageListing().loose.count > 50)
        let run = scratch.mnem(["--pool", path, "gc", "--json"])
        #expect(run.status == 0, "\(run.err)")
        #expect(try JSONParser.parse(run.out)["packedLoose"]?.intValue ?? 0 > 50)
        let listing = pool.repository.storageListing()
        #expect(listing.loose.isEmpty)
        #expect(try Pool.open(at: path).memoryIDs().count == 20)
        try scratch.fsck(path)
    }

    /// A write merges the small packs, git's geometric way, within what a write may spend.
    @Test func writesMergeTheSmallPacksOnly() {
        func packs(_ counts: [Int]) -> [PackFile] {
            counts.enumerated().map { PackFile(base: "p\($0.offset)", modified: Date(), bytes: 0, objects: $0.element) }
        }
        func merged(_ counts: [Int], loose: Int = 0) -> [Int] { Pool.geometricMerge(packs(counts), adding: loose).map(\.objects) }
        #expect(merged(Array(repeating: 250, count: 10) + [3_000]).isEmpty, "few packs: nothing to do")
        #expect(merged(Array(repeating: 250, count: 12) + [9_000, 100_000]) == Array(repeating: 250, count: 12))
        // The merged pack would outgrow the next one, so that one joins too.
        #expect(merged(Array(repeating: 250, count: 12) + [4_000, 100_000]).count == 13)
        // A large pool's big packs stay: the merge keeps within the budget of a write.
        #expect(merged(Array(repeating: 250, count: 12) + [18_000, 19_000, 20_000, 500_000]).reduce(0, +) <= Pool.automaticRepackLimit)
        #expect(merged([30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000, 130_000, 140_000, 150_000]).isEmpty)
    }

    @Test("compaction running beside writers loses nothing")
    func compactionBesideWriters() throws {
        let scratch = try Scratch("compact-race")
        let path = scratch.at("p")
        _ = try Pool.create(at: path)
        let failures = Mutex<[String]>([])
        let writing = Mutex<Int>(4)
        onThreads(5) { worker in
            do {
                let pool = try Pool.open(at: path)
                if worker == 4 {
                    while writing.withLock({ $0 }) > 0 { _ = try pool.compactStorage(force: true) }
                    return
                }
                defer { writing.withLock { $0 -= 1 } }
                for n in 0..<20 { _ = try pool.add(insights("r\(worker)-\(n)", 1), info: CommitInfo(summary: "race")) }
            } catch {
                failures.withLock { $0.append(String(describing: error)) }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let pool = try Pool.open(at: path)
        #expect(try pool.memoryIDs().count == 80)
        for entry in try pool.entries() { _ = try pool.readMemory(blob: entry.blob, path: entry.path) }
        try scratch.fsck(path)
    }
}
