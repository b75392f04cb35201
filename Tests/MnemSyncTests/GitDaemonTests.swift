import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// A real `git daemon` on 127.0.0.1, serving a bare pool over git:// with push enabled.
final class GitDaemon {
    let process = Process()
    let port: Int

    init(basePath: String) throws {
        guard let executable = ["/usr/lib/git-core/git-daemon", "/usr/libexec/git-core/git-daemon"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestFailure("git-daemon is not installed (Debian: it ships in the 'git' package as /usr/lib/git-core/git-daemon)")
        }
        port = try Self.freePort()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--export-all", "--enable=receive-pack", "--reuseaddr", "--base-path=\(basePath)", "--listen=127.0.0.1",
            "--port=\(port)", basePath,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded wait until it accepts connections.
        for _ in 0..<100 {
            if Self.accepts(port) { return }
            usleep(50_000)
        }
        stop()
        throw TestFailure("git daemon did not start listening on port \(port) within 5 s")
    }

    /// Stops the daemon: SIGTERM, then SIGKILL if it has not exited within 2 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
    }

    deinit { stop() }

    /// A port the kernel just handed out, closed again for the daemon to take.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

@Suite("Sync: over git://")
struct GitDaemonTests {
    @Test func initFromPushAndPullThroughGitDaemon() throws {
        let scratch = try Scratch("daemon")
        let served = scratch.at("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try scratch.git(["init", "-q", "--bare", "-b", "main", served + "/pool.git"])
        // Seed the served pool so `init --from` has something to fetch.
        let seed = try Pool.create(at: scratch.at("seed"))
        try seed.repository.addRemote(name: "origin", url: served + "/pool.git")
        let first = insights("seed", 5)
        _ = try seed.add(first, info: CommitInfo(summary: "seed"))
        _ = try seed.push(remote: "origin", credentials: noCredentials)

        let daemon = try GitDaemon(basePath: served)
        defer { daemon.stop() }
        let url = "git://127.0.0.1:\(daemon.port)/pool.git"

        let cloned = scratch.mnem(["init", "c", "--from", url, "--json"])
        #expect(cloned.status == 0, "\(cloned.err)")
        let c = try Pool.open(at: scratch.at("c"))
        #expect(try c.memoryIDs() == Set(first.map(\.id)))

        let more = insights("over-git", 4)
        _ = try c.add(more, info: CommitInfo(summary: "more"))
        let pushed = scratch.mnem(["--pool", scratch.at("c"), "push"])
        #expect(pushed.status == 0, "\(pushed.err)")

        #expect(scratch.mnem(["init", "d", "--from", url]).status == 0)
        let d = try Pool.open(at: scratch.at("d"))
        _ = try d.add(insights("from-d", 2), info: CommitInfo(summary: "d"))
        _ = try c.add(insights("from-c", 2), info: CommitInfo(summary: "c"))
        // d pushes first; c's push is refused by the daemon, pulls over git://, merges and pushes.
        #expect(scratch.mnem(["--pool", scratch.at("d"), "push"]).status == 0)
        let raced = scratch.mnem(["--pool", scratch.at("c"), "push", "--json"])
        #expect(raced.status == 0, "\(raced.err)")
        let racedReport = try JSONParser.parse(raced.out)
        #expect(racedReport["rejections"]?.intValue == 1)
        #expect(racedReport["pulls"]?.arrayValue?.first?["mode"]?.stringValue == "merged")
        let pulled = scratch.mnem(["--pool", scratch.at("d"), "sync", "--json"])
        #expect(pulled.status == 0, "\(pulled.err)")
        #expect(try JSONParser.parse(pulled.out)["pull"]?["mode"]?.stringValue == "fast-forward")
        #expect(try c.memoryIDs().count == 13)
        #expect(try d.memoryIDs() == c.memoryIDs())
        try scratch.fsck(served + "/pool.git")
        daemon.stop()
        #expect(!daemon.process.isRunning)
    }
}
