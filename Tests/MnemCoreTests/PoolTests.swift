import Foundation
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCore

@Suite("The pool")
struct PoolTests {
    let dir = TemporaryDirectory("pool")
    let info = CommitInfo(summary: "test write", author: Signature(name: "T", email: "t@mnem.invalid"))

    @Test("a batch is one commit; adding it again changes nothing")
    func addIsIdempotent() throws {
        let pool = try Pool.create(at: dir.file("p"))
        let memories = [sampleInsight(), sampleTrajectory(1), sampleTrajectory(2)]
        let first = try pool.add(memories, info: info)
        #expect(first.added.count == 3 && first.commit != nil)
        let again = try pool.add(memories + [memories[0]], info: info)
        #expect(again.commit == nil && again.added.isEmpty && again.unchanged.count == 3)
        #expect(try pool.repository.history(from: try #require(try pool.tip())).count == 1)
        #expect(try Set(pool.memories().map(\.id)) == Set(memories.map(\.id)))
    }

    @Test("commit messages say what happened and carry audit trailers")
    func commitMessage() throws {
        let pool = try Pool.create(at: dir.file("p"))
        let result = try pool.add([sampleInsight()], info: CommitInfo(summary: "capture a session"))
        let message = try pool.repository.commit(try #require(result.commit)).message
        #expect(message.hasPrefix("capture a session\n\n+ insight \(sampleInsight().id.rawValue)"))
        #expect(message.contains("\nMnem-Agent: claude-code\n"))
        #expect(message.contains("\nMnem-Model: m1\n"))
        #expect(message.contains("\nMnem-Session: s1\n"))
    }

    @Test("forget removes from the tip and history keeps it")
    func forget() throws {
        let pool = try Pool.create(at: dir.file("p"))
        let memory = sampleTrajectory(7)
        _ = try pool.add([memory, sampleInsight()], info: info)
        let result = try pool.forget([memory.id], info: CommitInfo(summary: "forget one"))
        #expect(result.removed == [memory.id])
        #expect(try pool.memory(memory.id) == nil)
        let history = try pool.history(of: memory.id)
        #expect(history.map(\.change) == ["removed", "added"])
        let again = try pool.forget([memory.id], info: info)
        #expect(again.commit == nil)
    }

    @Test("prefixes resolve when unique and are reported when ambiguous")
    func prefixes() throws {
        let pool = try Pool.create(at: dir.file("p"))
        let memories = (0..<300).map { sampleTrajectory($0) }
        _ = try pool.add(memories, info: info)
        let target = memories[42].id
        #expect(try pool.resolve(String(target.rawValue.prefix(12))) == target)
        #expect(try pool.resolve(target.rawValue.uppercased().prefix(10).description) == target)
        // With 300 ids, some 4-digit... rather some 2-digit fan-out is shared; find a prefix two ids share.
        let sorted = memories.map(\.id.rawValue).sorted()
        var shared: String?
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let common = zip(a, b).prefix { $0 == $1 }.count
            if common >= 4 { shared = String(a.prefix(common)); break }
        }
        if let shared {
            #expect(throws: PoolError.self) { try pool.resolve(shared) }
        }
        #expect(throws: PoolError.self) { try pool.resolve("ffffffffff") }
        #expect(throws: PoolError.self) { try pool.resolve("xyz") }
        #expect(throws: PoolError.self) { try pool.resolve("abc") }
    }

    @Test("a ref that moved under us: the write is rebuilt on the new tip, nothing lost")
    func lostRace() throws {
        let path = dir.file("p")
        let pool = try Pool.create(at: path)
        _ = try pool.add([sampleInsight("first")], info: info)
        let intruder = try Pool.open(at: path)
        var moved = false
        let result = try pool.transact(info: info, memories: []) { tree in
            // The first time, another writer commits between our read of the tip and our swap.
            if !moved {
                moved = true
                _ = try intruder.add([sampleInsight("theirs")], info: info)
            }
            let memory = sampleInsight("ours")
            let blob = try pool.repository.writeBlob(memory.canonicalBytes())
            return ([.upsert(path: memory.path, blob: blob)], WriteResult(commit: nil, added: [memory.id], unchanged: [], removed: [], retries: 0))
        }
        #expect(result.retries == 1)
        #expect(try Set(pool.memories().map { $0.headline }) == ["first", "theirs", "ours"])
    }

