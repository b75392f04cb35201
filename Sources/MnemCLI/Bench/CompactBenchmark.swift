import Foundation
import MnemCore
import MnemGit

/// `mnem bench compact`: issue 14's compaction figures on `--trajectories` synthetic trajectories
/// (the pool `mnem bench scale` builds and caches), each against the process floor
/// (`mnem --version`) measured in the same run, whole processes timed from spawn to `wait4`.
///
/// - the first compaction of the pool (time and peak resident memory);
/// - compact with nothing new, with the compaction state in place (median of `--runs`), and
///   checks that it committed nothing;
/// - compact with 3 new trajectories (median of 3 rounds);
/// - compact with nothing new when the state is missing (a fresh clone): the state is rebuilt.
enum CompactBenchmark {
    static func run(trajectories: Int, runs: Int, cache: String, console: Console) throws {
        let mnem = BenchSupport.mnemExecutable(console)
        let scratch = try BenchSupport.temporaryDirectory("compact")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var env = ProcessInfo.processInfo.environment
        for key in ["MNEM_POOL", "MNEM_EMBEDDER", "MNEM_LLM"] { env[key] = nil }
        env["HOME"] = scratch + "/home"
        env["MNEM_AUTHOR_NAME"] = "bench"
        env["MNEM_AUTHOR_EMAIL"] = "bench@localhost"
        var bench = ScaleBenchmark.Bench(mnem: mnem, env: env, scratch: scratch, runs: max(3, runs), console: console)
        let report = ScaleBenchmark.Report(console)
        console.out("bench compact: \(trajectories) synthetic trajectories, cache \(cache), \(bench.runs) runs per short figure (medians)")
        bench.floorSeconds = try bench.floor()
        console.out("  process floor (mnem --version): \(BenchSupport.ms(bench.floorSeconds)); load average \(loadAverage())")

        let source = try ScaleFixtures.trajectoryPool(count: trajectories, cache: cache, console: console)
        let path = scratch + "/pool"
        try ScaleFixtures.copyPool(source, to: path, derived: false)
        let first = try bench.checked(["compact", "--pool", path])
        report.add(
            "first compaction of \(trajectories) trajectories",
            "\(ScaleBenchmark.seconds(first.seconds)) (CPU \(ScaleBenchmark.seconds(first.cpuSeconds))), \(ScaleBenchmark.megabytes(first.maxResidentBytes)) resident",
            ratio: bench.times(first.seconds), goal: "≤ 30 s, ≤ 1 GB", before: "70 s quiet, 144 s busy; 1.7 GB")

        let pool = try Pool.open(at: path)
        let before = try pool.tip()
        let nothing = try bench.median(["compact", "--pool", path])
        let committed = try pool.tip() != before
        report.add(
            "compact, nothing new", BenchSupport.ms(nothing) + (committed ? " (COMMITTED something)" : ", committed nothing"), ratio: bench.times(nothing),
            goal: "≤ 100× floor, commits nothing", before: "43 s (62–73 s at 2,000)")

        var withNew: [Double] = []
        var withNewCPU: [Double] = []
        var resident = 0
        for round in 0..<3 {
            let new = (0..<3).map { SyntheticTrajectories.trajectory(trajectories + 1000 * (round + 1) + $0, seed: 1) }
            _ = try pool.add(new, info: CommitInfo(summary: "bench: 3 new", author: Signature(name: "bench", email: "bench@localhost")))
            let result = try bench.checked(["compact", "--pool", path, "--json"])
            guard result.stdout.contains("\"compacted\": 3") else { throw PoolError("compact did not compact the 3 new trajectories: \(result.stdout.prefix(300))") }
            withNew.append(result.seconds)
            withNewCPU.append(result.cpuSeconds)
            resident = max(resident, result.maxResidentBytes)
        }
        let three = BenchSupport.median(withNew)
        report.add(
            "compact with 3 new trajectories",
            "\(ScaleBenchmark.seconds(three)) (CPU \(ScaleBenchmark.seconds(BenchSupport.median(withNewCPU)))), \(ScaleBenchmark.megabytes(resident)) resident", ratio: bench.times(three),
            goal: "≤ 200× floor", before: "62 s, 1.2 GB")

        try FileManager.default.removeItem(atPath: path + "/mnem/compaction-state")
        let rebuilt = try bench.checked(["compact", "--pool", path])
        let again = try bench.median(["compact", "--pool", path])
        report.add(
            "compact, nothing new, state missing (rebuilt)",
            "\(ScaleBenchmark.seconds(rebuilt.seconds)) (CPU \(ScaleBenchmark.seconds(rebuilt.cpuSeconds))), \(ScaleBenchmark.megabytes(rebuilt.maxResidentBytes)) resident; then \(BenchSupport.ms(again))",
            ratio: bench.times(rebuilt.seconds))
        console.out("  load average at the end: \(loadAverage())")
        console.out("")
        console.out("| figure | measured | × floor | goal | before (issue 14) |")
        console.out("|---|---|---|---|---|")
        for f in report.figures { console.out("| \(f.name) | \(f.measured) | \(f.ratio) | \(f.goal) | \(f.before) |") }
    }

    /// The 1-minute load average, so a figure taken on a busy machine says so.
    static func loadAverage() -> String {
        var loads = [Double](repeating: 0, count: 3)
        return getloadavg(&loads, 3) > 0 ? String(format: "%.1f", loads[0]) : "unknown"
    }
}
