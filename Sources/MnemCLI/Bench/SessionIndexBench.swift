import Foundation
import MnemCapture
import MnemCore

/// `mnem bench capture`'s session-index figure: capturing one session into a pool of many
/// trajectories, against capturing it into an empty pool, both whole processes in the same run.
///
/// Capture looks up earlier captures of its sessions; without the session index that read every
/// trajectory of the pool. The pool is built through the write path (`Pool.add` of synthetic
/// trajectories, each its own session, in large batches); each run captures a transcript with a
/// session id of its own, so every run adds a trajectory, as a real capture does.
enum SessionIndexBench {
    static func run(transcript: String, trajectories: Int, runs: Int, console: Console) throws {
        guard trajectories > 0 else { return }
        let mnem = BenchSupport.mnemExecutable(console)
        let dir = try BenchSupport.temporaryDirectory("session-index")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench"]) { $1 }
        let count = max(runs, 10)

        // One copy of the transcript per capture, each under a session id of its own.
        guard let text = try? String(contentsOfFile: transcript, encoding: .utf8), let original = sessionId(in: text) else {
            throw PoolError("bench capture: no session id in \(transcript)")
        }
        let files = try (0..<(2 * count + 1)).map { n -> String in
            let path = "\(dir)/session-\(n).jsonl"
            let id = String(format: "5e55a0e1-0000-4000-8000-%012d", n)
            try text.replacingOccurrences(of: original, with: id).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        console.out("")
        console.out("bench capture: one session into a pool of \(trajectories) trajectories vs into an empty pool, whole process")
        var clock = ContinuousClock.now
        let bigPath = dir + "/big"
        let pool = try Pool.create(at: bigPath)
        var made = 0
        while made < trajectories {
            let n = min(20_000, trajectories - made)
            _ = try pool.add(SyntheticMemories.make(n, seed: 5000 + UInt64(made)), info: CommitInfo(summary: "seed \(n)"))
            made += n
        }
        console.out(String(format: "  pool of %d trajectories written in %.1f s", trajectories, seconds(ContinuousClock.now - clock)))

        // The first capture into the big pool builds the session index from the tree.
        clock = ContinuousClock.now
        let first = try BenchSupport.run(mnem, ["capture", "--pool", bigPath, files[0]], environment: env)
        guard first.status == 0 else { throw PoolError("mnem capture failed: \(first.stderr)") }
        let firstSeconds = seconds(ContinuousClock.now - clock)

        // Alternate the two, so a change in the machine's load touches both alike.
        var empty: [Double] = []
        var big: [Double] = []
        for n in 0..<count {
            let fresh = "\(dir)/empty-\(n)"
            _ = try Pool.create(at: fresh)
            let a = try BenchSupport.run(mnem, ["capture", "--pool", fresh, files[1 + 2 * n]], environment: env)
            let b = try BenchSupport.run(mnem, ["capture", "--pool", bigPath, files[2 + 2 * n]], environment: env)
            guard a.status == 0, b.status == 0 else { throw PoolError("mnem capture failed: \(a.stderr)\(b.stderr)") }
            guard b.stdout.contains("1 captured") else { throw PoolError("mnem capture into the big pool added nothing: \(b.stdout)") }
            empty.append(a.seconds)
            big.append(b.seconds)
            try? FileManager.default.removeItem(atPath: fresh)
        }
        let emptyMedian = BenchSupport.median(empty)
        let bigMedian = BenchSupport.median(big)
        console.out("  transcript: \((transcript as NSString).lastPathComponent), \(count) runs each, medians")
        console.out("  into an empty pool                      \(BenchSupport.ms(emptyMedian))")
        console.out("  into \(trajectories) trajectories (index up to date)  \(BenchSupport.ms(bigMedian))")
        console.out(String(format: "  ratio                                   %.2fx   (goal ≤ 3x)", bigMedian / emptyMedian))
        console.out(String(format: "  first capture, building the index      %.1f ms (once per pool and index loss)", firstSeconds * 1000))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The first `"sessionId":"…"` value of a Claude Code transcript.
    static func sessionId(in text: String) -> String? {
        guard let start = text.range(of: "\"sessionId\":\"") else { return nil }
        let rest = text[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let id = String(rest[..<end])
        return id.isEmpty ? nil : id
    }
}
