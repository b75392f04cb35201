import Foundation
import MnemGit
import MnemTestSupport
import Testing

/// An https remote against a real TLS server (`openssl s_server`) on 127.0.0.1.
///
/// mnem defers libgit2's TLS start-up work (seeding the random generator, parsing the CA bundle)
/// until a transfer. A self-signed server certificate must then be refused by certificate
/// verification, which proves the handshake ran with a seeded generator and a loaded chain: an
/// unseeded generator fails before any certificate is looked at.
@Suite("Sync: https handshake")
struct TLSHandshakeTests {
    @Test("a self-signed https server is refused for its certificate, after a real handshake")
    func selfSignedIsRefusedByVerification() throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestFailure("openssl is not installed (Debian: the 'openssl' package), so no TLS server can be started")
        }
        let dir = TemporaryDirectory("tls-server")
        let key = dir.file("key.pem")
        let certificate = dir.file("cert.pem")
        let made = try Shell.run(
            openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=mnem-test"])
        #expect(made.status == 0)
        let port = try GitDaemon.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: openssl)
        server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-key", key, "-cert", certificate, "-www", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // Bounded, as for the git daemon: terminate, then kill.
            server.terminate()
            for _ in 0..<40 where server.isRunning { usleep(50_000) }
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
        }
        var listening = false
        for _ in 0..<100 where !listening {
            listening = GitDaemon.accepts(port)
            if !listening { usleep(50_000) }
        }
        try #require(listening, "openssl s_server did not listen on port \(port) within 5 s")

        let repository = try Repository.create(at: dir.file("pool.git"), bare: true)
        do {
            _ = try RemoteConnection(repository, url: "https://127.0.0.1:\(port)/pool.git", direction: .fetch, credentials: RemoteCredentials())
            Issue.record("a self-signed certificate was accepted")
        } catch {
            #expect(error.message.lowercased().contains("certificate"), "refused for another reason: \(error.message)")
        }
        #expect(!certificatesPending && !tlsSeedPending)
    }
}
