import Foundation
import MnemCore
import Testing

@testable import MnemCompaction

/// The byte-level fast paths the compactor takes on hot loops give the answers of the general code.
@Suite struct FastPathTests {
    @Test("an ASCII file extension is found as the Character-based code finds it")
    func fileExtensionAgreesWithTheGeneralCode() {
        var samples = [
            "a.py", "src/mod.PY", ".bashrc", "dir/", "dir//", "/", "", "a.", "a.b1", "a.123", "a.tar.gz", "a.toolongextension",
            "dir.d/file", "dir.d/file.Rs/", "x/.hidden", "x/y.z/", "a..b", "./run.sh", "../x.c", "a b.txt", "a.p-y", "é/a.py", "a.pé",
            "naïve.txt", "a.\r\nb", "ﬁle.md", "a/b\u{301}.py", "dir/a.x\u{301}",
        ]
        // And many short random strings over the characters that matter.
        var rng = SplitMix64(seed: 7)
        let alphabet = Array("ab.Z/9-_ é")
        for _ in 0..<5_000 {
            samples.append(String((0..<Int(rng.next() % 9)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }))
        }
        for text in samples {
            #expect(Abstraction.fileExtension(text) == Abstraction.anyFileExtension(text), "\(text.debugDescription)")
            if let fast = Abstraction.asciiFileExtension(text.utf8) {
                #expect(fast == Abstraction.anyFileExtension(text), "\(text.debugDescription)")
            }
        }
        #expect(Abstraction.asciiFileExtension("src/mod.PY".utf8) == .some("py"), "the fast path answers ASCII text itself")
        #expect(Abstraction.asciiFileExtension("naïve.txt".utf8) == nil, "and leaves the rest to the general code")
    }

    @Test("a tally's dense set counts and lists what a Set would")
    func denseSetAgreesWithSet() {
        var rng = SplitMix64(seed: 11)
        var dense = DenseSet()
        var reference = Set<Int>()
        for _ in 0..<3_000 {
            let value = Int(rng.next() % 700)
            dense.insert(value)
            reference.insert(value)
            #expect(dense.count == reference.count)
        }
        #expect(Array(dense) == reference.sorted())
        #expect((0..<800).allSatisfy { dense.contains($0) == reference.contains($0) })
        #expect(!dense.contains(-1))
    }

    /// The sentence splitting as it was written over Unicode scalars, for comparison.
    static func scalarSentences(_ text: String, limit: Int = 300) -> [String] {
        var out: [String] = []
        var inFence = false
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmedASCII
            if line.hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if inFence || line.isEmpty || line.hasPrefix("|") { continue }
            let cleaned = line.drop(while: { "#*->• ".contains($0) })
            var current = ""
            var length = 0
            var ended = false
            for scalar in cleaned.unicodeScalars where scalar != "*" {
                if ended, scalar == " ", length > 20 {
                    out.append(current.trimmedASCII)
                    current = ""
                    length = 0
                }
                ended = scalar == "." || scalar == "!" || scalar == "?"
                current.unicodeScalars.append(scalar)
                length += 1
            }
            let rest = current.trimmedASCII
            if rest.count > 20 { out.append(rest) }
        }
        return out.map { $0.count > limit ? String($0.prefix(limit - 1)) + "…" : $0 }
    }

    @Test("sentences are cut over bytes where they were cut over scalars")
    func sentencesAgreeWithTheScalarCode() {
        var rng = SplitMix64(seed: 3)
        let pieces = ["The root cause is here.", " ", "é", "日本語の文", "**bold**", ". ", "! ", "? ", "x", "\n", "```", "- ", "# ", "👍🏽", "e\u{301}", "xterm.js", "|"]
        var texts = ["", "Short. Tiny.", "A sentence that is long enough to count. And another one that is long enough too!"]
        for _ in 0..<2_000 {
            texts.append((0..<Int(rng.next() % 40)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
        }
        for text in texts {
            #expect(Narrative.sentences(text) == Self.scalarSentences(text), "\(text.debugDescription)")
            #expect(Narrative.sentences(text, limit: 25) == Self.scalarSentences(text, limit: 25), "\(text.debugDescription)")
        }
    }

    @Test("a program's name is found as before for paths, versions and plain names")
    func programNames() {
        let cases = [
            ("python3", "python"), ("/usr/bin/python3.11", "python"), ("pip3", "pip"), ("node18", "node"), ("ruby", "ruby"), ("perl5.36", "perl"),
            ("php8", "php"), ("py.test", "pytest"), ("./bin/py.test", "pytest"), ("pytest", "pytest"), ("npm", "npm"), ("rg", "rg"),
            ("python-config", "python-config"), ("/", "/"), ("", ""), ("nodejs", "nodejs"), ("./run.sh", "run.sh"), ("pipx", "pipx"),
        ]
        for (word, name) in cases { #expect(ShellCommand.programName(word) == name, "\(word)") }
    }
}
