import Foundation
import MnemCore
import MnemGit

/// `mnem bench hook`: the whole-process latency of the context hooks an agent waits for, against
/// the process floor (`mnem --version`) measured in the same run.
enum HookBenchmark {
    /// - Parameters:
    ///   - poolSize: memories in the pool (one in ten an insight, the rest trajectories).
    ///   - runs: runs per figure (at least 10); the medians are printed.
    static func run(poolSize: Int, runs: Int, console: Console) throws {
        let runs = max(runs, 10)
        let dir = try BenchSupport.temporaryDirectory("hook")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mnem = BenchSupport.mnemExecutable(console)
        let poolPath = dir + "/pool"
        let pool = try Pool.create(at: poolPath)
        let info = CommitInfo(summary: "seed", author: Signature(name: "bench", email: "bench@localhost"))
        let insights = poolSize / 10
        var made = 0
        while made < poolSize - insights {
            let n = min(20_000, poolSize - insights - made)
            _ = try pool.add(SyntheticMemories.make(n, seed: 7000 + UInt64(made), targetBytes: 600), info: info)
            made += n
        }
        _ = try pool.add(syntheticInsights(insights), info: info)

        let project = dir + "/project"
        try FileManager.default.createDirectory(atPath: project + "/.git", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: project + "/Package.swift", contents: Data())
        let env = ProcessInfo.processInfo.environment.merging([
            "MNEM_POOL": poolPath, "XDG_STATE_HOME": dir + "/state", "MNEM_HOOK_BUDGET_MS": "10000",
        ]) { $1 }
        // Each run is a new agent session: within one, a memory is injected only once.
        let start = dir + "/start.json"
        let prompt = dir + "/prompt.json"
        let longPrompt = dir + "/long-prompt.json"
        func writeEvents(session: String) throws {
            try Data(#"{"session_id":"\#(session)","cwd":"\#(project)","hook_event_name":"SessionStart","source":"startup"}"#.utf8)
                .write(to: URL(fileURLWithPath: start))
            try Data(#"{"session_id":"\#(session)-prompt","cwd":"\#(project)","hook_event_name":"UserPromptSubmit","prompt":"fix the failing parser tests after a refactor"}"#.utf8)
                .write(to: URL(fileURLWithPath: prompt))
            try Data(#"{"session_id":"\#(session)-long","cwd":"\#(project)","hook_event_name":"UserPromptSubmit","prompt":"\#(Self.longPrompt)"}"#.utf8)
                .write(to: URL(fileURLWithPath: longPrompt))
        }
        try writeEvents(session: "bench-warm-up")

        // The index is built first, as `mnem init --from` does (with a slow embedder, more than a
        // hook's budget); what an agent waits for afterwards is the steady state.
        let indexed = try BenchSupport.run(mnem, ["index"], stdinFile: "/dev/null", environment: env)
        guard indexed.status == 0 else { throw PoolError("mnem index failed: \(indexed.stderr)") }
        let first = try BenchSupport.run(mnem, ["hook", "claude-code", "session-start"], stdinFile: start, environment: env)
        guard first.status == 0, !first.stdout.isEmpty else { throw PoolError("the SessionStart hook gave no context: \(first.stderr)") }
        usleep(200_000)
        try writeEvents(session: "bench-warm-up-2")
        _ = try BenchSupport.run(mnem, ["hook", "claude-code", "session-start"], stdinFile: start, environment: env)
        let promptAnswer = try BenchSupport.run(mnem, ["hook", "claude-code", "user-prompt-submit"], stdinFile: prompt, environment: env)
        // The memories in a hook's answer: the block's numbered entries.
        let injected = { (answer: String) -> Int in
            let context = (try? JSONParser.parse(Data(answer.utf8)))?["hookSpecificOutput"]?["additionalContext"]?.stringValue ?? ""
            return context.split(separator: "\n").filter { $0.hasPrefix("[") }.count
        }

        var floor: [BenchSupport.ProcessResult] = []
        var sessionStart: [BenchSupport.ProcessResult] = []
        var promptSubmit: [BenchSupport.ProcessResult] = []
        var longPromptSubmit: [BenchSupport.ProcessResult] = []
        for run in 0..<runs {
            try writeEvents(session: "bench-\(run)")
            floor.append(try timed(mnem, ["--version"], stdin: "/dev/null", environment: env))
            let started = try BenchSupport.run(mnem, ["hook", "claude-code", "session-start"], stdinFile: start, environment: env)
            guard started.status == 0, !started.stdout.isEmpty else { throw PoolError("the SessionStart hook gave no context") }
            sessionStart.append(started)
            promptSubmit.append(try timed(mnem, ["hook", "claude-code", "user-prompt-submit"], stdin: prompt, environment: env))
            longPromptSubmit.append(try timed(mnem, ["hook", "claude-code", "user-prompt-submit"], stdin: longPrompt, environment: env))
        }
        let floorWall = BenchSupport.median(floor.map(\.seconds))
        let floorCPU = BenchSupport.median(floor.map(\.cpuSeconds))
        let embedder = env["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 } ?? "static (the default)"
        console.out("bench hook: a pool of \(poolSize) memories (\(insights) insights), embedder \(embedder), whole processes, median of \(runs) runs")
        console.out("  (wall: posix_spawn to wait4; CPU: the child's user + system time, steadier on a shared machine)")
        console.out("  (a new session per run; SessionStart injected \(injected(first.stdout)) memories, UserPromptSubmit \(injected(promptAnswer.stdout)))")
        console.out("  mnem --version (process floor)       wall \(BenchSupport.ms(floorWall))   CPU \(BenchSupport.ms(floorCPU))")
        for (name, results) in [
            ("SessionStart hook", sessionStart), ("UserPromptSubmit hook", promptSubmit), ("UserPromptSubmit, a 120-token prompt", longPromptSubmit),
        ] {
            let wall = BenchSupport.median(results.map(\.seconds))
            let cpu = BenchSupport.median(results.map(\.cpuSeconds))
            console.out(
                "  " + name.padding(toLength: 37, withPad: " ", startingAt: 0) + "wall \(BenchSupport.ms(wall))   CPU \(BenchSupport.ms(cpu))"
                    + String(format: "   wall %.1f× floor (%@ above it)", wall / max(floorWall, 1e-9), BenchSupport.ms(wall - floorWall)))
        }
    }

    /// A prompt of about 120 WordPiece tokens, as people write them when they explain a task: the
    /// short prompt is the common case, this one what a transformer embedder pays for more text.
    static let longPrompt = "The nightly job that imports customer invoices started failing after we upgraded the date parsing library. "
        + "Every invoice with a timezone offset in its timestamp is now rejected as invalid, while the ones in UTC still go through. "
        + "Please find where the importer parses the timestamps, write a regression test with one offset and one UTC invoice, "
        + "fix the parsing so both are accepted, and run the importer's whole test suite before you finish. "
        + "Do not change the public API of the parser module."

    /// One timed run of the hook (or the floor), which must succeed.
    static func timed(_ executable: String, _ arguments: [String], stdin: String, environment: [String: String]) throws -> BenchSupport.ProcessResult {
        let result = try BenchSupport.run(executable, arguments, stdinFile: stdin, environment: environment, captureOutput: false)
        guard result.status == 0 else { throw PoolError("\(executable) \(arguments.joined(separator: " ")) exited with status \(result.status)") }
        return result
    }

    /// `n` insights with varied words, the kind a session start offers.
    static func syntheticInsights(_ n: Int) -> [Memory] {
        var rng = SplitMix64(seed: 42)
        return (0..<n).map { i in
            Memory(
                body: .insight(
                    Insight(
                        title: "insight \(i): " + SyntheticMemories.sentence(&rng, words: 6), description: SyntheticMemories.sentence(&rng, words: 14),
                        content: SyntheticMemories.sentence(&rng, words: 40))),
                task: SyntheticMemories.sentence(&rng, words: 10), domain: SyntheticMemories.domains[Int(rng.next() % UInt64(SyntheticMemories.domains.count))],
                outcome: .success, source: MemorySource(agent: "bench", capturedAt: "2026-01-01T00:00:00Z"))
        }
    }
}
