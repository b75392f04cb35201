import Foundation
import Testing

@testable import MnemCapture

/// Prints the capture benchmark (a test never asserts a time). Run with `MNEM_BENCH=1`,
/// ideally in release: `swift test -c release -Xswiftc -enable-testing --filter CaptureBenchmarkTests`.
@Suite(.disabled(if: !Corpus.isAvailable, "the shared corpus is not at ../shared/corpus: benchmark skipped"))
struct CaptureBenchmarkTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MNEM_BENCH"] != nil)) func benchmark() throws {
        print(try CaptureBenchmark.run(corpus: Corpus.root))
    }
}
