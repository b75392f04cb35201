import Foundation
import MnemEmbedding
import MnemCore
import MnemGit
import Testing

@testable import MnemIndex

/// A temporary directory removed at the end of the test.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-index-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Test only: feature hashing of words, as the brief asks the test target to have its own.
/// `MnemEmbedding.HashEmbedder` is the built-in one; this one lets a test choose its id, to
/// simulate a sidecar left by another embedder or dimension.
struct TestHashingEmbedder: VectorEmbedder {
    var id: String
    var dimension: Int
    func embed(_ texts: [String]) throws -> [[Float]] { try HashEmbedder(dimension: dimension).embed(texts) }
}

/// Test only: returns the vector a table gives for a text (the zero vector otherwise), so a
/// test can construct exact cosine similarities.
struct TableEmbedder: VectorEmbedder {
    var id = "table:8"
    var dimension = 8
    var table: [String: [Float]]
    func embed(_ texts: [String]) -> [[Float]] {
        texts.map { table[$0] ?? [Float](repeating: 0, count: dimension) }
    }
}

/// A unit vector whose cosine with e0 is `s`.
func vectorWithSimilarity(_ s: Float, dimension: Int = 8, axis: Int = 1) -> [Float] {
    var v = [Float](repeating: 0, count: dimension)
    v[0] = s
    v[axis] = (1 - s * s).squareRoot()
    return v
}

func unitVector(_ axis: Int, dimension: Int = 8) -> [Float] {
    var v = [Float](repeating: 0, count: dimension)
    v[axis] = 1
    return v
}

enum Make {
    static func insight(_ title: String, domain: String = "general", outcome: Outcome = .success, model: String? = "model-a") -> Memory {
        Memory(
            body: .insight(Insight(title: title, description: "About \(title).", content: "Do \(title) carefully.")),
            task: "learn \(title)", domain: domain, outcome: outcome, source: MemorySource(model: model))
    }

    static func summary(_ task: String, domain: String = "python", outcome: Outcome = .success, model: String? = "model-a") -> Memory {
        Memory(
            body: .summary(Summary(taskSummary: task, experience: Experience(environment: "env", actions: "acted on \(task)", results: "ok", why: "because"))),
            task: task, domain: domain, outcome: outcome, source: MemorySource(model: model))
    }

    static func workflow(_ goal: String, domain: String = "python", outcome: Outcome = .success, model: String? = "model-a") -> Memory {
        Memory(
            body: .workflow(Workflow(goal: goal, steps: [WorkflowStep(category: "test", action: "run the tests for \(goal)")])),
            task: goal, domain: domain, outcome: outcome, source: MemorySource(model: model))
    }

    static func trajectory(_ task: String, domain: String = "python", outcome: Outcome = .success, model: String? = "model-a") -> Memory {
        Memory(
            body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "pytest -q \(task)", observation: "1 passed", exitStatus: 0)])),
            task: task, domain: domain, outcome: outcome, source: MemorySource(model: model))
    }

    /// A varied set: every kind, three domains, both outcomes, two models.
    static func mixed(_ n: Int, offset: Int = 0) -> [Memory] {
        let domains = ["python", "rust", "javascript/react"]
        return (0..<n).map { i in
            let j = i + offset
            let domain = domains[j % 3]
            let outcome: Outcome = j % 2 == 0 ? .success : .failure
            let model = j % 4 == 0 ? "model-b" : "model-a"
            switch j % 4 {
            case 0: return insight("habit \(j) tests parser", domain: domain, outcome: outcome, model: model)
            case 1: return summary("task \(j) fix the parser tests", domain: domain, outcome: outcome, model: model)
            case 2: return workflow("goal \(j) parser tests", domain: domain, outcome: outcome, model: model)
            default: return trajectory("task \(j) parser tests", domain: domain, outcome: outcome, model: model)
            }
        }
    }
}

/// A pool in a temporary directory.
struct TestPool {
    let directory: TemporaryDirectory
    let pool: Pool
    var path: String { directory.path + "/pool" }

    init() throws {
        directory = try TemporaryDirectory()
        pool = try Pool.create(at: directory.path + "/pool")
    }

    @discardableResult
    func add(_ memories: [Memory]) throws -> WriteResult {
        try pool.add(memories, info: CommitInfo(summary: "add", author: Signature(name: "test", email: "test@localhost")))
    }

    @discardableResult
    func forget(_ ids: [MemoryID]) throws -> WriteResult {
        try pool.forget(ids, info: CommitInfo(summary: "forget", author: Signature(name: "test", email: "test@localhost")))
    }
}

func fileBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
