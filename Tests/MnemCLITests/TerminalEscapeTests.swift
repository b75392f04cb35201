import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCLI

/// What mnem prints comes from memories, commit messages, remotes and file names; none of it
/// may drive the terminal.
@Suite("Terminal output escapes control characters")
struct TerminalEscapeTests {
    /// Retitle the window, clear the screen, an 8-bit CSI, a carriage return that overwrites the
    /// line, a bell, DEL, and a right-to-left override.
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\rfake\u{7F}\u{202E}txt.exe"

    /// Bytes a terminal would obey.
    static func controls(in text: String) -> [String] {
        var found: [String] = []
        let bytes = Array(text.utf8)
        for (i, b) in bytes.enumerated() {
            if b < 0x20 && b != 0x0A && b != 0x09 || b == 0x7F { found.append(String(format: "0x%02X at %d", b, i)) }
            if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) { found.append("C1 at \(i)") }
            if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, (0xAA...0xAE).contains(bytes[i + 2]) { found.append("bidi at \(i)") }
        }
        return found
    }

    @Test(arguments: [
        ("\u{1B}[2J", "\\x1b[2J"), ("bell\u{07}", "bell\\x07"), ("a\rb", "a\\x0db"), ("del\u{7F}", "del\\x7f"), ("\u{9B}31m", "\\u009b31m"),
        ("\u{202E}exe.txt", "\\u202eexe.txt"), ("\u{2066}x\u{2069}", "\\u2066x\\u2069"), ("nul\u{0}", "nul\\x00"),
        ("tab\tand\nnewline", "tab\tand\nnewline"), ("café 日本 🚀 – “quotes”", "café 日本 🚀 – “quotes”"), ("", ""),
    ])
    func escapes(_ input: String, _ expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test("JSON keeps its value and loses its raw controls")
    func json() throws {
        let value: JSONValue = ["task": .string(Self.hostile), "ok": "plain é"]
        let escaped = TerminalText.escapedJSON(CanonicalJSON.document(value))
        #expect(Self.controls(in: String(decoding: escaped, as: UTF8.self)) == [String](), "\(String(decoding: escaped, as: UTF8.self))")
        #expect(try JSONParser.parse(Data(escaped)) == value)
        let plain = CanonicalJSON.document(["a": "b"])
        #expect(TerminalText.escapedJSON(plain) == plain)
    }

    @Test("list, show, search, log and a pull's refusal print no control character")
    func commands() throws {
        let dir = TemporaryDirectory("escape")
        let cli = CLI(dir, environment: ["MNEM_EMBEDDER": "hash"])
        #expect(cli.run(["init", "pool"]).code == 0)
        let memory = Memory(
            body: .insight(Insight(title: "Title \(Self.hostile)", description: "Say \(Self.hostile).", content: "Do \(Self.hostile).")),
            task: "task \(Self.hostile)", domain: "general\(Self.hostile)", outcome: .success,
            source: MemorySource(agent: "agent\(Self.hostile)", sessionId: "session\(Self.hostile)"))
        let pool = try Pool.open(at: dir.file("pool"))
        _ = try pool.add([memory], info: CommitInfo(summary: "summary \(Self.hostile)", author: Signature(name: "name\(Self.hostile)", email: "e@x")))
        for arguments in [["list"], ["show", memory.id.rawValue], ["search", "Title pwned fake txt", "--min-score", "-1"], ["log"], ["log", memory.id.rawValue], ["stats"]] {
            let result = cli.run(["--pool", "pool"] + arguments)
            #expect(result.code == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("\\x1b"), "\(arguments) shows the escape: \(result.stdout)")
            #expect(Self.controls(in: result.stdout + result.stderr) == [], "\(arguments)")
        }

        // A remote whose tree holds a file named with escapes: refused, and the refusal names it safely.
        let remote = dir.file("remote.git")
        try Shell.git(["init", "-q", "--bare", "-b", "main", remote])
        let hostileRepository = try Repository.open(at: remote)
        let blob = try hostileRepository.writeBlob(Array("x".utf8))
        let tree = try hostileRepository.buildTree(base: nil, edits: [.upsert(path: "memories/\u{1B}[2Jname\u{9B}.json", blob: blob)])
        let author = Signature(name: "hostile", email: "h@x")
        let commit = try hostileRepository.createCommit(tree: tree, parents: [], author: author, committer: author, message: "m\n")
        try hostileRepository.setReference("refs/heads/main", to: commit, logMessage: "test")
        #expect(cli.run(["--pool", "pool", "remote", "add", "origin", remote]).code == 0)
        let pull = cli.run(["--pool", "pool", "pull"])
        #expect(pull.code == 1)
        #expect(pull.stderr.contains("memories/\\x1b[2Jname\\u009b.json"), "\(pull.stderr)")
        #expect(Self.controls(in: pull.stdout + pull.stderr) == [])
    }
}
