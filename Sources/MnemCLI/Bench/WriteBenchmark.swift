import Foundation
import MnemCore
import MnemGit

/// `mnem bench write`: one commit of N memories against `git fast-import` of the same files,
/// and adding one memory to a large pool, each as a whole process.
enum WriteBenchmark {
    static func run(count: Int, baseCount: Int, runs: Int, console: Console) throws {
        let mnem = BenchSupport.mnemExecutable(console)
        guard let git = BenchSupport.which("git", console) else { throw PoolError("bench write needs git on PATH for the fast-import anchor") }
        let dir = try BenchSupport.temporaryDirectory("write")
        defer { try? FileManager.default.removeItem(atPath: dir) }

        let memories = SyntheticMemories.make(count, seed: 1)
        let documents = memories.map { $0.canonicalBytes() }
        let totalBytes = documents.reduce(0) { $0 + $1.count }
        // mnem reads JSON lines; fast-import reads the same canonical files in its stream format.
        var jsonl: [UInt8] = []
        for memory in memories {
            jsonl += CanonicalJSON.compact(memory.jsonObject())
            jsonl.append(0x0A)
        }
        let jsonlPath = dir + "/memories.jsonl"
        try Data(jsonl).write(to: URL(fileURLWithPath: jsonlPath))
        var stream: [UInt8] = []
        stream.reserveCapacity(totalBytes + count * 64)
        for (n, document) in documents.enumerated() {
            stream += Array("blob\nmark :\(n + 1)\ndata \(document.count)\n".utf8)
            stream += document
            stream.append(0x0A)
        }
        let message = "add \(count) memories\n"
        stream += Array("commit refs/heads/main\ncommitter bench <bench@localhost> 1700000000 +0000\ndata \(message.utf8.count)\n\(message)".utf8)
        for (n, memory) in memories.enumerated() { stream += Array("M 100644 :\(n + 1) \(memory.path)\n".utf8) }
        stream += Array("\n".utf8)
        let streamPath = dir + "/stream.fi"
        try Data(stream).write(to: URL(fileURLWithPath: streamPath))

        console.out("bench write: \(count) memories, \(totalBytes / count) bytes each on average (\(String(format: "%.1f", Double(totalBytes) / 1e6)) MB), one commit, \(runs) runs, median")
        var mnemTimes: [Double] = []
        var gitTimes: [Double] = []
        var mnemCPU: [Double] = []
        var gitCPU: [Double] = []
        for run in 0..<runs {
            let poolPath = "\(dir)/pool-\(run)"
            _ = try Pool.create(at: poolPath)
            let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench"]) { $1 }
            let m = try BenchSupport.run(mnem, ["add", "--pool", poolPath, jsonlPath, "--json"], environment: env)
            guard m.status == 0 else { throw PoolError("mnem add failed: \(m.stderr)") }
            mnemTimes.append(m.seconds)
            mnemCPU.append(m.cpuSeconds)
            let repoPath = "\(dir)/fi-\(run)"
            _ = try BenchSupport.run(git, ["init", "-q", "--bare", repoPath])
            let g = try BenchSupport.run(git, ["-C", repoPath, "fast-import", "--quiet"], stdinFile: streamPath)
            guard g.status == 0 else { throw PoolError("git fast-import failed: \(g.stderr)") }
            gitTimes.append(g.seconds)
            gitCPU.append(g.cpuSeconds)
            // Both must describe the same tree.
            let mnemTree = try BenchSupport.run(git, ["-C", poolPath, "rev-parse", "main^{tree}"]).stdout
            let gitTree = try BenchSupport.run(git, ["-C", repoPath, "rev-parse", "main^{tree}"]).stdout
            guard mnemTree == gitTree else { throw PoolError("bench write: mnem and fast-import built different trees (\(mnemTree) vs \(gitTree))") }
            try? FileManager.default.removeItem(atPath: poolPath)
            try? FileManager.default.removeItem(atPath: repoPath)
        }
        let mnemMedian = BenchSupport.median(mnemTimes)
        let gitMedian = BenchSupport.median(gitTimes)
        let mnemCPUMedian = BenchSupport.median(mnemCPU)
        let gitCPUMedian = BenchSupport.median(gitCPU)
        console.out("                                wall        cpu (user+sys)")
        console.out("  mnem add (whole process)      \(BenchSupport.ms(mnemMedian).leftPadded(10))  \(BenchSupport.ms(mnemCPUMedian).leftPadded(10))")
        console.out("  git fast-import (same files)  \(BenchSupport.ms(gitMedian).leftPadded(10))  \(BenchSupport.ms(gitCPUMedian).leftPadded(10))")
        console.out(String(format: "  ratio mnem / fast-import      %9.2fx  %9.2fx   (goal ≤ 1.00x; same tree id checked)", mnemMedian / gitMedian, mnemCPUMedian / gitCPUMedian))

        guard baseCount > 0 else { return }
        console.out("")
        console.out("bench write: add one memory to a pool of \(baseCount), whole process, \(max(runs, 10)) runs")
        let bigPool = dir + "/big"
        let pool = try Pool.create(at: bigPool)
        let batch = 20_000
        var made = 0
        while made < baseCount {
            let n = min(batch, baseCount - made)
            _ = try pool.add(SyntheticMemories.make(n, seed: 1000 + UInt64(made)), info: CommitInfo(summary: "seed \(n)"))
            made += n
        }
        var times: [Double] = []
        let extra = SyntheticMemories.make(max(runs, 10), seed: 99)
        let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench"]) { $1 }
        for (n, memory) in extra.enumerated() {
            let file = "\(dir)/one-\(n).json"
            try Data(memory.canonicalBytes()).write(to: URL(fileURLWithPath: file))
            let r = try BenchSupport.run(mnem, ["add", "--pool", bigPool, file], environment: env)
            guard r.status == 0 else { throw PoolError("mnem add failed: \(r.stderr)") }
            times.append(r.seconds)
        }
        // The anchor: the cheapest whole process there is, for scale.
        var anchors: [Double] = []
        for _ in 0..<times.count { anchors.append(try BenchSupport.run(mnem, ["--version"]).seconds) }
        let median = BenchSupport.median(times)
        let anchor = BenchSupport.median(anchors)
        console.out("  mnem add (1 into \(baseCount))    \(BenchSupport.ms(median))   (goal ≤ 20 ms)")
        console.out("  mnem --version (process floor)  \(BenchSupport.ms(anchor))")
        console.out(String(format: "  ratio add / process floor      %.2fx", median / anchor))
    }
}
