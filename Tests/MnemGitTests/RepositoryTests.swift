import Foundation
import MnemTestSupport
import Testing

@testable import MnemGit

@Suite("libgit2 wrapper")
struct RepositoryTests {
    let dir = TemporaryDirectory("git")
    let signature = Signature(name: "Tester", email: "t@mnem.invalid", time: Date(timeIntervalSince1970: 1_700_000_000))

    @Test("trees are built from an old tree plus edits, without a work tree")
    func buildTree() throws {
        let repo = try Repository.create(at: dir.file("r.git"), bare: true)
        let a = try repo.writeBlob(Array("a\n".utf8))
        let b = try repo.writeBlob(Array("b\n".utf8))
        let first = try repo.buildTree(base: nil, edits: [.upsert(path: "x/y/a.txt", blob: a), .upsert(path: "x/b.txt", blob: b), .upsert(path: "top", blob: a)])
        let second = try repo.buildTree(base: first, edits: [.remove(path: "x/y/a.txt"), .upsert(path: "z/c.txt", blob: b)])
        var paths: [String] = []
        try repo.walkBlobs(second) { path, _ in paths.append(path) }
        #expect(paths == ["top", "x/b.txt", "z/c.txt"])
        #expect(try repo.treeEntry(atPath: "x/y", in: second) == nil, "an emptied directory disappears")
        #expect(try repo.treeEntry(atPath: "x/y/a.txt", in: first)?.id == a)
        let deltas = try repo.diffTrees(first, second)
        #expect(Set(deltas.map(\.path)) == ["x/y/a.txt", "z/c.txt"])
        #expect(deltas.first { $0.path == "x/y/a.txt" }?.status == .deleted)
        #expect(throws: GitError.self) { try repo.buildTree(base: nil, edits: [.upsert(path: "../evil", blob: a)]) }
    }

    @Test("compare-and-swap moves a reference only from the expected value")
    func compareAndSwap() throws {
        let repo = try Repository.create(at: dir.file("cas.git"), bare: true)
        let tree = try repo.emptyTree()
        let c1 = try repo.createCommit(tree: tree, parents: [], author: signature, committer: signature, message: "one\n")
        let c2 = try repo.createCommit(tree: tree, parents: [c1], author: signature, committer: signature, message: "two\n")
        try repo.compareAndSwapReference("refs/heads/main", to: c1, expected: nil, logMessage: "create")
        do {
            try repo.compareAndSwapReference("refs/heads/main", to: c2, expected: nil, logMessage: "create again")
            Issue.record("creating an existing reference must fail")
        } catch {
            #expect(error.isModified)
        }
        do {
            try repo.compareAndSwapReference("refs/heads/main", to: c2, expected: c2, logMessage: "wrong expectation")
            Issue.record("a stale expectation must fail")
        } catch {
            #expect(error.isModified)
            #expect(error.subject == "refs/heads/main")
        }
        try repo.compareAndSwapReference("refs/heads/main", to: c2, expected: c1, logMessage: "advance")
        #expect(try repo.resolveReference("refs/heads/main") == c2)
        #expect(try repo.history(from: c2) == [c2, c1])
        let commit = try repo.commit(c2)
        #expect(commit.parents == [c1] && commit.message == "two\n" && commit.author.name == "Tester")
        #expect(try repo.isAncestor(c1, of: c2))
        #expect(try repo.mergeBase(c1, c2) == c1)
    }

    @Test("errors carry code, class, message, operation and subject")
    func errors() throws {
        do {
            _ = try Repository.open(at: dir.file("missing"))
            Issue.record("opening a missing repository must fail")
        } catch {
            #expect(error.code < 0)
            #expect(error.operation == "git_repository_open_ext")
            #expect(error.subject == dir.file("missing"))
            #expect(!error.message.isEmpty)
        }
        let repo = try Repository.create(at: dir.file("e.git"), bare: true)
        let missing = try #require(ObjectID(hex: String(repeating: "ab", count: 20)))
        do {
            _ = try repo.readBlob(missing)
            Issue.record("reading a missing blob must fail")
        } catch {
            #expect(error.isNotFound)
            #expect(error.subject == missing.hex)
        }
        #expect(try repo.resolveReference("refs/heads/nope") == nil)
    }

    @Test("a repository with a work tree checks out from a baseline")
    func checkout() throws {
        let path = dir.file("wt")
        let repo = try Repository.create(at: path, bare: false)
        #expect(!repo.isBare)
        let blob = try repo.writeBlob(Array("hello\n".utf8))
        let t1 = try repo.buildTree(base: nil, edits: [.upsert(path: "d/f.txt", blob: blob)])
        try repo.checkout(tree: t1, baseline: nil)
        #expect(FileManager.default.contents(atPath: path + "/d/f.txt") == Data("hello\n".utf8))
        let t2 = try repo.buildTree(base: t1, edits: [.remove(path: "d/f.txt")])
        try repo.checkout(tree: t2, baseline: t1)
        #expect(!FileManager.default.fileExists(atPath: path + "/d/f.txt"))
    }
}
