import Foundation
import MnemCore
import MnemGit
import MnemIndex

/// `mnem bench scale`: issue 14's figures on a pool a team reaches in two years (100,000
/// trajectories compacted to about 300,000 memories), each against the process floor
/// (`mnem --version`) measured in the same run, whole processes timed from spawn to `wait4`.
///
/// The pools are built once into a cache (see `ScaleFixtures`); every figure that changes a
/// pool runs on a copy of it.
enum ScaleBenchmark {
    struct Options {
        var trajectories = 100_000
        /// Pool sizes for the index update figure beyond the compacted pool (e.g. 1,000,000).
        var sizes: [Int] = []
        var runs = 5
        var cache: String
    }

    /// One line of the closing table.
    struct Figure {
        var name: String
        var measured: String
        var ratio: String
        var goal: String
        var before: String
    }

    final class Report {
        var figures: [Figure] = []
        let console: Console
        init(_ console: Console) { self.console = console }
        func add(_ name: String, _ measured: String, ratio: String = "", goal: String = "", before: String = "") {
            figures.append(Figure(name: name, measured: measured, ratio: ratio, goal: goal, before: before))
            console.out("  \(name): \(measured)\(ratio.isEmpty ? "" : "  (\(ratio))")")
        }
    }

    static func run(_ options: Options, console: Console) throws {
        let mnem = BenchSupport.mnemExecutable(console)
        let scratch = try BenchSupport.temporaryDirectory("scale")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var env = ProcessInfo.processInfo.environment
        for key in ["MNEM_POOL", "MNEM_EMBEDDER", "MNEM_HOOK_BUDGET_MS", "MNEM_HOOK_BUDGET_TOKENS", "MNEM_INDEX_TEST_DELAY_MS", "MNEM_HOOK_TEST_DELAY_MS"] {
            env[key] = nil
        }
        env["HOME"] = scratch + "/home"
        env["XDG_STATE_HOME"] = scratch + "/state"
        env["XDG_DATA_HOME"] = scratch + "/data"
        env["MNEM_AUTHOR_NAME"] = "bench"
        env["MNEM_AUTHOR_EMAIL"] = "bench@localhost"
        var bench = Bench(mnem: mnem, env: env, scratch: scratch, runs: max(3, options.runs), console: console)
        let report = Report(console)

        console.out("bench scale: \(options.trajectories) synthetic trajectories, cache \(options.cache), \(bench.runs) runs per short figure (medians)")
        let floorBefore = try bench.floor()
        bench.floorSeconds = floorBefore
        console.out("  process floor (mnem --version) at the start: \(BenchSupport.ms(floorBefore))")

        // The pools: trajectories as captured, then compacted (the first compaction is a figure).
        let trajectories = try ScaleFixtures.trajectoryPool(count: options.trajectories, cache: options.cache, console: console)
        var firstCompaction: BenchSupport.ProcessResult?
        let compacted = try ScaleFixtures.cached("compacted-\(options.trajectories)-g\(ScaleFixtures.generatorVersion)", cache: options.cache, console: console) { path in
            try ScaleFixtures.copyPool(trajectories, to: path, derived: false)
            firstCompaction = try bench.checked(["compact", "--pool", path])
        }
        if firstCompaction == nil {
            let copy = scratch + "/first-compaction"
            try ScaleFixtures.copyPool(trajectories, to: copy, derived: false)
            firstCompaction = try bench.checked(["compact", "--pool", copy])
            try? FileManager.default.removeItem(atPath: copy)
        }
        if let first = firstCompaction {
            report.add(
                "first compaction of \(options.trajectories) trajectories", "\(seconds(first.seconds)), \(megabytes(first.maxResidentBytes)) resident",
                goal: "≤ 30 s, ≤ 1 GB", before: "70 s quiet, 144 s busy; 1.7 GB")
        }

        try readingFigures(bench, compacted, report)
        try captureFigures(bench, compacted, report)
        try compactFigures(bench, compacted, trajectories: options.trajectories, report)
        try indexFigures(bench, compacted, label: "the compacted pool", report)
        try joinFigures(bench, compacted, report)
        for size in options.sizes {
            let pool = try ScaleFixtures.memoryPool(count: size, cache: options.cache, console: console)
            try indexFigures(bench, pool, label: "\(size) memories", report)
        }
        let scanSizes = Array(Set(options.sizes + [1_000_000])).sorted()
        for size in scanSizes { try scanFigure(size: size, scratch: scratch, report) }

        let floorAfter = try bench.floor()
        console.out("")
        console.out("  process floor at the start \(BenchSupport.ms(floorBefore)), at the end \(BenchSupport.ms(floorAfter)) (× floor uses the start)")
        console.out("")
        console.out("| figure | measured | × floor / ratio | goal | before (issue 14) |")
        console.out("|---|---|---|---|---|")
        for f in report.figures { console.out("| \(f.name) | \(f.measured) | \(f.ratio) | \(f.goal) | \(f.before) |") }
    }

