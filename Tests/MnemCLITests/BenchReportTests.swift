import Foundation
import MnemTestSupport
import Testing

/// The benchmarks live on the CLI side; a test asserts what a report holds, never a time.
@Suite("bench reports")
struct BenchReportTests {
    let dir = TemporaryDirectory("bench")

    @Test("bench embed names both embedders, the tokens per text and their ratio")
    func embed() {
        let result = CLI(dir).run(["bench", "embed", "--count", "300"])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stdout.contains("300 short texts"))
        #expect(result.stdout.contains("hash:256") && result.stdout.contains("static:"))
        #expect(result.stdout.contains("tokens/text") && result.stdout.contains("ratio static / hash"))
    }
}
