import Foundation
import MnemCore
import MnemGit
import MnemIndex

/// `mnem bench search`: the exact scan against the machine's memory-read floor and faiss, the
/// whole-process search on a large pool, and an incremental index update against a full rebuild.
enum SearchBenchmark {
    static let dimension = 256

    static func run(sizes: [Int], poolSize: Int, runs: Int, console: Console) throws {
        let dir = try BenchSupport.temporaryDirectory("search")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let python = BenchSupport.which("python3", console)
        let faiss = python.map { hasFaiss($0) } ?? false
        console.out(
            "bench search: exact top-10 scan of random unit vectors, d=\(dimension), float16, one thread, median of \(runs) runs"
                + " (under \(rowsPerFigure / runs) rows, of enough runs to scan \(rowsPerFigure) rows)")
        console.out("  N          scan        read floor   scan/floor   GB/s     faiss SQfp16   scan/faiss   top-10 agree  search (auto threads)")
        for n in sizes {
            try scanFigure(n: n, runs: repeats(n: n, runs: runs), dir: dir, python: faiss ? python : nil, console: console)
        }
        if !faiss {
            console.out("  faiss: python3 with faiss-cpu is not available (pip install faiss-cpu), so no faiss figure")
        }
        guard poolSize > 0 else { return }
        try poolFigures(poolSize: poolSize, runs: max(runs, 10), dir: dir, console: console)
    }

    // MARK: Scan vs floor vs faiss

    /// The fewest rows each scan figure covers across its runs.
    static let rowsPerFigure = 10_000_000

    /// Runs for a scan figure of `n` rows: `runs`, or more for a small file, whose 0.2 ms
    /// timings a median of five leaves at the mercy of one interruption. The same count goes to
    /// the floor, the scan and faiss alike.
    static func repeats(n: Int, runs: Int) -> Int {
        max(runs, min(1000, rowsPerFigure / max(n, 1)))
    }

