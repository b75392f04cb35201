import Foundation
import MnemCore
import MnemExport
import MnemIntegrations

/// `mnem bench export`: the static site of pools of growing size, against two anchors measured
/// on the same pool in the same run — reading and validating every memory (what any whole-pool
/// command pays) and copying the finished site with `cp -r` (what the file system charges for
/// those files) — and the cost per memory across sizes, which stays flat when the export is
/// linear in the pool.
enum ExportBenchmark {
    static func run(sizes: [Int], runs: Int, console: Console) throws {
        console.out("mnem bench export: the site of a pool vs reading its memories and cp -r of the site (median of \(runs))")
        var perMemory: [(Int, Double)] = []
        for size in sizes {
            let directory = try BenchSupport.temporaryDirectory("export")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let pool = try makePool(at: directory + "/pool", size: size)
            let count = try pool.entries().count
            var exports: [Double] = [], reads: [Double] = [], copies: [Double] = []
            var report: HTMLExport.Report?
            for run in 0..<runs {
                var start = DispatchTime.now().uptimeNanoseconds
                _ = try pool.memories()
                reads.append(seconds(since: start))
                let site = "\(directory)/site"
                start = DispatchTime.now().uptimeNanoseconds
                report = try HTMLExport.export(pool: pool, to: site)
                exports.append(seconds(since: start))
                start = DispatchTime.now().uptimeNanoseconds
                let copy = try BenchSupport.run("/bin/cp", ["-r", site, "\(directory)/copy-\(run)"], captureOutput: false)
                copies.append(seconds(since: start))
                guard copy.status == 0 else { throw PoolError("cp -r failed (exit \(copy.status))") }
                try? FileManager.default.removeItem(atPath: "\(directory)/copy-\(run)")
            }
            let export = BenchSupport.median(exports), read = BenchSupport.median(reads), copy = BenchSupport.median(copies)
            perMemory.append((count, export / Double(count)))
            let files = report?.files ?? 0, megabytes = Double(report?.bytes ?? 0) / 1_048_576
            console.out(
                "  \(String(count).leftPadded(7)) memories: export \(BenchSupport.ms(export)) (\(String(format: "%.0f", export / Double(count) * 1e6)) µs each; "
                    + "\(files) files, \(String(format: "%.1f", megabytes)) MB)   read all \(BenchSupport.ms(read)) → \(String(format: "%.2f", export / read))×"
                    + "   cp -r of the site \(BenchSupport.ms(copy)) → \(String(format: "%.2f", export / copy))×")
        }
        if let first = perMemory.first, let last = perMemory.last, last.0 > first.0 {
            console.out(
                "  per memory at \(last.0) vs \(first.0): \(String(format: "%.2f", last.1 / first.1))× (1.0× is linear in the pool's size)")
        }
    }

    static func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// A pool shaped like a compacted one: trajectories in ten capture commits, a summary for
    /// every tenth, an insight over every twenty summaries, and feedback on some insights.
    static func makePool(at path: String, size: Int) throws -> Pool {
        let pool = try Pool.create(at: path)
        let trajectories = SyntheticMemories.make(size * 10 / 13, seed: UInt64(size), targetBytes: 1500)
        let batch = max(1, trajectories.count / 10)
        for start in stride(from: 0, to: trajectories.count, by: batch) {
            _ = try pool.add(Array(trajectories[start..<min(start + batch, trajectories.count)]), info: CommitInfo(summary: "capture"))
        }
        var summaries: [Memory] = []
        for (n, trajectory) in trajectories.enumerated() where n % 10 == 0 {
            summaries.append(
                Memory(
                    body: .summary(
                        Summary(taskSummary: trajectory.task, experience: Experience(environment: trajectory.domain, actions: "ran, edited, tested", results: "ok", why: "tests after the last edit"))),
                    task: trajectory.task, domain: trajectory.domain, outcome: trajectory.outcome, source: trajectory.source, derivedFrom: [trajectory.id]))
        }
        var insights: [Memory] = []
        for start in stride(from: 0, to: summaries.count, by: 20) {
            let group = summaries[start..<min(start + 20, summaries.count)]
            insights.append(
                Memory(
                    body: .insight(Insight(title: "Insight \(start / 20)", description: "A habit seen in \(group.count) sessions.", content: "Run the tests after the last edit.")),
                    task: "Cross-task habit \(start / 20)", domain: "general", outcome: .success, derivedFrom: group.map(\.id)))
        }
        _ = try pool.add(summaries + insights, info: CommitInfo(summary: "compact"))
        var remaining = size - (try pool.entries().count)
        var filler = 0
        while remaining > 0 {
            let extra = SyntheticMemories.make(remaining, seed: UInt64(size) &+ 7 &+ UInt64(filler), targetBytes: 1500)
            remaining -= (try pool.add(extra, info: CommitInfo(summary: "capture"))).added.count
            filler += 1
        }
        for (n, insight) in insights.enumerated() where n % 3 == 0 {
            try FeedbackStore.record(
                Feedback(memory: insight.id, helped: n % 2 == 0, note: "bench", agent: "bench", createdAt: "2026-01-01T00:00:00Z"), in: pool,
                author: pool.defaultAuthor())
        }
        return pool
    }
}
