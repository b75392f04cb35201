import Foundation
import MnemCLI
import MnemCore
import MnemGit
import Testing

@Suite("Sync: feedback files travel with the memories")
struct FeedbackSyncTests {
    /// Writes `bytes` at `path` in the pool in one commit, as mnem's own writers do.
    func commitFile(_ bytes: [UInt8], at path: String, in pool: Pool) throws {
        let blob = try pool.repository.writeBlob(bytes)
        let base = try pool.tipTree()
        let tree = try pool.repository.buildTree(base: base, edits: [.upsert(path: path, blob: blob)])
        let author = Signature(name: "T", email: "t@mnem.invalid")
        let parent = try pool.tip()
        let commit = try pool.repository.createCommit(tree: tree, parents: parent.map { [$0] } ?? [], author: author, committer: author, message: "feedback\n")
        try pool.repository.compareAndSwapReference(pool.branch, to: commit, expected: parent, logMessage: "test")
    }

    @Test("a teammate's feedback arrives by pull; forged feedback is refused and changes nothing")
    func feedbackIsValidated() throws {
        let scratch = try Scratch("feedback")
        let remote = try scratch.bareRemote()
        #expect(scratch.mnem(["init", "a", "--from", remote]).status == 0)
        #expect(scratch.mnem(["init", "b", "--from", remote]).status == 0)
        let a = try Pool.open(at: scratch.at("a"))
        let memory = insights("rated", 1)[0]
        _ = try a.add([memory], info: CommitInfo(summary: "one"))
        let feedback = Feedback(memory: memory.id, helped: true, note: "it helped", agent: "claude-code", createdAt: "2026-11-21T00:00:00Z")
        try commitFile(CanonicalJSON.document(feedback.json), at: feedback.path, in: a)
        #expect(scratch.mnem(["--pool", scratch.at("a"), "push"]).status == 0)

        let pull = scratch.mnem(["--pool", scratch.at("b"), "pull", "--json"])
        #expect(pull.status == 0, "\(pull.err)")
        let b = try Pool.open(at: scratch.at("b"))
        #expect(try b.repository.treeEntry(atPath: feedback.path, in: try #require(try b.tipTree())) != nil)

        // A feedback file whose name does not match its content is refused, like a memory's.
        var forged = feedback
        forged.helped = false
        try commitFile(CanonicalJSON.document(forged.json), at: feedback.path.replacingOccurrences(of: feedback.id, with: String(repeating: "a", count: 40)), in: a)
        #expect(scratch.mnem(["--pool", scratch.at("a"), "push"]).status == 0)
        let before = try b.tip()
        let refused = scratch.mnem(["--pool", scratch.at("b"), "pull", "--json"])
        #expect(refused.status != 0)
        #expect(refused.out.contains("does not match the file name") || refused.err.contains("does not match the file name"), "\(refused.out)\(refused.err)")
        #expect(try b.tip() == before)
    }
}
