import Foundation
import MnemCore
import MnemTestSupport
import Testing

@Suite("Concurrent writers")
struct ConcurrencyTests {
    let dir = TemporaryDirectory("concurrency")

    @Test("8 processes each adding 50 memories to one pool: 400 at the tip, git fsck clean")
    func eightProcesses() throws {
        let binary = try #require(Locations.mnemBinary, "the mnem binary is built beside the tests")
        let pool = dir.file("pool")
        _ = try Pool.create(at: pool)
        var paths: [String] = []
        for worker in 0..<8 {
            let memories = (0..<50).map { n in
                Memory(
                    body: .insight(Insight(title: "insight \(worker)-\(n)", description: "d", content: "c")), task: "t", domain: "d\(worker)",
                    source: MemorySource(agent: "worker-\(worker)"))
            }
            paths.append(try dir.write("w\(worker).jsonl", memories.map { CanonicalJSON.compactString($0.jsonObject()) }.joined(separator: "\n")))
        }
        let inputs = paths
        let failures = LockedList()
        // Each worker adds its 50 memories in 5 separate processes, so the 8 race 40 commits.
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            do {
                let lines = try String(contentsOfFile: inputs[worker], encoding: .utf8).split(separator: "\n")
                for batch in 0..<5 {
                    let chunk = lines[(batch * 10)..<(batch * 10 + 10)].joined(separator: "\n")
                    let result = try Shell.run(binary, ["add", "--pool", pool, "-"], stdin: Data(chunk.utf8))
                    if result.status != 0 { failures.append("worker \(worker): \(result.stderr)") }
                }
            } catch {
                failures.append("worker \(worker): \(error)")
            }
        }
        #expect(failures.items.isEmpty, "\(failures.items)")
        #expect(try Pool.open(at: pool).entries().count == 400)
        let fsck = try Shell.run("git", ["-C", pool, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
        #expect(try Shell.git(["rev-list", "--count", "main"], in: pool) == "40\n")
    }
}

final class LockedList: @unchecked Sendable {
    // @unchecked: `storage` is only touched under `lock`.
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ item: String) { lock.withLock { storage.append(item) } }
    var items: [String] { lock.withLock { storage } }
}
