import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

/// A memory whose file names a key twice means one thing to mnem and maybe another to any
/// other reader of the pool: a pull refuses it and names the key.
@Suite("Sync: duplicate keys in incoming memories")
struct DuplicateKeyPullTests {
    @Test func refusedNamingTheKey() throws {
        let scratch = try Scratch("duplicate-pull")
        let (pool, teammate) = try poolAndTeammate(scratch)
        let memory = try #require(insights("twice", 1).first)
        let text = String(decoding: memory.canonicalBytes(), as: UTF8.self)
        let doubled = text.replacingOccurrences(of: #""title": "twice insight 0""#, with: #""title": "twice insight 0",    "title": "Something else""#)
        #expect(doubled != text)
        try commitByHand(teammate, path: memory.path, bytes: Array(doubled.utf8))
        _ = try teammate.push(remote: "origin", credentials: noCredentials)

        let before = try pool.tip()
        let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.map(\.problem) == [.json])
        #expect(error.invalid.first?.path == memory.path)
        #expect(error.invalid.first?.reason.contains("duplicate key \"title\"") == true, "\(error)")
        #expect(try pool.tip() == before)
    }
}
