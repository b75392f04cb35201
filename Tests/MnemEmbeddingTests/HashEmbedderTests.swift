import Foundation
import Testing
@testable import MnemEmbedding

@Suite("Hash embedder")
struct HashEmbedderTests {
    @Test("vectors are unit length or zero, deterministic, and sized")
    func normalized() throws {
        let embedder = try HashEmbedder(dimension: 128)
        #expect(embedder.id == "hash:128")
        let texts = ["git rebase onto main", "Ünïcödé wörds", "", "!!!", "a"]
        let vectors = try embedder.embed(texts)
        #expect(try embedder.embed(texts) == vectors)
        for (text, vector) in zip(texts, vectors) {
            #expect(vector.count == 128)
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(text.contains(where: \.isLetter) ? abs(norm - 1) < 1e-5 : norm == 0, "\(text)")
        }
    }

    @Test("shared words make texts closer; case does not matter")
    func lexicalSimilarity() throws {
        let embedder = try HashEmbedder()
        let v = try embedder.embed(["docker image build cache", "Docker IMAGE build", "center a div with flexbox"])
        #expect(Support.cosine(v[0], v[1]) > Support.cosine(v[0], v[2]))
        #expect(try embedder.embed(["Docker"]) == embedder.embed(["docker"]))
    }

    @Test("a dimension below 8 is refused")
    func badDimension() {
        #expect(throws: EmbeddingError.self) { try HashEmbedder(dimension: 0) }
    }
}

@Suite("Model locator")
struct ModelLocatorTests {
    @Test("MNEM_MODEL wins and is the only place searched")
    func environmentFirst() throws {
        let directory = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("custom.mnemb")
        try Data().write(to: file)
        let checkout = ModelLocator.checkoutModelDirectory()
        #expect(try ModelLocator(environment: ["MNEM_MODEL": file.path], sourceCheckoutModelDirectory: checkout).locate() == file.path)
        let inDirectory = ModelLocator(fileName: "custom.mnemb", environment: ["MNEM_MODEL": directory.path], sourceCheckoutModelDirectory: checkout)
        #expect(try inDirectory.locate() == file.path)
        let missing = ModelLocator(environment: ["MNEM_MODEL": directory.appendingPathComponent("nope").path], sourceCheckoutModelDirectory: checkout)
        #expect(throws: EmbeddingError.self) { try missing.locate() }
    }

    @Test("beside the executable, then share/mnem, then the checkout")
    func order() throws {
        let root = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let bin = root.appendingPathComponent("bin")
        let share = root.appendingPathComponent("share/mnem")
        let checkout = root.appendingPathComponent("checkout/model")
        for directory in [bin.appendingPathComponent("mnem-model"), share, checkout] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let name = ModelLocator.defaultFileName
        let locator = ModelLocator(environment: [:], executableDirectory: bin, sourceCheckoutModelDirectory: checkout)
        #expect(locator.candidates() == [
            bin.appendingPathComponent("mnem-model/\(name)").standardizedFileURL.path,
            share.appendingPathComponent(name).standardizedFileURL.path,
            checkout.appendingPathComponent(name).standardizedFileURL.path,
        ])
        #expect(throws: EmbeddingError.self) { try locator.locate() }
        try Data().write(to: checkout.appendingPathComponent(name))
        #expect(try locator.locate() == checkout.appendingPathComponent(name).path)
        try Data().write(to: share.appendingPathComponent(name))
        #expect(try locator.locate() == share.appendingPathComponent(name).path)
        try Data().write(to: bin.appendingPathComponent("mnem-model/\(name)"))
        #expect(try locator.locate() == bin.appendingPathComponent("mnem-model/\(name)").path)
    }

    @Test("the source checkout's model is found by default")
    func checkout() throws {
        let path = try ModelLocator(environment: [:], executableDirectory: nil).locate()
        #expect(path.hasSuffix("/model/\(ModelLocator.defaultFileName)"))
    }
}

@Suite struct FNV1aTests {
    /// The published FNV-1a 64 test vectors.
    @Test func matchesTheReferenceVectors() {
        #expect(FNV1a64.hash("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a64.hash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a64.hash("foobar".utf8) == 0x8594_4171_f739_67e8)
        var pieces = FNV1a64()
        pieces.add("foo".utf8)
        pieces.add("bar".utf8)
        #expect(pieces.value == FNV1a64.hash("foobar".utf8))
    }
}
