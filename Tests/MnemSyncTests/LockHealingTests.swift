import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// A lock file a killed process left is reclaimed with a warning; one a live mnem process may
/// hold is waited for, and named with how to clear it.
@Suite("Locks heal")
struct LockHealingTests {
    /// Sets a file's modification time `age` seconds back.
    func age(_ path: String, by age: TimeInterval) throws {
        let past = Date().addingTimeInterval(-age).timeIntervalSince1970
        var times = [timeval(tv_sec: Int(past), tv_usec: 0), timeval(tv_sec: Int(past), tv_usec: 0)]
        guard utimes(path, &times) == 0 else { throw TestFailure("utimes \(path) failed") }
    }

    func memoryFile(_ scratch: Scratch, _ label: String) throws -> String {
        let path = scratch.at("\(label).json")
        try Data(insights(label, 1)[0].canonicalBytes()).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The branch lock of a bare pool, and the index lock of a pool with a work tree.
    @Test(arguments: ["refs/heads/main.lock", "index.lock"])
    func aStaleLockIsReclaimedWithAWarning(lock: String) throws {
        let scratch = try Scratch("stale-lock")
        let workTree = lock == "index.lock"
        let pool = try Pool.create(at: scratch.at("p"), workTree: workTree)
        _ = try pool.add(insights("first", 1), info: CommitInfo(summary: "first"))
        let lockPath = pool.repository.gitDirectory + lock
        try Data("0000000000000000000000000000000000000000\n".utf8).write(to: URL(fileURLWithPath: lockPath))
        try age(lockPath, by: 3600)

        let added = scratch.mnem(["--pool", scratch.at("p"), "add", try memoryFile(scratch, "second")])
        #expect(added.status == 0, "\(added.err)")
        #expect(added.err.contains("stale lock") && added.err.contains(lockPath), "\(added.err)")
        #expect(!FileManager.default.fileExists(atPath: lockPath))
        #expect(try Pool.open(at: scratch.at("p")).memoryIDs().count == 2)
        if workTree { #expect(FileManager.default.fileExists(atPath: scratch.at("p/" + insights("second", 1)[0].path))) }
        try scratch.fsck(scratch.at("p"))
    }

    /// While another mnem process works on the pool, even an old lock is not taken from it: the
    /// write waits, then names the file and how to clear it. Once nobody works, it is reclaimed.
    @Test func aLockWhileAnotherMnemWorksIsNamedNotTaken() throws {
        let scratch = try Scratch("held-lock")
        let pool = try Pool.create(at: scratch.at("p"))
        _ = try pool.add(insights("first", 1), info: CommitInfo(summary: "first"))
        let tip = try pool.tip()
        let lockPath = pool.repository.gitDirectory + "refs/heads/main.lock"
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: lockPath))
        try age(lockPath, by: 3600)
        // Another mnem process at work: it holds the activity lock every mnem writer holds.
        let busy = open(pool.repository.gitDirectory + "mnem-active.flock", O_CREAT | O_RDWR, 0o644)
        #expect(busy >= 0 && flock(busy, LOCK_SH) == 0)
        let file = try memoryFile(scratch, "second")

        let refused = try scratch.measuredMnem(["--pool", scratch.at("p"), "add", file], environment: ["MNEM_LOCK_WAIT_SECONDS": "1"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(lockPath) && refused.stderr.contains("rm '\(lockPath)'"), "\(refused.stderr)")
        #expect(try Pool.open(at: scratch.at("p")).tip() == tip)
        #expect(FileManager.default.fileExists(atPath: lockPath))

        close(busy)
        let healed = try scratch.measuredMnem(["--pool", scratch.at("p"), "add", file], environment: ["MNEM_LOCK_WAIT_SECONDS": "1"])
        #expect(healed.status == 0, "\(healed.stderr)")
        #expect(healed.stderr.contains("stale lock"))
        #expect(try Pool.open(at: scratch.at("p")).memoryIDs().count == 2)
    }

    /// A fresh lock is a live writer's: the write waits for it rather than failing or taking it.
    @Test func aFreshLockIsWaitedFor() throws {
        let scratch = try Scratch("fresh-lock")
        let pool = try Pool.create(at: scratch.at("p"))
        _ = try pool.add(insights("first", 1), info: CommitInfo(summary: "first"))
        let lockPath = pool.repository.gitDirectory + "refs/heads/main.lock"
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: lockPath))
        let release = DispatchWorkItem { unlink(lockPath) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3, execute: release)
        var warnings: [String] = []
        pool.warn = { warnings.append($0) }
        let result = try pool.add(insights("second", 1), info: CommitInfo(summary: "second"))
        release.wait()
        #expect(result.commit != nil)
        #expect(warnings.isEmpty)
        #expect(try pool.memoryIDs().count == 2)
    }
}
