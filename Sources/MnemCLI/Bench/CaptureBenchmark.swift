import Foundation
import MnemCapture
import MnemCore

/// Measures capture throughput over a corpus of transcripts, for `mnem bench capture`.
enum CaptureBenchmark {
    /// Reads (detects, parses, redacts) every file under `corpus` several times and reports MB/s;
    /// then captures the largest Claude Code transcript into a fresh pool and reports the time.
    ///
    /// The anchor is a plain read of the same bytes in the same run, so the ratio is comparable
    /// across machines.
    /// - Returns: a human-readable report.
    static func run(corpus: String) throws -> String {
        let capturer = Capturer(pool: nil, options: CaptureOptions(dryRun: true))
        let files = capturer.files(under: [corpus]).filter { !$0.hasSuffix(".md") || $0.hasSuffix(".aider.chat.history.md") }
        func fileSize(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0 }
        let bytes = files.reduce(0) { $0 + fileSize($1) }
        guard bytes > 0 else { return "capture benchmark: no files under \(corpus)\n" }
        let rounds = 5

        var clock = ContinuousClock.now
        for _ in 0..<rounds {
            for file in files { _ = FileManager.default.contents(atPath: file)?.count }
        }
        let readTime = seconds(ContinuousClock.now - clock)

        clock = ContinuousClock.now
        var sessions = 0
        var redactions = 0
        for _ in 0..<rounds {
            // Without a pool, capture reads, parses and redacts, and writes nothing.
            let summary = try capturer.capture(paths: files)
            sessions = summary.memories.count
            redactions = summary.redactions.values.reduce(0, +)
        }
        let captureTime = seconds(ContinuousClock.now - clock)
        let megabytes = Double(bytes * rounds) / 1_000_000
        var report = String(
            format: "capture: %d files, %.2f MB, %d trajectories, %d redactions\n", files.count, Double(bytes) / 1_000_000, sessions,
            redactions)
        report += String(format: "parse+redact: %.1f MB/s (plain read: %.1f MB/s, ratio %.3f)\n",
            megabytes / captureTime, megabytes / readTime, readTime / captureTime)

        // SHA-256 (every transcript is hashed whole for its digest) as a second anchor.
        let sample = [UInt8](repeating: 0x61, count: 8 << 20)
        clock = ContinuousClock.now
        var hasher = SHA256()
        hasher.update(sample)
        _ = hasher.finalize()
        let shaTime = seconds(ContinuousClock.now - clock)
        report += String(format: "sha256: %.1f MB/s\n", Double(sample.count) / 1_000_000 / shaTime)

        let claudeFiles = files.filter { FormatDetector.detect(path: $0) == .format(.claudeCode) }
        if let largest = claudeFiles.max(by: { fileSize($0) < fileSize($1) }) {
            // The best of five runs, each into a fresh pool: the machine may be shared.
            var best = Double.infinity
            var steps = 0
            for _ in 0..<5 {
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-bench-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let start = ContinuousClock.now
                let pool = try Pool.create(at: directory)
                let summary = try Capturer(pool: pool).capture(paths: [largest])
                best = min(best, seconds(ContinuousClock.now - start))
                steps = summary.captured.first?.steps ?? 0
            }
            var bestRead = Double.infinity
            for _ in 0..<5 {
                let start = ContinuousClock.now
                _ = try capturer.capture(paths: [largest])
                bestRead = min(bestRead, seconds(ContinuousClock.now - start))
            }
            report += String(format: "capture of the largest Claude Code transcript (%.2f MB, %d steps) into a fresh pool: %.1f ms (best of 5; reading, parsing and redacting alone: %.1f ms)\n",
                Double(fileSize(largest)) / 1_000_000, steps, best * 1000, bestRead * 1000)
        }
        return report
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