    static func scanFigure(n: Int, runs: Int, dir: String, python: String?, console: Console) throws {
        let path = "\(dir)/scan-\(n).vec"
        try Sidecar.writeSynthetic(count: n, dimension: dimension, seed: UInt64(n), embedderID: "bench:\(dimension)", to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sidecar = try Sidecar.open(path: path, embedderID: "bench:\(dimension)", dimension: dimension)
        var rng = SplitMix64(seed: 7)
        let query = (0..<dimension).map { _ in Float(rng.next() >> 40) * 0x1p-23 - 1 }
        let everything = RankingPolicy(order: .score, minimumScore: -2, domainGuardMargin: 0)

        // Warm both loops and the pages, then alternate them so drift hits both alike.
        var sink: UInt64 = VectorScan.readFloor(sidecar, prefetching: false) &+ VectorScan.readFloor(sidecar, prefetching: true)
        var hits = sidecar.search(query, k: 10, filter: SearchFilter(), ranking: everything, parts: 1)
        var scanTimes: [Double] = []
        var floorTimes: [Double] = []
        var parallelTimes: [Double] = []
        var prefetchedFloorTimes: [Double] = []
        for _ in 0..<runs {
            let tp = DispatchTime.now().uptimeNanoseconds
            sink &+= VectorScan.readFloor(sidecar, prefetching: true)
            let t0 = DispatchTime.now().uptimeNanoseconds
            sink &+= VectorScan.readFloor(sidecar, prefetching: false)
            let t1 = DispatchTime.now().uptimeNanoseconds
            prefetchedFloorTimes.append(Double(t0 - tp) / 1e9)
            hits = sidecar.search(query, k: 10, filter: SearchFilter(), ranking: everything, parts: 1)
            let t2 = DispatchTime.now().uptimeNanoseconds
            sink &+= UInt64(sidecar.search(query, k: 10, ranking: everything).count)
            let t3 = DispatchTime.now().uptimeNanoseconds
            floorTimes.append(Double(t1 - t0) / 1e9)
            scanTimes.append(Double(t2 - t1) / 1e9)
            parallelTimes.append(Double(t3 - t2) / 1e9)
        }
        let scan = BenchSupport.median(scanTimes)
        // The floor is the faster of the two plain reads of the same bytes.
        let floor = min(BenchSupport.median(floorTimes), BenchSupport.median(prefetchedFloorTimes))
        let parallel = BenchSupport.median(parallelTimes)
        let bytes = Double(n * sidecar.vectorStride)
        var faissText = "—".padding(toLength: 14, withPad: " ", startingAt: 0) + " " + "—".padding(toLength: 12, withPad: " ", startingAt: 0)
        var agreeText = "—"
        if let python {
            let queryPath = "\(dir)/query.f32"
            try query.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: queryPath)) }
            if let (seconds, rows) = try faissFigure(python, sidecar: sidecar, path: path, queryPath: queryPath, runs: runs) {
                faissText = BenchSupport.ms(seconds).padding(toLength: 14, withPad: " ", startingAt: 0) + " "
                    + String(format: "%.2fx", scan / seconds).padding(toLength: 12, withPad: " ", startingAt: 0)
                agreeText = "\(Set(rows).intersection(hits.compactMap { $0.id.rawValue.suffix(16) }.compactMap { Int($0, radix: 16) }).count)/10"
            }
        }
        console.out(
            "  " + "\(n)".padding(toLength: 10, withPad: " ", startingAt: 0) + " " + BenchSupport.ms(scan).padding(toLength: 11, withPad: " ", startingAt: 0)
                + " " + BenchSupport.ms(floor).padding(toLength: 12, withPad: " ", startingAt: 0) + " "
                + String(format: "%.2fx", scan / floor).padding(toLength: 12, withPad: " ", startingAt: 0) + " "
                + String(format: "%.1f", bytes / scan / 1e9).padding(toLength: 8, withPad: " ", startingAt: 0) + " " + faissText + " "
                + agreeText.padding(toLength: 13, withPad: " ", startingAt: 0) + " " + BenchSupport.ms(parallel) + (sink == 42 ? " " : ""))
    }

    static func hasFaiss(_ python: String) -> Bool {
        (try? BenchSupport.run(python, ["-c", "import faiss, numpy"]).status) == 0
    }

    /// faiss `IndexScalarQuantizer` (fp16, inner product, one thread) on the sidecar's own vectors.
    static func faissFigure(_ python: String, sidecar: Sidecar, path: String, queryPath: String, runs: Int) throws -> (Double, [Int])? {
        let script = """
            import sys, time, numpy as np, faiss
            path, off, n, stride, d, qpath, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
            faiss.omp_set_num_threads(1)
            x = np.memmap(path, dtype=np.float16, mode='r', offset=off, shape=(n, stride // 2))[:, :d].astype(np.float32)
            q = np.fromfile(qpath, dtype=np.float32).reshape(1, d)
            q /= np.linalg.norm(q)
            index = faiss.IndexScalarQuantizer(d, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            index.add(x)
            del x
            index.search(q, 10)
            times = []
            for _ in range(runs):
                t = time.perf_counter(); D, I = index.search(q, 10); times.append(time.perf_counter() - t)
            times.sort()
            print(times[len(times) // 2], ' '.join(str(i) for i in I[0]))
            """
        let result = try BenchSupport.run(
            python, ["-c", script, path, "\(sidecar.vectorsOffset)", "\(sidecar.count)", "\(sidecar.vectorStride)", "\(dimension)", queryPath, "\(runs)"])
        guard result.status == 0 else { return nil }
        let fields = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let first = fields.first, let seconds = Double(first) else { return nil }
        return (seconds, fields.dropFirst().compactMap { Int($0) })
    }

    // MARK: Whole-process search and incremental update on a pool

    /// Runs a program with its output discarded, timed by `BenchSupport.run` (spawn to `wait4`).
    static func timedRun(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, seconds: Double) {
        let result = try BenchSupport.run(executable, arguments, environment: environment, captureOutput: false)
        return (result.status, result.seconds)
    }

    static func poolFigures(poolSize: Int, runs: Int, dir: String, console: Console) throws {
        let mnem = BenchSupport.mnemExecutable(console)
        let poolPath = dir + "/pool"
        let pool = try Pool.create(at: poolPath)
        let info = CommitInfo(summary: "seed", author: Signature(name: "bench", email: "bench@localhost"))
        var made = 0
        while made < poolSize {
            let n = min(20_000, poolSize - made)
            _ = try pool.add(SyntheticMemories.make(n, seed: 5000 + UInt64(made), targetBytes: 600), info: info)
            made += n
        }
        let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench"]) { $1 }
        console.out("")
        console.out("bench search: a pool of \(poolSize) memories, embedder static (the default), whole processes")

        let full = try timedRun(mnem, ["index", "--pool", poolPath, "--rebuild"], environment: env)
        guard full.status == 0 else { throw PoolError("mnem index --rebuild failed with status \(full.status)") }
        // Past the stamp's racy window, then one search to record the verification, as any first search would.
        usleep(200_000)
        let query = ["search", "--pool", poolPath, "-k", "10", "--query-domain", "python", "fix the failing parser tests after a refactor"]
        let check = try BenchSupport.run(mnem, query, environment: env)
        guard check.status == 0, check.stdout.split(separator: "\n").count == 10 else { throw PoolError("mnem search failed: \(check.stderr)") }
        var searchTimes: [Double] = []
        var anchors: [Double] = []
        for _ in 0..<runs {
            let r = try timedRun(mnem, query, environment: env)
            guard r.status == 0 else { throw PoolError("mnem search failed with status \(r.status)") }
            searchTimes.append(r.seconds)
            anchors.append(try timedRun(mnem, ["--version"], environment: env).seconds)
        }
        let search = BenchSupport.median(searchTimes)
        let anchor = BenchSupport.median(anchors)
        console.out("  mnem search, k=10 (median of \(runs))      \(BenchSupport.ms(search))   (goal ≤ 15 ms)")
        console.out("  mnem --version (process floor)          \(BenchSupport.ms(anchor))")

        var updates: [Double] = []
        var expected = poolSize
        for round in 0..<3 {
            _ = try pool.add(SyntheticMemories.make(1000, seed: 900_000 + UInt64(round) * 1000, targetBytes: 600), info: info)
            expected += 1000
            let r = try timedRun(mnem, ["index", "--pool", poolPath], environment: env)
            let after = try BenchSupport.run(mnem, ["index", "--pool", poolPath, "--json"], environment: env)
            guard r.status == 0, after.stdout.contains("\"count\": \(expected)"), after.stdout.contains("up-to-date") else {
                throw PoolError("mnem index did not update to \(expected) memories: \(after.stdout) \(after.stderr)")
            }
            updates.append(r.seconds)
        }
        let update = BenchSupport.median(updates)
        console.out("  mnem index, full rebuild of \(poolSize)       \(BenchSupport.ms(full.seconds))")
        console.out("  mnem index after adding 1,000 (median of 3)   \(BenchSupport.ms(update))")
        console.out(String(format: "  ratio incremental / full rebuild           %.1f%%   (goal ≤ 5%%)", update / full.seconds * 100))
    }
}
