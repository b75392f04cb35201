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
        let remote = try scratch.bareRemote()
        let pool = try Pool.create(at: scratch.at("local"))
        try pool.repository.addRemote(name: "origin", url: remote)
        _ = try pool.add(insights("honest", 1), info: CommitInfo(summary: "honest"))
        _ = try pool.push(remote: "origin", credentials: noCredentials)

        let teammate = try Pool.create(at: scratch.at("teammate"))
        try teammate.repository.addRemote(name: "origin", url: remote)
        _ = try teammate.pull(remote: "origin", credentials: noCredentials)
        let memory = try #require(insights("twice", 1).first)
        let text = String(decoding: memory.canonicalBytes(), as: UTF8.self)
        let doubled = text.replacingOccurrences(of: #""title": "twice insight 0""#, with: #""title": "twice insight 0",    "title": "Something else""#)
        #expect(doubled != text)
        let base = try #require(try teammate.tip())
        let blob = try teammate.repository.writeBlob(Array(doubled.utf8))
        let tree = try teammate.repository.buildTree(base: try teammate.repository.commit(base).tree, edits: [.upsert(path: memory.path, blob: blob)])
        let author = Signature(name: "hand edit", email: "h@x")
        let commit = try teammate.repository.createCommit(tree: tree, parents: [base], author: author, committer: author, message: "edit\n")
        try teammate.repository.compareAndSwapReference(teammate.branch, to: commit, expected: base, logMessage: "test")
        _ = try teammate.push(remote: "origin", credentials: noCredentials)

        let before = try pool.tip()
        let error = try #require(throws: PullRejectedError.self) { try pool.pull(remote: "origin", credentials: noCredentials) }
        #expect(error.invalid.map(\.problem) == [.json])
        #expect(error.invalid.first?.path == memory.path)
        #expect(error.invalid.first?.reason.contains("duplicate key \"title\"") == true, "\(error)")
        #expect(try pool.tip() == before)
    }
}
