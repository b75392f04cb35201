import Foundation
import MnemCore
import Testing

@testable import MnemCapture

/// Inputs the fuzz targets (Fuzz/) stopped on, kept as fixtures, and the property they broke.
@Suite("Capture: what fuzzing found")
struct FuzzRegressionTests {
    static let directory = Fixtures.root + "/fuzz"
    static let formats: [String: TranscriptFormat] = [
        "FuzzClaudeCode": .claudeCode, "FuzzCodex": .codex, "FuzzGeminiChat": .geminiChat, "FuzzGeminiStream": .geminiStream,
        "FuzzAider": .aider, "FuzzSWEAgent": .sweAgent, "FuzzMiniSWEAgent": .miniSweAgent, "FuzzOpenHandsEvents": .openHandsEvents,
        "FuzzOpenHandsResolver": .openHandsResolver, "FuzzATIF": .atif,
    ]
    static var inputs: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() }

    /// What the fuzz target checks: every memory capture makes reads back from its own file as a
    /// pull reads it, under the same id, and holds no credential the scanner finds.
    static func checkCapture(_ path: String, format: TranscriptFormat) throws -> [Memory] {
        var options = CaptureOptions(dryRun: true)
        options.format = format
        let memories = try Capturer(pool: nil, options: options).capture(paths: [path]).memories
        for memory in memories {
            let bytes = memory.canonicalBytes()
            let decoded = try Memory(json: try JSONParser.parse(Data(bytes)), idPolicy: .mustMatch)
            #expect(decoded.id == memory.id)
            #expect(memory.secretFindings() == [], "\(path)")
        }
        return memories
    }

    @Test(arguments: inputs)
    func crashInput(_ name: String) throws {
        let target = String(name.prefix { $0 != "-" })
        let format = try #require(Self.formats[target], "\(name) names no target")
        _ = try Self.checkCapture(Self.directory + "/" + name, format: format)
    }

    /// The four inputs above had one cause: times (a step's timestamp, a session's start and
    /// end) went into the memory as the file gave them, never through the redactor.
    @Test func secretsInTimesAreRedacted() throws {
        let dir = try TemporaryDirectory()
        let secret = "Hunter2secret9"
        let timestamp = try Regex(#"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z?"#)
        var planted = 0
        for sample in FormatSamples.all(task: "Fix the date test", command: "pytest -k date", output: "1 failed") {
            let leaky = sample.contents.replacing(timestamp) { match in "\(sample.contents[match.range]) password=\(secret)" }
            guard leaky != sample.contents else { continue }
            planted += 1
            let memories = try Self.checkCapture(try dir.file(sample.name, leaky), format: sample.format)
            #expect(!memories.isEmpty, "\(sample.name)")
            for memory in memories { #expect(!String(decoding: memory.canonicalBytes(), as: UTF8.self).contains(secret), "\(sample.name)") }
        }
        #expect(planted >= 5)
    }
}
