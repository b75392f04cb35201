import Foundation
import MnemCore

/// Helpers shared by the `mnem bench` figures: child processes, timing, generated data.
enum BenchSupport {
    struct ProcessResult {
        var status: Int32
        var seconds: Double
        /// User + system CPU time of the child: steadier than wall time on a shared machine.
        var cpuSeconds: Double
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion; `stdinFile` is connected to its standard input.
    static func run(_ executable: String, _ arguments: [String], stdinFile: String? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else { throw PoolError("cannot read \(stdinFile)") }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let cpuBefore = childCPUSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        // Drain both pipes while the child runs so a chatty child cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        process.waitUntilExit()
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return ProcessResult(
            status: process.terminationStatus, seconds: seconds, cpuSeconds: childCPUSeconds() - cpuBefore, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// CPU time used so far by children that have been waited for.
    static func childCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
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

/// A small deterministic generator (SplitMix64) for benchmark data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