    @Test("8 threads racing 320 commits through separate handles lose nothing")
    func concurrentThreads() throws {
        let path = dir.file("p")
        _ = try Pool.create(at: path)
        let failures = Mutex<[String]>([])
        let retries = Mutex<Int>(0)
        let expected = Mutex<Set<MemoryID>>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                let pool = try Pool.open(at: path)
                for batch in 0..<40 {
                    let memories = (0..<2).map { sampleTrajectory(worker * 1000 + batch * 10 + $0) }
                    expected.withLock { $0.formUnion(memories.map(\.id)) }
                    let result = try pool.add(memories, info: CommitInfo(summary: "worker \(worker)"))
                    retries.withLock { $0 += result.retries }
                    if result.added.count != 2 {
                        failures.withLock { $0.append("worker \(worker) batch \(batch): added \(result.added.count)") }
                    }
                }
            } catch {
                failures.withLock { $0.append(String(describing: error)) }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let present = Set(try Pool.open(at: path).entries().map(\.id))
        let missing = expected.withLock { $0 }.subtracting(present)
        let commits = try Shell.git(["rev-list", "--count", "main"], in: path).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            missing.isEmpty && present.count == 640,
            "missing \(missing.count) (\(missing.sorted().prefix(5).map(\.short))), present \(present.count), commits \(commits), retries \(retries.withLock { $0 })")
        #expect(commits == "320")
    }

    @Test("a pool with a work tree keeps its files in step with the branch")
    func workTree() throws {
        let path = dir.file("wt")
        let pool = try Pool.create(at: path, workTree: true)
        let memory = sampleInsight()
        _ = try pool.add([memory, sampleTrajectory(3)], info: info)
        let file = path + "/" + memory.path
        #expect(FileManager.default.contents(atPath: file) == Data(memory.canonicalBytes()))
        _ = try pool.forget([memory.id], info: info)
        #expect(!FileManager.default.fileExists(atPath: file))
        let status = try Shell.git(["status", "--porcelain"], in: path)
        #expect(status.isEmpty, "work tree and index follow the commit: \(status)")
    }

    @Test("opening something that is not a pool fails clearly")
    func notAPool() throws {
        #expect(throws: PoolError.self) { try Pool.open(at: dir.file("nowhere")) }
        try dir.write("plain/file.txt", "x")
        #expect(throws: PoolError.self) { try Pool.open(at: dir.file("plain")) }
        #expect(throws: PoolError.self) { try Pool.open(at: dir.file("plain/file.txt")) }
    }

    @Test("pool discovery: --pool, MNEM_POOL, .mnem upward, then the user's pool")
    func discovery() throws {
        try FileManager.default.createDirectory(atPath: dir.file("repo/.mnem"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("repo/a/b"), withIntermediateDirectories: true)
        let cwd = dir.file("repo/a/b")
        #expect(PoolLocator.locate(explicit: "x", environment: ["MNEM_POOL": "/env"], currentDirectory: cwd).path == cwd + "/x")
        #expect(PoolLocator.locate(explicit: nil, environment: ["MNEM_POOL": "/env"], currentDirectory: cwd).path == "/env")
        #expect(PoolLocator.locate(explicit: nil, environment: [:], currentDirectory: cwd).path == dir.file("repo/.mnem"))
        let user = PoolLocator.locate(explicit: nil, environment: ["HOME": "/home/u"], currentDirectory: dir.path)
        #expect(user.path == "/home/u/.local/share/mnem" && user.createIfMissing)
        #expect(PoolLocator.locate(explicit: nil, environment: ["XDG_DATA_HOME": "/xdg"], currentDirectory: dir.path).path == "/xdg/mnem")
    }
}

/// A value behind a lock, for collecting results from concurrent work in tests.
final class Mutex<Value>: @unchecked Sendable {
    // @unchecked: every access to `value` holds `lock`.
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
