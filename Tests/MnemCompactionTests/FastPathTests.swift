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
}
