import Foundation
import Synchronization
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

    @Test("of many writers creating a reference at once, exactly one succeeds and the rest see it moved")
    func creatingRaceHasOneWinner() throws {
        let path = dir.file("race.git")
        let repo = try Repository.create(at: path, bare: true)
        let tree = try repo.emptyTree()
        let commits = try (0..<8).map { n in
            try repo.createCommit(tree: tree, parents: [], author: signature, committer: signature, message: "writer \(n)\n")
        }
        let rounds = 400
        let wins = Mutex([Int](repeating: 0, count: rounds))
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            do {
                let handle = try Repository.open(at: path)
                for round in 0..<rounds {
                    let attempt = Result { () throws(GitError) in
                        try handle.compareAndSwapReference("refs/heads/r\(round)", to: commits[writer], expected: nil, logMessage: "create")
                    }
                    switch attempt {
                    case .success: wins.withLock { $0[round] += 1 }
                    case .failure(let error) where error.isModified || error.isLocked: continue
                    case .failure(let error): failures.withLock { $0.append("\(error)") }
                    }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        let counts = wins.withLock { $0 }
        #expect(counts.allSatisfy { $0 == 1 }, "rounds with other than one winner: \(counts.enumerated().filter { $0.element != 1 }.map(\.offset))")
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

    @Test("a pack written in batches holds each object once, git verifies it, and it is seen only once finished")
    func streamingPack() throws {
        let repo = try Repository.create(at: dir.file("s.git"), bare: true)
        // Object k is made from k alone; the batches share some.
        let batches = (0..<3).map { b in (0..<100).map { n in (b * 60 + n) % 220 }.map { k in Array("batch object \(k)\n".utf8) + [UInt8](repeating: UInt8(k % 251), count: k * 13) } }
        let pack = try StreamingPack(repository: repo)
        var ids: [ObjectID] = []
        for batch in batches {
            let packed = try Repository.packedBlobs(batch)
            try pack.append(packed)
            ids += packed.map(\.id)
        }
        let distinct = Set(ids)
        #expect(distinct.count < ids.count, "the batches overlap")
        #expect(pack.count == distinct.count)
        #expect(!repo.hasObject(ids[0]), "nothing is readable before the pack is finished")
        let index = try #require(try pack.finish())
        #expect(try repo.readBlob(ids[0]) == batches[0][0])
        for (blob, id) in zip(batches.flatMap { $0 }, ids) { #expect(Repository.blobID(blob) == id) }
        let verify = try Shell.run("git", ["-C", dir.file("s.git"), "verify-pack", "-v", index])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.components(separatedBy: "\n").filter { $0.contains(" blob ") }.count == distinct.count)
        let packDirectory = dir.file("s.git/objects/pack")
        #expect(try FileManager.default.contentsOfDirectory(atPath: packDirectory).filter { $0.hasPrefix("tmp_") }.isEmpty)

        // A pack given nothing, and one dropped unfinished, leave nothing behind.
        #expect(try StreamingPack(repository: repo).finish() == nil)
        do {
            let dropped = try StreamingPack(repository: repo)
            try dropped.append(try Repository.packedBlobs([Array("never finished\n".utf8)]))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: packDirectory).filter { $0.hasPrefix("tmp_") }.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: packDirectory).filter { $0.hasSuffix(".pack") }.count == 1)
    }

    @Test("the trees of many new directories, written ahead as a pack, are the trees git write-tree makes")
    func freshDirectoriesMatchGit() throws {
        let path = dir.file("t.git")
        let repo = try Repository.create(at: path, bare: true)
        let blobs = try (0..<5).map { try repo.writeBlob(Array("content \($0)\n".utf8)) }
        let base = try repo.buildTree(base: nil, edits: [
            .upsert(path: "memories/trajectory/00/a.json", blob: blobs[0]), .upsert(path: "memories/trajectory/01/b.json", blob: blobs[1]),
            .upsert(path: "README", blob: blobs[2]),
        ])
        // 100 new directories (past the threshold), names that sort differently as directories
        // ("a" sorts as "a/", after "a-b" and "a.b"), an executable, edits to an existing
        // directory and a removal.
        var edits: [TreeEdit] = []
        for n in 0..<100 {
            let shard = String(format: "%02x", n)
            edits.append(.upsert(path: "memories/workflow/\(shard)/\(n).json", blob: blobs[n % 5]))
            if n % 7 == 0 { edits.append(.upsert(path: "memories/workflow/\(shard)/x.json", blob: blobs[(n + 1) % 5])) }
        }
        for name in ["a", "a.b", "a-b", "a0"] { edits.append(.upsert(path: "new/\(name)/f", blob: blobs[3])) }
        edits.append(.upsert(path: "new/a.b.sh", blob: blobs[4], mode: .executable))
        edits.append(.upsert(path: "new/a-c", blob: blobs[4]))
        edits.append(.upsert(path: "memories/trajectory/00/c.json", blob: blobs[2]))
        edits.append(.remove(path: "memories/trajectory/01/b.json"))
        edits.append(.remove(path: "new/never-there"))
        let tree = try repo.buildTree(base: base, edits: edits)

        // The same edits through git's own index.
        let index = dir.file("t.index")
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_INDEX_FILE"] = index
        #expect(try Shell.run("git", ["-C", path, "read-tree", base.hex], environment: environment).status == 0)
        let lines = edits.map { edit -> String in
            switch edit {
            case .upsert(let path, let blob, let mode): "\(String(mode.rawValue, radix: 8)) \(blob.hex)\t\(path)"
            case .remove(let path): "0 \(String(repeating: "0", count: 40))\t\(path)"
            }
        }
        let update = try Shell.run("git", ["-C", path, "update-index", "--index-info"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8), environment: environment)
        #expect(update.status == 0, "\(update.stderr)")
        let written = try Shell.run("git", ["-C", path, "write-tree"], environment: environment)
        #expect(written.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == tree.hex)
        let packs = try FileManager.default.contentsOfDirectory(atPath: path + "/objects/pack").filter { $0.hasSuffix(".pack") }
        #expect(packs.count == 1, "the new directories' trees went into one pack")
        let sig = Signature(name: "T", email: "t@mnem.invalid")
        let commit = try repo.createCommit(tree: tree, parents: [], author: sig, committer: sig, message: "m\n")
        try repo.compareAndSwapReference("refs/heads/main", to: commit, expected: nil, logMessage: "test")
        let fsck = try Shell.run("git", ["-C", path, "fsck", "--strict"])
        #expect(fsck.status == 0, "\(fsck.stderr)")
    }

    @Test("SHA-1 with the SHA extensions gives the portable rounds' digests, at every length and split")
    func sha1HardwareMatchesPortable() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 128, 1_000, 4_097] + (0..<40).map({ _ in Int.random(in: 0..<3_000, using: &rng) }) {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var fast = SHA1()
            var portable = SHA1(portable: true)
            // Fed in two uneven pieces, so a block straddles the calls.
            let cut = length == 0 ? 0 : Int.random(in: 0...length, using: &rng)
            fast.update(Array(bytes[..<cut]))
            fast.update(Array(bytes[cut...]))
            portable.update(bytes)
            #expect(fast.finalize() == portable.finalize(), "length \(length), cut \(cut)")
        }
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