    // MARK: Figures

    /// `list --limit 10`, `stats` and `scan` on the compacted pool.
    static func readingFigures(_ bench: Bench, _ compacted: String, _ report: Report) throws {
        let pool = bench.scratch + "/reading"
        try ScaleFixtures.copyPool(compacted, to: pool, derived: false)
        defer { try? FileManager.default.removeItem(atPath: pool) }
        let first = try bench.checked(["stats", "--pool", pool, "--json"])
        let total = (try? JSONParser.parse(first.stdout))?["total"]?.intValue ?? 0
        report.add("memories in the compacted pool", "\(total)")
        report.add("stats, first (builds the catalog)", seconds(first.seconds), ratio: bench.times(first.seconds))
        let stats = try bench.median(["stats", "--pool", pool])
        report.add("stats", BenchSupport.ms(stats), ratio: bench.times(stats), goal: "≤ 150× floor", before: "17 s (2.3 s at 24k)")
        let list = try bench.median(["list", "--pool", pool, "--limit", "10"])
        report.add("list --limit 10", BenchSupport.ms(list), ratio: bench.times(list), goal: "≤ 50× floor", before: "15 s (1.3–3.4 s at 24k)")
        let scan = try bench.median(["scan", "--pool", pool], runs: 3, allowFailure: true)
        report.add("scan", seconds(scan), ratio: bench.times(scan), goal: "each file read once, in parallel", before: "3.1 s at 24k")
    }

    /// Capturing one new session into the compacted pool, against capturing it into an empty pool.
    static func captureFigures(_ bench: Bench, _ compacted: String, _ report: Report) throws {
        let pool = bench.scratch + "/capture"
        let empty = bench.scratch + "/capture-empty"
        // With the derived files (the session index) as a pool in use has them.
        try ScaleFixtures.copyPool(compacted, to: pool, derived: true)
        defer {
            try? FileManager.default.removeItem(atPath: pool)
            try? FileManager.default.removeItem(atPath: empty)
        }
        _ = try bench.checked(["init", empty])
        // One capture first, not counted, as a pool in use has had many.
        let warm = bench.scratch + "/session-warm.jsonl"
        try Data(SyntheticTrajectories.claudeCodeTranscript(session: "bench-warm-\(UInt32.random(in: 0...UInt32.max))", seed: 99).utf8)
            .write(to: URL(fileURLWithPath: warm))
        for target in [pool, empty] { _ = try bench.checked(["capture", "--pool", target, warm]) }
        var into: [Double] = []
        var intoEmpty: [Double] = []
        for run in 0..<bench.runs {
            for (target, times) in [(pool, 0), (empty, 1)] {
                let file = bench.scratch + "/session-\(run)-\(times).jsonl"
                let session = "bench-session-\(run)-\(times)-\(UInt32.random(in: 0...UInt32.max))"
                try Data(SyntheticTrajectories.claudeCodeTranscript(session: session, seed: UInt64(run * 2 + times)).utf8).write(to: URL(fileURLWithPath: file))
                let result = try bench.checked(["capture", "--pool", target, file])
                guard result.stdout.contains("1 captured") else { throw PoolError("capture did not capture: \(result.stdout) \(result.stderr)") }
                if times == 0 { into.append(result.seconds) } else { intoEmpty.append(result.seconds) }
            }
        }
        let large = BenchSupport.median(into)
        let small = BenchSupport.median(intoEmpty)
        report.add(
            "capture one session into the pool / into an empty pool", "\(BenchSupport.ms(large)) / \(BenchSupport.ms(small))",
            ratio: String(format: "%.1f×", large / max(small, 1e-9)), goal: "≤ 3×", before: "6.1 s / 20 ms (305×); 12.7–15 s / 65 ms")
    }

