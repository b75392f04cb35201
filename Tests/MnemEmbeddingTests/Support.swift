import Foundation
import Testing
@testable import MnemEmbedding

/// Fixture files and the checkout's model, found from this file's path (no resource bundles).
enum Support {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// The model in the source checkout, opened once for all tests.
    static let model: Result<StaticEmbedder, Error> = Result {
        try StaticEmbedder(locator: ModelLocator(environment: [:], executableDirectory: nil))
    }

    static func staticEmbedder() throws -> StaticEmbedder {
        try model.get()
    }

    /// A fresh temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-embedding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }
}
