import Foundation
import MnemCore
import Testing

@testable import MnemCapture

/// Transcripts are written by agents mnem does not control, and JSON readers such as
/// JavaScript's and Python's keep the last of two equal keys; refusing the whole session for it
/// would lose it. What capture writes is canonical, so nothing ambiguous reaches the pool.
@Suite("Capture: duplicate keys in transcripts")
struct DuplicateKeyCaptureTests {
    @Test func everyFormatReadsAsIfTheKeyWereOnce() throws {
        let dir = try TemporaryDirectory()
        let samples = FormatSamples.all(task: "Fix the failing date test", command: "pytest -k date", output: "1 failed\nassert 1 == 2")
        var compared = 0
        for sample in samples where sample.format != .aider {
            // Every object gets a key named twice, with a value the reader ignores.
            let doubled = sample.contents.replacingOccurrences(of: "{\"", with: "{\"mnemDup\":1,\"mnemDup\":2,\"")
            #expect(doubled != sample.contents)
            let original = try dir.file("a/" + sample.name, sample.contents)
            let withDuplicates = try dir.file("b/" + sample.name, doubled)
            let read = { (path: String) throws -> (CaptureSummary, [Memory]) in
                var summary = CaptureSummary()
                var built: [(memory: Memory, file: String, format: TranscriptFormat)] = []
                Capturer(pool: nil, options: CaptureOptions(dryRun: true)).read(path, into: &summary, built: &built)
                return (summary, built.map(\.memory))
            }
            let (plainSummary, plain) = try read(original)
            let (doubledSummary, twice) = try read(withDuplicates)
            #expect(doubledSummary.corruptLineCount == 0, "\(sample.name): \(doubledSummary.warnings.map(\.description))")
            #expect(doubledSummary.skipped.isEmpty, "\(sample.name): \(doubledSummary.skipped.map(\.reason))")
            #expect(twice.count == plain.count && !plain.isEmpty, "\(sample.name)")
            for (a, b) in zip(plain, twice) {
                #expect(a.task == b.task, "\(sample.name)")
                #expect(a.body == b.body, "\(sample.name)")
            }
            _ = plainSummary
            compared += 1
        }
        #expect(compared == samples.count - 1)
    }
}
