import Foundation
import MnemCapture
import MnemCore

/// `mnem bench capture`: throughput over the corpus, and one large transcript captured by a whole process.
enum CaptureBench {
    /// The corpus beside the source checkout (`../shared/corpus`), unless `--corpus` names another.
    static func defaultCorpus(_ console: Console) -> String {
        if let env = console.environment["MNEM_CORPUS"], !env.isEmpty { return env }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("shared/corpus").path
    }

    static func run(corpus: String, runs: Int, poolSize: Int = 0, console: Console) throws {
        guard FileManager.default.fileExists(atPath: corpus) else {
            throw PoolError("bench capture: no corpus at \(corpus) (give --corpus PATH)")
        }
        console.out(try CaptureBenchmark.run(corpus: corpus))

        // The largest Claude Code transcript, captured into a fresh pool by a whole `mnem` process.
        let claude = (corpus as NSString).appendingPathComponent("claude_code_jsonl")
        var largest: (path: String, size: Int)?
        var smallest: (path: String, size: Int)?
        if let walker = FileManager.default.enumerator(atPath: claude) {
            while let relative = walker.nextObject() as? String {
                guard relative.hasSuffix(".jsonl") else { continue }
                let path = (claude as NSString).appendingPathComponent(relative)
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
                if size > (largest?.size ?? 0) { largest = (path, size) }
                if size < (smallest?.size ?? .max), !relative.contains("/subagents/") { smallest = (path, size) }
            }
        }
        guard let largest else { return }
        // The smallest session: the cost the index adds is least hidden behind parsing.
        defer {
            if let smallest {
                do { try SessionIndexBench.run(transcript: smallest.path, trajectories: poolSize, runs: runs, console: console) } catch {
                    console.err("bench capture: session index figure: \(error)")
                }
            }
        }
        let mnem = BenchSupport.mnemExecutable(console)
        let dir = try BenchSupport.temporaryDirectory("capture")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var times: [Double] = []
        var floors: [Double] = []
        let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench"]) { $1 }
        for n in 0..<max(runs, 10) {
            let pool = "\(dir)/pool-\(n)"
            _ = try Pool.create(at: pool)
            let r = try BenchSupport.run(mnem, ["capture", "--pool", pool, largest.path, "--json"], environment: env)
            guard r.status == 0 else { throw PoolError("mnem capture failed: \(r.stderr)") }
            times.append(r.seconds)
            floors.append(try BenchSupport.run(mnem, ["--version"]).seconds)
        }
        let median = BenchSupport.median(times)
        let floor = BenchSupport.median(floors)
        console.out("")
        console.out(String(format: "whole-process capture of %@ (%.1f MB) into a fresh pool, median of %d", (largest.path as NSString).lastPathComponent, Double(largest.size) / 1e6, times.count))
        console.out("  mnem capture                   \(BenchSupport.ms(median))   (goal ≤ 150 ms)")
        console.out("  mnem --version (process floor) \(BenchSupport.ms(floor))")
        console.out(String(format: "  ratio capture / process floor  %.2fx", median / floor))
    }
}
