import Foundation
import MnemCore

/// Helpers shared by the `mnem bench` figures: child processes, timing, generated data.
enum BenchSupport {
    struct ProcessResult {
        var status: Int32
        var seconds: Double
        /// User + system CPU time of the child: steadier than wall time on a shared machine.
        var cpuSeconds: Double
        /// The child's peak resident memory (`ru_maxrss`).
        var maxResidentBytes: Int = 0
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion and times it from `posix_spawn` to `wait4`.
    ///
    /// Foundation's `Process.waitUntilExit` polls (every 50 ms here), which quantizes exactly the
    /// short whole-process figures the benchmarks are about; `wait4` also gives the child's own
    /// CPU time. Output goes through files so a chatty child cannot block on a full pipe.
    /// - Parameters:
    ///   - stdinFile: connected to the child's standard input (default `/dev/null`).
    ///   - captureOutput: keep standard output and error (else both go to `/dev/null`).
    static func run(
        _ executable: String, _ arguments: [String], stdinFile: String? = nil, environment: [String: String]? = nil,
        captureOutput: Bool = true
    ) throws -> ProcessResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-bench-io-\(UUID().uuidString.prefix(8))").path
        let outPath = captureOutput ? scratch + ".out" : "/dev/null"
        let errPath = captureOutput ? scratch + ".err" : "/dev/null"
        defer {
            if captureOutput {
                unlink(outPath)
                unlink(errPath)
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinFile ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let code = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard code == 0 else { throw PoolError("cannot run \(executable): \(String(cString: strerror(code)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        let exit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let read = { (path: String) in captureOutput ? String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) : "" }
        return ProcessResult(
            status: exit, seconds: seconds, cpuSeconds: cpu, maxResidentBytes: Int(usage.ru_maxrss) * 1024, stdout: read(outPath), stderr: read(errPath))
    }

    /// The path of the running `mnem` binary (for whole-process measurements).
    static func mnemExecutable(_ console: Console) -> String {
        if let override = console.environment["MNEM_BIN"], !override.isEmpty { return override }
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first ?? "mnem"
    }

    /// Finds a program on PATH.
    static func which(_ name: String, _ console: Console) -> String? {
        let path = console.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }

    static func temporaryDirectory(_ label: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-bench-\(label)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Synthetic but realistic memories of about `targetBytes` each, for write benchmarks.
enum SyntheticMemories {
    static let words = """
        run tests build compile fix error import module function class parser request response cache index query \
        database migration schema config deploy container image branch commit merge rebase patch diff lint format \
        type check null pointer exception timeout retry connection socket thread lock async await promise future \
        memory leak profile benchmark latency throughput api endpoint route handler middleware auth token session \
        file path directory read write open close stream buffer encode decode json yaml toml csv parse serialize
        """.split(separator: " ").map(String.init)
    static let domains = ["python", "rust", "go", "javascript/react", "java/maven", "swift", "elixir", "c", "ruby", "sql"]

    static func sentence(_ rng: inout SplitMix64, words count: Int) -> String {
        (0..<count).map { _ in words[Int(rng.next() % UInt64(words.count))] }.joined(separator: " ")
    }

    static func make(_ n: Int, seed: UInt64, targetBytes: Int = 1500) -> [Memory] {
        var rng = SplitMix64(seed: seed)
        var out: [Memory] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let domain = domains[Int(rng.next() % UInt64(domains.count))]
            // About 7 bytes per word; the envelope takes ~400 bytes.
            let budget = max(10, (targetBytes - 450) / 7)
            let steps = (0..<3).map { _ in
                TrajectoryStep(
                    tool: "bash", input: sentence(&rng, words: budget / 9), observation: sentence(&rng, words: budget / 5),
                    exitStatus: Int(rng.next() % 2))
            }
            let memory = Memory(
                body: .trajectory(Trajectory(steps: steps)), task: "task \(seed)-\(i): " + sentence(&rng, words: 8), domain: domain,
                outcome: rng.next() % 2 == 0 ? .success : .failure,
                source: MemorySource(agent: "bench", model: "synthetic", sessionId: "bench-\(seed)-\(i)", capturedAt: "2026-01-01T00:00:00Z"))
            out.append(memory)
        }
        return out
    }
}
