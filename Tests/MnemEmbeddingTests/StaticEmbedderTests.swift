import Foundation
import Testing
@testable import MnemEmbedding

@Suite("Static embedder")
struct StaticEmbedderTests {
    struct Reference: Decodable {
        struct Case: Decodable, CustomTestStringConvertible {
            let text: String
            let vector: [Float]
            var testDescription: String { String(text.prefix(40)).debugDescription }
        }
        let model: String
        let dimension: Int
        let cases: [Case]
    }

    static let reference: Reference? = try? JSONDecoder().decode(Reference.self, from: Support.fixture("vectors_reference.json"))

    @Test("the id names the model and its digest")
    func identity() throws {
        let embedder = try Support.staticEmbedder()
        let reference = try #require(Self.reference)
        #expect(embedder.id == "static:\(reference.model)")
        #expect(embedder.dimension == reference.dimension)
    }

    @Test("vectors match the Python static model within 1e-3", arguments: reference?.cases ?? [])
    func matchesReference(_ reference: Reference.Case) throws {
        let embedder = try Support.staticEmbedder()
        let vector = try #require(try embedder.embed([reference.text]).first)
        #expect(vector.count == reference.vector.count)
        let diff = zip(vector, reference.vector).map { abs($0 - $1) }.max() ?? 0
        #expect(diff <= 1e-3, "max abs diff \(diff)")
    }

    @Test("the fixture has enough cases")
    func fixtureIsThere() {
        #expect((Self.reference?.cases.count ?? 0) >= 30)
    }

    @Test("vectors are unit length, zero for text without tokens, and deterministic")
    func normalizedAndDeterministic() throws {
        let embedder = try Support.staticEmbedder()
        let texts = ["Fix the flaky test", "naïve café", "中文", "x", "", "🚀", "   \t\n"]
        let first = try embedder.embed(texts)
        let second = try embedder.embed(texts.reversed()).reversed()
        #expect(Array(second) == first)
        for (text, vector) in zip(texts, first) {
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if ["", "🚀", "   \t\n"].contains(text) {
                #expect(norm == 0, "\(text.debugDescription)")
            } else {
                #expect(abs(norm - 1) < 1e-5, "\(text.debugDescription)")
            }
        }
    }

    @Test("the buffer API gives the same vector and rejects a wrong size")
    func bufferAPI() throws {
        let embedder = try Support.staticEmbedder()
        let text = "Resolve a merge conflict during rebase"
        var buffer = [Float](repeating: .nan, count: embedder.dimension)
        try buffer.withUnsafeMutableBufferPointer { try embedder.embed(text, into: $0) }
        #expect(try buffer == embedder.embed([text])[0])
        var small = [Float](repeating: 0, count: 3)
        #expect(throws: EmbeddingError.self) {
            try small.withUnsafeMutableBufferPointer { try embedder.embed(text, into: $0) }
        }
    }

    @Test("similar texts are closer than unrelated ones")
    func similarity() throws {
        let embedder = try Support.staticEmbedder()
        let v = try embedder.embed(["docker container keeps restarting", "the docker image exits right after start", "center a div with css flexbox"])
        #expect(Support.cosine(v[0], v[1]) > Support.cosine(v[0], v[2]))
    }

    @Test("concurrent use from many tasks gives the same vectors")
    func concurrentUse() async throws {
        let embedder = try Support.staticEmbedder()
        let texts = (0..<50).map { "memory \($0): validate inputs before writing files" }
        let expected = try embedder.embed(texts)
        try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<4 { group.addTask { try embedder.embed(texts) } }
            for try await result in group { #expect(result == expected) }
        }
    }
}

@Suite("Model file validation")
struct ModelFileValidationTests {
    static func modelBytes() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Support.staticEmbedder().model.path))
    }

    /// Writes `bytes` to a temporary file, opens it, and returns the error it throws.
    static func openError(_ bytes: Data) throws -> EmbeddingError? {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broken.mnemb")
        try bytes.write(to: file)
        do {
            _ = try StaticModelFile(path: file.path)
            return nil
        } catch let error as EmbeddingError {
            if case let .invalidModelFile(path, _) = error { #expect(path == file.path) }
            return error
        }
    }

    static func mutate(_ data: Data, at offset: Int, _ bytes: [UInt8]) -> Data {
        var copy = data
        copy.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        return copy
    }

    enum Damage: String, CaseIterable, CustomTestStringConvertible {
        case empty, headerOnlyHalf, truncatedBody, missingLastByte, extraBytes, badMagic, futureVersion
        case otherElementType, zeroDimension, oddDimension, unknownOutOfRange, hashSlotsNotPowerOfTwo
        case offsetsPastEnd, hashEntryOutOfRange, decreasingOffsets, garbage
        var testDescription: String { rawValue }
    }

    @Test("a damaged file throws an error naming it", arguments: Damage.allCases)
    func damaged(_ damage: Damage) throws {
        let good = try Self.modelBytes()
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let stringOffsets = Int(good.subdata(in: 40..<48).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let hashTable = Int(good.subdata(in: 56..<64).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let bytes: Data
        switch damage {
        case .empty: bytes = Data()
        case .headerOnlyHalf: bytes = good.prefix(64)
        case .truncatedBody: bytes = good.prefix(good.count / 2)
        case .missingLastByte: bytes = good.prefix(good.count - 1)
        case .extraBytes: bytes = good + Data([0])
        case .badMagic: bytes = Self.mutate(good, at: 0, Array("NOTAMODL".utf8))
        case .futureVersion: bytes = Self.mutate(good, at: 8, u32(2))
        case .otherElementType: bytes = Self.mutate(good, at: 12, u32(2))
        case .zeroDimension: bytes = Self.mutate(good, at: 20, u32(0))
        case .oddDimension: bytes = Self.mutate(good, at: 20, u32(255))
        case .unknownOutOfRange: bytes = Self.mutate(good, at: 24, u32(1_000_000))
        case .hashSlotsNotPowerOfTwo: bytes = Self.mutate(good, at: 28, u32(65_535))
        case .offsetsPastEnd: bytes = Self.mutate(good, at: 64, u64(UInt64(good.count)))
        case .hashEntryOutOfRange: bytes = Self.mutate(good, at: hashTable, u32(0xFFFF_FFF0) + u32(0xFFFF_FFF0) + u32(0xFFFF_FFF0) + u32(0xFFFF_FFF0))
        case .decreasingOffsets: bytes = Self.mutate(good, at: stringOffsets + 4 * 500, u32(0xFFFF_FF00))
        case .garbage: bytes = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        }
        let error = try Self.openError(bytes)
        #expect(error != nil)
        #expect(error.map { "\($0)".contains("broken.mnemb") } == true)
    }

    @Test("a missing file and a directory throw")
    func missing() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: EmbeddingError.self) { try StaticModelFile(path: directory.appendingPathComponent("none.mnemb").path) }
        #expect(throws: EmbeddingError.self) { try StaticModelFile(path: directory.path) }
    }
}
