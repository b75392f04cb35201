import Foundation
import MnemTestSupport
import Testing

@testable import MnemGit

/// The checks a remote's objects pass before a pull takes them: names, raw commits and trees
/// as `git fsck --strict` reads them, and packs as they arrive.
@Suite("Incoming objects")
struct IncomingCheckTests {
    static let refusedNames = [
        "", ".", "..", "a/b", "a\\b", "a\u{1}b", "tab\tname",
        ".git", ".GIT", ".Git", ".git.", ".git ", ".git. . ", ".git::$INDEX_ALLOCATION", ".git:stream",
        "git~1", "GIT~1", "Git~1.", "git~1 ",
        ".g\u{200C}it", "\u{FEFF}.git", ".gi\u{200D}t", ".G\u{202E}IT",
        ".gitmodules", ".GITMODULES", ".gitmodules.", ".gitmodules::$DATA", "gitmod~1", "GITMOD~4", "gi7eba~1", "gi7eba~9",
        ".gitmodul\u{200C}es",
    ]
    static let acceptedNames = [
        ".gitignore", ".gitattributes", ".github", ".gitkeep", ".git-blame-ignore-revs", "git", "gitx", ".gitx", "x.git", "git~2",
        "gitmod~5", "README.md", "memories", "ab", "0123456789abcdef0123456789abcdef01234567.json", "naïve", "日本語",
    ]

    @Test(arguments: refusedNames)
    func namesACheckoutCouldTurnIntoDotGitAreRefused(name: String) {
        #expect(TreeEntryNames.problem(name) != nil, "\(name.debugDescription) was accepted")
    }

    @Test(arguments: acceptedNames)
    func ordinaryNamesAreAccepted(name: String) {
        #expect(TreeEntryNames.problem(name) == nil, "\(name.debugDescription): \(TreeEntryNames.problem(name) ?? "")")
    }