    /// Compaction with nothing new (commits nothing) and with 3 new trajectories.
    static func compactFigures(_ bench: Bench, _ compacted: String, trajectories: Int, _ report: Report) throws {
        let path = bench.scratch + "/compact"
        // With the derived files (the compaction state) as the first compaction left them.
        try ScaleFixtures.copyPool(compacted, to: path, derived: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pool = try Pool.open(at: path)
        let before = try pool.tip()
        let nothing = try bench.median(["compact", "--pool", path], runs: 3)
        let committed = try pool.tip() != before
        report.add(
            "compact, nothing new", seconds(nothing) + (committed ? " (COMMITTED something)" : ", committed nothing"), ratio: bench.times(nothing),
            goal: "≤ 100× floor, commits nothing", before: "43 s (62–73 s at 2,000)")
        var withNew: [Double] = []
        var resident = 0
        for round in 0..<3 {
            let new = (0..<3).map { SyntheticTrajectories.trajectory(trajectories + 1000 * (round + 1) + $0, seed: 1) }
            _ = try pool.add(new, info: CommitInfo(summary: "bench: 3 new", author: Signature(name: "bench", email: "bench@localhost")))
            let result = try bench.checked(["compact", "--pool", path])
            withNew.append(result.seconds)
            resident = max(resident, result.maxResidentBytes)
        }
        let three = BenchSupport.median(withNew)
        report.add(
            "compact with 3 new trajectories", "\(seconds(three)), \(megabytes(resident)) resident", ratio: bench.times(three), goal: "≤ 200× floor",
            before: "62 s, 1.2 GB")
    }

    /// A full index rebuild, then updates after adding 1,000 memories (median of 3), the hooks
    /// and a search on the result.
    static func indexFigures(_ bench: Bench, _ source: String, label: String, _ report: Report) throws {
        let path = bench.scratch + "/index"
        try ScaleFixtures.copyPool(source, to: path, derived: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rebuild = try bench.checked(["index", "--pool", path, "--rebuild"])
        let pool = try Pool.open(at: path)
        var updates: [Double] = []
        var deltaOnly = true
        for round in 0..<3 {
            let batch = SyntheticMemories.make(1000, seed: 900_000 + UInt64(round) * 1000, targetBytes: 600)
            _ = try pool.add(batch, info: CommitInfo(summary: "bench: 1,000", author: Signature(name: "bench", email: "bench@localhost")))
            let update = try bench.checked(["index", "--pool", path, "--json"])
            let json = try JSONParser.parse(update.stdout)
            guard json["action"]?.stringValue == "updated", json["added"]?.intValue == 1000 else {
                throw PoolError("mnem index did not update by 1,000: \(update.stdout)")
            }
            if json["delta"]?.boolValue != true { deltaOnly = false }
            updates.append(update.seconds)
        }
        let update = BenchSupport.median(updates)
        report.add("index full rebuild, \(label)", seconds(rebuild.seconds), ratio: bench.times(rebuild.seconds))
        report.add(
            "index update after +1,000, \(label)", BenchSupport.ms(update) + (deltaOnly ? " (delta only)" : ""),
            ratio: String(format: "%.2f%% of a rebuild", update / rebuild.seconds * 100), goal: "≤ 2% of a rebuild",
            before: "the whole file rewritten (56 MB at 100k); 2.7–3.3% at 100k")

        usleep(200_000)
        let project = bench.scratch + "/project"
        try FileManager.default.createDirectory(atPath: project + "/.git", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: project + "/pyproject.toml", contents: Data())
        let start = bench.scratch + "/start.json"
        try Data(#"{"session_id":"bench","cwd":"\#(project)","hook_event_name":"SessionStart","source":"startup"}"#.utf8)
            .write(to: URL(fileURLWithPath: start))
        var hookEnv = bench.env
        hookEnv["MNEM_POOL"] = path
        _ = try bench.checked(["hook", "claude-code", "session-start"], stdin: start, env: hookEnv)
        let hook = try bench.median(["hook", "claude-code", "session-start"], stdin: start, env: hookEnv)
        report.add("SessionStart hook, \(label)", BenchSupport.ms(hook), ratio: bench.times(hook))
        let search = try bench.median(["search", "--pool", path, "-k", "10", "fix the failing parser tests after a refactor"])
        report.add("mnem search, \(label)", BenchSupport.ms(search), ratio: bench.times(search))
    }

    /// `init --from` the compacted pool, then the hooks an agent runs right after.
    static func joinFigures(_ bench: Bench, _ compacted: String, _ report: Report) throws {
        let joined = bench.scratch + "/joined"
        defer { try? FileManager.default.removeItem(atPath: joined) }
        let clone = try bench.checked(["init", joined, "--from", compacted])
        report.add("init --from the compacted pool", seconds(clone.seconds), ratio: bench.times(clone.seconds), before: "92 s, no output")
        let began = Date()

        let project = bench.scratch + "/joined-project"
        try FileManager.default.createDirectory(atPath: project + "/.git", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: project + "/pyproject.toml", contents: Data())
        let start = bench.scratch + "/joined-start.json"
        let prompt = bench.scratch + "/joined-prompt.json"
        try Data(#"{"session_id":"joined","cwd":"\#(project)","hook_event_name":"SessionStart","source":"startup"}"#.utf8)
            .write(to: URL(fileURLWithPath: start))
        try Data(#"{"session_id":"joined","cwd":"\#(project)","hook_event_name":"UserPromptSubmit","prompt":"fix the failing parser tests after a refactor"}"#.utf8)
            .write(to: URL(fileURLWithPath: prompt))
        var env = bench.env
        env["MNEM_POOL"] = joined
        let first = try bench.checked(["hook", "claude-code", "session-start"], stdin: start, env: env)
        report.add(
            "SessionStart hook right after joining", BenchSupport.ms(first.seconds) + (first.stdout.isEmpty ? ", nothing injected" : ", context injected"),
            ratio: bench.times(first.seconds), goal: "answers within its budget", before: "≈ 1 s, nothing, never recovers")
        // The agent's prompts, every 5 s, until one gets context.
        var prompts = 0
        var injectedAt: Double?
        while injectedAt == nil, Date().timeIntervalSince(began) < 600 {
            usleep(5_000_000)
            prompts += 1
            let answer = try bench.checked(["hook", "claude-code", "user-prompt-submit"], stdin: prompt, env: env)
            if !answer.stdout.isEmpty { injectedAt = Date().timeIntervalSince(began) }
        }
        let updater = ((try? String(contentsOfFile: joined + "/mnem/hooks.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.contains("index updater: ") }.flatMap { $0.components(separatedBy: "index updater: ").last }
        report.add(
            "first prompt hook with context after joining",
            injectedAt.map { "prompt \(prompts) (every 5 s), \(seconds($0)) after the clone" } ?? "none within 600 s",
            goal: "the second prompt", before: "none, until 'mnem index' by hand")
        if let updater { report.add("the detached updater after joining", updater) }
    }

    /// The exact scan of a base of `size` rows and a delta of 1,000 (removing 1,000 base rows)
    /// against the memory-read floor of the same bytes.
    static func scanFigure(size: Int, scratch: String, _ report: Report) throws {
        let dimension = 256
        let id = "bench:\(dimension)"
        let base = scratch + "/scan-\(size).vec"
        let delta = base + ".delta"
        try Sidecar.writeSynthetic(count: size, dimension: dimension, seed: UInt64(size), embedderID: id, to: base)
        try Sidecar.writeSyntheticDelta(count: 1000, removing: 1000, dimension: dimension, seed: 11, embedderID: id, basePath: base, to: delta)
        defer {
            for file in [base, delta, base + ".verified", delta + ".verified"] { unlink(file) }
        }
        let snapshot = try IndexSnapshot.open(path: base, deltaPath: delta, embedderID: id, dimension: dimension)
        var rng = SplitMix64(seed: 7)
        let query = (0..<dimension).map { _ in Float(rng.next() >> 40) * 0x1p-23 - 1 }
        let everything = RankingPolicy(order: .score, minimumScore: -2, domainGuardMargin: 0)
        let runs = SearchBenchmark.repeats(n: size, runs: 10)
        var sink = snapshot.readFloor(prefetching: false) &+ snapshot.readFloor(prefetching: true)
        sink &+= UInt64(snapshot.search(query, k: 10, filter: SearchFilter(), ranking: everything, parts: 1).count)
        var scans: [Double] = []
        var floors: [Double] = []
        var prefetched: [Double] = []
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            sink &+= snapshot.readFloor(prefetching: false)
            let t1 = DispatchTime.now().uptimeNanoseconds
            sink &+= snapshot.readFloor(prefetching: true)
            let t2 = DispatchTime.now().uptimeNanoseconds
            sink &+= UInt64(snapshot.search(query, k: 10, filter: SearchFilter(), ranking: everything, parts: 1).count)
            let t3 = DispatchTime.now().uptimeNanoseconds
            floors.append(Double(t1 - t0) / 1e9)
            prefetched.append(Double(t2 - t1) / 1e9)
            scans.append(Double(t3 - t2) / 1e9)
        }
        let floor = min(BenchSupport.median(floors), BenchSupport.median(prefetched))
        let scan = BenchSupport.median(scans)
        report.add(
            "search of \(size) + 1,000 delta rows (exact, k=10, one thread)" + (sink == 42 ? " " : ""), BenchSupport.ms(scan),
            ratio: String(format: "%.2f× the read floor (%@)", scan / floor, BenchSupport.ms(floor)), goal: "≤ 1.15× the read floor",
            before: "1.01–1.04× at 1M (one file)")
    }

    // MARK: Support

    static func seconds(_ s: Double) -> String { s < 1 ? BenchSupport.ms(s) : String(format: "%.1f s", s) }
    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1e6) }

    /// The processes of one run, against its floor.
    struct Bench {
        var mnem: String
        var env: [String: String]
        var scratch: String
        var runs: Int
        var console: Console
        /// The process floor the ratios are taken against (the run's first measurement).
        var floorSeconds = 0.005

        /// The median of `mnem --version` over twice the runs.
        func floor() throws -> Double {
            var times: [Double] = []
            for _ in 0..<(runs * 2) { times.append(try checked(["--version"]).seconds) }
            return BenchSupport.median(times)
        }

        func times(_ seconds: Double) -> String { String(format: "%.0f× floor", seconds / max(floorSeconds, 1e-9)) }

        /// Runs `mnem arguments`, which must exit 0 (or 1 when `allowFailure`).
        func checked(_ arguments: [String], stdin: String? = nil, env: [String: String]? = nil, allowFailure: Bool = false) throws -> BenchSupport.ProcessResult {
            let result = try BenchSupport.run(mnem, arguments, stdinFile: stdin, environment: env ?? self.env)
            guard result.status == 0 || allowFailure && result.status == 1 else {
                throw PoolError("mnem \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr.prefix(400))")
            }
            return result
        }

        /// The median wall time of `runs` (default: the bench's) runs of `mnem arguments`.
        func median(_ arguments: [String], runs: Int? = nil, stdin: String? = nil, env: [String: String]? = nil, allowFailure: Bool = false) throws -> Double {
            var times: [Double] = []
            for _ in 0..<(runs ?? self.runs) { times.append(try checked(arguments, stdin: stdin, env: env, allowFailure: allowFailure).seconds) }
            return BenchSupport.median(times)
        }
    }
}
