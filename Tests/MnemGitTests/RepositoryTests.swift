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

    @Test("the tree diff agrees with git diff-tree, names that sort around '/' and type changes included")
    func treeDiffMatchesGit() throws {
        let repo = try Repository.create(at: dir.file("diff.git"), bare: true)
        // Names chosen so plain byte order and git's order (a directory sorts as "name/") differ:
        // '.' and '-' sort before '/', '0' after it.
        let names = ["a", "a.b", "a-b", "a0", "ab", "b"]
        let blobs = try (0..<4).map { try repo.writeBlob(Array("content \($0)\n".utf8)) }
        var rng = SystemRandomNumberGenerator()
        func randomTree() throws -> ObjectID {
            var edits: [TreeEdit] = []
            var used = Set<String>()
            for top in names where Bool.random(using: &rng) {
                if Bool.random(using: &rng) {
                    edits.append(.upsert(path: top, blob: blobs.randomElement(using: &rng) ?? blobs[0]))
                    used.insert(top)
                } else {
                    for inner in names where Int.random(in: 0..<3, using: &rng) == 0 {
                        edits.append(.upsert(path: top + "/" + inner, blob: blobs.randomElement(using: &rng) ?? blobs[0]))
                    }
                }
            }
            return try repo.buildTree(base: nil, edits: edits)
        }
        for _ in 0..<60 {
            let old = try randomTree()
            let new = try randomTree()
            let ours = Set(try repo.diffTrees(old, new).map { "\($0.oldID.hex) \($0.newID.hex) \($0.path)" })
            let output = try Shell.git(["--git-dir", dir.file("diff.git"), "diff-tree", "-r", "--no-renames", "--raw", "--abbrev=40", old.hex, new.hex])
            let theirs = Set(output.split(separator: "\n").compactMap { line -> String? in
                // ":100644 100644 <old> <new> M\t<path>"
                let parts = line.split(separator: "\t", maxSplits: 1)
                let fields = parts.first?.split(separator: " ") ?? []
                guard parts.count == 2, fields.count == 5 else { return nil }
                return "\(fields[2]) \(fields[3]) \(parts[1])"
            })
            #expect(ours == theirs, "diff \(old.hex) → \(new.hex)")
        }
    }

    @Test("a diff spread over worker threads lists the same deltas in the same order")
    func parallelTreeDiff() throws {
        let repo = try Repository.create(at: dir.file("pdiff.git"), bare: true)
        let blobs = try (0..<3).map { try repo.writeBlob(Array("v\($0)\n".utf8)) }
        var rng = SystemRandomNumberGenerator()
        func randomTree() throws -> ObjectID {
            var edits: [TreeEdit] = []
            for a in ["m", "n"] {
                for b in ["k1", "k2", "k3"] {
                    for c in (0..<12).map({ String(format: "%02x", $0) }) where Int.random(in: 0..<4, using: &rng) > 0 {
                        for d in ["x.json", "y.json", "z"] where Bool.random(using: &rng) {
                            edits.append(.upsert(path: "\(a)/\(b)/\(c)/\(d)", blob: blobs.randomElement(using: &rng) ?? blobs[0]))
                        }
                    }
                }
            }
            return try repo.buildTree(base: nil, edits: edits)
        }
        for _ in 0..<10 {
            let old = try randomTree()
            let new = try randomTree()
            let serial = try repo.changedFiles(old, new)
            #expect(!serial.isEmpty)
            for workers in [2, 3, 8] {
                #expect(try repo.changedFiles(old, new, workers: workers) == serial)
            }
            #expect(try repo.changedFiles(nil, new, workers: 2) == repo.changedFiles(nil, new))
            #expect(throws: GitError.self) { try repo.changedFiles(old, new, maxDeltas: serial.count - 1, workers: 2) }
        }
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

@Suite("Pack writing")
struct PackTests {
    let dir = TemporaryDirectory("pack")

    @Test("a large batch becomes one pack whose ids match libgit2's, and git fsck accepts it")
    func packedBlobs() throws {
        let repo = try Repository.create(at: dir.file("p.git"), bare: true)
        var blobs = (0..<300).map { n in Array("memory number \(n)\n".utf8) + [UInt8](repeating: UInt8(n % 251), count: n * 7) }
        blobs.append(blobs[5])  // a duplicate in the batch
        let ids = try repo.writeBlobs(blobs)
        #expect(ids.count == blobs.count)
        #expect(ids[300] == ids[5])
        let other = try Repository.create(at: dir.file("loose.git"), bare: true)
        for (blob, id) in zip(blobs, ids) {
            #expect(try other.writeBlob(blob) == id, "the id libgit2 computes for a loose object")
            #expect(try repo.readBlob(id) == blob)
        }
        let tree = try repo.buildTree(base: nil, edits: ids.enumerated().map { .upsert(path: "b/\($0.offset)", blob: $0.element) })
        let sig = Signature(name: "T", email: "t@mnem.invalid")
        let commit = try repo.createCommit(tree: tree, parents: [], author: sig, committer: sig, message: "m\n")
        try repo.compareAndSwapReference("refs/heads/main", to: commit, expected: nil, logMessage: "test")
        let fsck = try Shell.run("git", ["-C", dir.file("p.git"), "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
        let packs = try FileManager.default.contentsOfDirectory(atPath: dir.file("p.git/objects/pack")).filter { $0.hasSuffix(".pack") }
        #expect(packs.count == 1)
    }

    @Test("SHA-1 of blobs matches git's ids")
    func sha1() {
        #expect(Repository.blobID([]).hex == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")
        #expect(Repository.blobID(Array("hello\n".utf8)).hex == "ce013625030ba8dba906f756967f9e9ca394464a")
        #expect(Repository.blobID([UInt8](repeating: 0x61, count: 1000)).hex == "a50be72b20f0e3f078d252e8e56b11b4bec67509")
    }
}

@Suite("Deferred CA certificates")
struct CertificateTests {
    @Test("libgit2's CA bundle parse is deferred at init and carried out on demand")
    func deferredUntilNeeded() throws {
        let dir = TemporaryDirectory("tls")
        _ = try Repository.create(at: dir.file("r.git"), bare: true)
        // Another test's transfer may already have loaded them; either way loading must succeed
        // and leave nothing pending.
        let loaded = loadDeferredCertificates()
        if FileManager.default.fileExists(atPath: "/etc/ssl/certs/ca-certificates.crt") {
            #expect(loaded == 0)
            #expect(loadDeferredCertificates() == 0, "loading twice is harmless")
        }
        #expect(!certificatesPending)
        #expect(!tlsSeedPending, "the TLS random generator is seeded with the certificates")
    }

    @Test("libssh2's initialization is deferred at init and carried out on demand")
    func sshDeferredUntilNeeded() throws {
        let dir = TemporaryDirectory("ssh")
        _ = try Repository.create(at: dir.file("r.git"), bare: true)
        // libgit2's calls reach the deferring definitions, not libssh2's and mbedtls' own...
        #expect(startupDeferralInterposed)
        // ...and initializing on demand succeeds (another test's transfer may have done it already).
        #expect(initializeDeferredSSH() == 0)
        #expect(!sshInitializationPending)
        #expect(initializeDeferredSSH() == 0, "initializing twice is harmless")
    }
}