    /// The names mnem refuses are the ones `git fsck --strict` refuses, the same trees both ways,
    /// except where mnem is stricter on purpose: control characters, backslashes, and
    /// `.gitmodules` (git checks its content; mnem has no submodules).
    @Test func theNameRulesAgreeWithGitFsck() throws {
        let dir = TemporaryDirectory("names")
        for (n, name) in (Self.refusedNames + Self.acceptedNames).enumerated() where !name.isEmpty && !name.contains("/") && name != "." && name != ".." {
            let repo = dir.file("r\(n).git")
            try Shell.git(["init", "-q", "--bare", repo])
            let blob = try Shell.git(["-C", repo, "hash-object", "-w", "--stdin"], stdin: Data("x\n".utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
            var tree = Data("100644 \(name)".utf8) + [0]
            var index = blob.startIndex
            while index < blob.endIndex {
                let next = blob.index(index, offsetBy: 2)
                tree.append(UInt8(blob[index..<next], radix: 16) ?? 0)
                index = next
            }
            try Shell.git(["-C", repo, "hash-object", "-t", "tree", "--literally", "-w", "--stdin"], stdin: tree)
            let gitRefuses = try Shell.run("git", ["-C", repo, "fsck", "--strict", "--no-dangling"]).status != 0
            let weRefuse = (try? tree.withUnsafeBytes { RawObjectCheck.parseTree($0) }.get())?.problems.isEmpty != true
            let stricter = name.utf8.contains { $0 < 0x20 || $0 == 0x5C } || name.withCString { pointer in
                TreeEntryNames.isDotGitModules(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
            }
            if gitRefuses { #expect(weRefuse, "git fsck refuses \(name.debugDescription), mnem does not") }
            if weRefuse && !stricter { #expect(gitRefuses, "mnem refuses \(name.debugDescription), git fsck does not") }
        }
    }

    static let goodHeader = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A U Thor <a@x> 1700000000 +0100\ncommitter C <c@x> 1700000000 -0030\n"

    @Test(arguments: [
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1700000000 +00\ncommitter A <a@x> 1 +0000\n\nm\n", "time zone"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 01700000000 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "zero-padded"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "bad name"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A<a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "missing space"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter A <a@x> 1 +0000\n\nm\n", "no author"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\nauthor B <b@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "more than one"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\n\nm\n", "no committer"),
        ("tree 4b825dc6\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "tree line"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nparent 123\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "parent"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 99999999999999999999 +0000\ncommitter A <a@x> 1 +0000\n\nm\n", "overflow"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000", "unterminated"),
        ("tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nnul\u{0} in it\n", "NUL"),
    ])
    func malformedCommitsAreRefusedAsGitFsckDoes(commit: String, reason: String) {
        let result = Data(commit.utf8).withUnsafeBytes { RawObjectCheck.parseCommit($0) }
        guard case .failure(let problem) = result else {
            Issue.record("accepted: \(commit.debugDescription)")
            return
        }
        #expect(problem.reason.contains(reason), "\(problem.reason)")
    }

    @Test func aWellFormedCommitParses() throws {
        let parent = "0123456789abcdef0123456789abcdef01234567"
        let text = Self.goodHeader.replacingOccurrences(of: "\nauthor", with: "\nparent \(parent)\nauthor") + "gpgsig x\n\nmessage\n"
        let parsed = try Data(text.utf8).withUnsafeBytes { RawObjectCheck.parseCommit($0) }.get()
        #expect(parsed.parents.map(\.hex) == [parent])
        #expect(parsed.tree.hex == "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        #expect(String(decoding: Data(text.utf8)[parsed.messageStart...], as: UTF8.self) == "message\n")
    }

    // MARK: - Packs as they arrive

    /// A zlib stream of `bytes` in stored (uncompressed) blocks: enough for a hand-made pack.
    static func zlibStored(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var rest = bytes[...]
        repeat {
            let block = rest.prefix(65535)
            rest = rest.dropFirst(block.count)
            let length = UInt16(block.count)
            out += [rest.isEmpty ? 1 : 0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += block
        } while !rest.isEmpty
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        let adler = b << 16 | a
        return out + [UInt8(adler >> 24), UInt8(adler >> 16 & 0xFF), UInt8(adler >> 8 & 0xFF), UInt8(adler & 0xFF)]
    }

    static func varint(_ value: Int) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            out.append(byte)
        } while value > 0
        return out
    }

    static func header(count: UInt32) -> [UInt8] {
        Array("PACK".utf8) + [0, 0, 0, 2] + [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }

    static func objectHeader(type: UInt8, size: Int) -> [UInt8] {
        var out: [UInt8] = []
        PackWriter.appendObjectHeader(type: type, size: size, to: &out)
        return out
    }

    /// A pack of one small blob and one offset delta against it that rebuilds `result` bytes.
    static func deltaPack(result: Int, reference: Bool = false) -> [UInt8] {
        let base = Array("hello\n".utf8)
        var pack = header(count: 2)
        let baseOffset = pack.count
        pack += objectHeader(type: 3, size: base.count) + zlibStored(base)
        // The delta: base size, result size, then one copy of the whole base (cmd 0x90: size byte follows).
        let delta = varint(base.count) + varint(result) + [0x90, UInt8(base.count)]
        let deltaOffset = pack.count
        if reference {
            pack += objectHeader(type: 7, size: delta.count) + [UInt8](repeating: 0xAB, count: 20)
        } else {
            var distance = deltaOffset - baseOffset
            var encoded = [UInt8(distance & 0x7F)]
            distance >>= 7
            while distance > 0 {
                distance -= 1
                encoded.insert(UInt8(0x80 | (distance & 0x7F)), at: 0)
                distance >>= 7
            }
            pack += objectHeader(type: 6, size: delta.count) + encoded
        }
        pack += zlibStored(delta)
        return pack + [UInt8](repeating: 0, count: 20)
    }

    func scan(_ pack: [UInt8], chunk: Int, limits: HistoryLimits = HistoryLimits()) throws {
        let scanner = PackStreamScanner(limits: limits, maxObjects: 1000)
        var start = 0
        while start < pack.count {
            let end = min(pack.count, start + chunk)
            let piece = Array(pack[start..<end])
            try piece.withUnsafeBytes { raw in try scanner.feed(raw) }
            start = end
        }
        try scanner.finish()
    }

    @Test(arguments: [1, 7, 4096])
    func aDeltaThatRebuildsAnOversizeBlobIsRefusedFromItsHeader(chunk: Int) throws {
        #expect(throws: Never.self) { try scan(Self.deltaPack(result: 6), chunk: chunk) }
        let violation = try #require(throws: PackStreamScanner.Violation.self) { try scan(Self.deltaPack(result: 1 << 30), chunk: chunk) }
        #expect(violation.kind == "size" && violation.reason.contains("blob of 1073741824"), "\(violation)")
        // Against a base the pack does not hold, the largest kind's limit applies.
        #expect(throws: PackStreamScanner.Violation.self) { try scan(Self.deltaPack(result: 9 << 20, reference: true), chunk: chunk) }
    }

    @Test func anOversizeObjectOrCountIsRefusedBeforeItsData() throws {
        let bomb = Self.header(count: 1) + Self.objectHeader(type: 3, size: 1 << 30)
        let violation = try #require(throws: PackStreamScanner.Violation.self) { try scan(bomb, chunk: 3) }
        #expect(violation.reason.contains("blob of 1073741824"))
        let count = try #require(throws: PackStreamScanner.Violation.self) { try scan(Self.header(count: 0xFFFF_FFFF), chunk: 5) }
        #expect(count.kind == "history")
        let commit = Self.header(count: 1) + Self.objectHeader(type: 1, size: 1 << 20)
        #expect(throws: PackStreamScanner.Violation.self) { try scan(commit, chunk: 64) }
        var small = HistoryLimits()
        small.maxPackBytes = 30
        #expect(throws: PackStreamScanner.Violation.self) { try scan(Self.deltaPack(result: 6), chunk: 8, limits: small) }
    }

    /// Every pack git itself makes, with deltas, passes the scanner in any chunking.
    @Test func packsGitMakesPass() throws {
        let dir = TemporaryDirectory("packs")
        let repo = dir.file("r")
        try Shell.git(["init", "-q", repo])
        var text = ""
        for round in 0..<20 {
            text += (0..<200).map { "line \($0) of round \(round)\n" }.joined()
            try text.write(toFile: repo + "/file.txt", atomically: true, encoding: .utf8)
            try Shell.git(["-C", repo, "add", "file.txt"])
            try Shell.git(["-C", repo, "commit", "-q", "-m", "round \(round)"])
        }
        for thin in [false, true] {
            let arguments = ["-C", repo, "pack-objects", "--stdout", "--revs", "-q"] + (thin ? ["--thin"] : [])
            let result = try Shell.run("/bin/sh", ["-c", "{ echo HEAD; \(thin ? "echo ^HEAD~5;" : "") } | git " + arguments.map { "'\($0)'" }.joined(separator: " ") + " | base64 -w0"])
            let pack = try #require(Data(base64Encoded: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(pack.count > 100)
            for chunk in [1, 13, 65536] {
                #expect(throws: Never.self) { try scan([UInt8](pack), chunk: chunk) }
            }
        }
    }
}
