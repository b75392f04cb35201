import Foundation
import MnemCore
import MnemEmbedding
import Testing

@testable import MnemIndex

/// A small pool of coding memories written for these tests (not the corpus's text), of every
/// kind and several domains, as a compacted pool holds them.
enum CodingPool {
    static func memories() -> [Memory] {
        let insights = [
            ("Run the tests after the last edit", "Sessions that ran the test suite after their final change caught regressions before finishing.",
             "After the last change, run the narrowest test command that covers it, then the whole suite."),
            ("Reproduce the failure before changing code", "Fixes that started from a failing reproduction succeeded more often.",
             "Write a minimal script or test that shows the bug, run it, and keep it as a regression test."),
            ("Read a file before editing it", "Edits made without reading the surrounding code broke imports and indentation.",
             "Open the function and its callers before changing a signature."),
            ("Search the code base before adding a helper", "Duplicated helpers appeared when the agent did not search for an existing one.",
             "Grep for the function name and related terms before writing new utility code."),
            ("Check the dependency is installed after an import error", "Import errors were usually a missing package, not a code bug.",
             "Install the missing module in the project's environment, pin its version, and rerun."),
            ("Review the diff before finishing", "A last look at the diff removed debug prints and stray files.",
             "Run git diff and read every hunk before declaring the task done."),
        ].map { Memory(body: .insight(Insight(title: $0.0, description: $0.1, content: $0.2)), task: $0.0, domain: "general", outcome: .success) }
        let summaries = [
            ("Fix the timezone bug in the invoice date formatter", "python", "Django app, pytest", "Reproduced with a test using an aware datetime, converted to UTC before formatting.", "tests pass", "naive and aware datetimes were mixed"),
            ("Make the Rust config loader accept an empty file", "rust", "cargo workspace", "Returned the default config when the TOML document is empty instead of unwrapping.", "cargo test passes", "unwrap on a missing table panicked"),
            ("Add pagination to the orders REST endpoint", "javascript", "Express API with Postgres", "Added limit and offset query parameters with validation and a total count header.", "integration tests pass", "the list endpoint returned every row"),
            ("Speed up the report query on the events table", "sql", "PostgreSQL 15", "Read EXPLAIN ANALYZE, added a composite index on (account_id, created_at).", "query time fell from 4 s to 40 ms", "a sequential scan over millions of rows"),
            ("Fix flaky React component tests after the upgrade", "javascript/react", "Jest and Testing Library", "Wrapped state updates in act and awaited findBy queries.", "suite green three runs in a row", "tests asserted before effects ran"),
            ("Build the Go service's Docker image on CI", "go", "multi-stage Dockerfile, GitHub Actions", "Cached modules in a builder stage and copied the static binary into a distroless image.", "image builds in 90 s", "the module download ran on every build"),
        ].map {
            Memory(
                body: .summary(Summary(taskSummary: $0.0, experience: Experience(environment: $0.2, actions: $0.3, results: $0.4, why: $0.5))),
                task: $0.0, domain: $0.1, outcome: .success)
        }
        let workflows = [
            ("Fix a reported bug in a Python project", "python", ["reproduce the bug with a failing test", "read the module", "edit the function", "run pytest"]),
            ("Add an endpoint to a Node.js API", "javascript", ["read the router", "add the handler with validation", "write a supertest case", "run npm test"]),
            ("Tune a slow SQL query", "sql", ["run EXPLAIN ANALYZE", "add an index", "compare timings"]),
            ("Fix a panic in a Rust command line tool", "rust", ["run with RUST_BACKTRACE=1", "replace unwrap with error handling", "cargo test"]),
        ].map {
            Memory(
                body: .workflow(Workflow(goal: $0.0, steps: $0.2.map { WorkflowStep(category: "edit", action: $0) })), task: $0.0, domain: $0.1,
                outcome: .success)
        }
        let trajectories = [
            ("Fix the failing date parser tests", "python", ["pytest tests/test_dates.py -x", "sed -n 1,80p app/dates.py", "pytest -q"]),
            ("cargo build fails with a borrow checker error in the cache", "rust", ["cargo build", "cat src/cache.rs", "cargo test"]),
            ("Migrate the users table to add an email index", "sql", ["psql -c '\\d users'", "alembic revision -m add_email_index", "alembic upgrade head"]),
            ("npm test fails after upgrading React", "javascript/react", ["npm test", "npm ls react", "npx jest --watch=false"]),
        ].map {
            Memory(
                body: .trajectory(Trajectory(steps: $0.2.map { TrajectoryStep(tool: "bash", input: $0, observation: "ok", exitStatus: 0) })), task: $0.0,
                domain: $0.1, outcome: .success)
        }
        return insights + summaries + workflows + trajectories
    }
}

@Suite("Relevance before kind: the calibrated floor", .serialized)
struct RelevanceTests {
    static let model: Result<StaticEmbedder, Error> = Result { try StaticEmbedder(locator: ModelLocator(environment: [:], executableDirectory: nil)) }

    /// What a hook would inject for each query: the context block's memories.
    static func injected(_ queries: [String], retriever: Retriever) throws -> [Set<MemoryID>] {
        try queries.map { query in
            Set(try ContextBuilder.build(query: query, budgetTokens: 1500, retriever: retriever).included.map(\.hit.id))
        }
    }


    @Test("unrelated prompts inject nothing; coding tasks get memories, and different ones")
    func floorAndDiversity() throws {
        let test = try TestPool()
        try test.add(CodingPool.memories())
        let retriever = Retriever(pool: test.pool, embedder: try Self.model.get())
        let offTopic = try Self.injected(EvaluationPrompts.offTopic, retriever: retriever)
        let tasks = try Self.injected(EvaluationPrompts.codingTasks, retriever: retriever)
        let served = tasks.filter { !$0.isEmpty }.count
        let jaccard = EvaluationPrompts.meanJaccard(tasks)
        print("relevance: \(offTopic.filter { !$0.isEmpty }.count)/\(offTopic.count) unrelated prompts got memories; \(served)/\(tasks.count) tasks served; mean Jaccard \(String(format: "%.3f", jaccard))")
        #expect(offTopic.filter { !$0.isEmpty }.count <= 1)
        #expect(Double(served) >= 0.75 * Double(tasks.count))
        #expect(jaccard <= 0.3)

        // Without the floor (the old global bar) every unrelated prompt gets the pool's best.
        var noFloor = RankingPolicy()
        noFloor.floorMargin = nil
        let unfloored = try EvaluationPrompts.offTopic.filter { !(try retriever.search($0, k: 5, ranking: noFloor)).isEmpty }
        #expect(unfloored.count > 1, "the test pool must be one where a plain similarity bar fails")
    }

    @Test("the floor is the background's mean similarity plus a margin of its spread, per memory")
    func floorDefinition() throws {
        // Background prompts along e1…e3; a memory on e0 is far from them, one on e1 is one of them.
        let table: [String: [Float]] = [
            "b1": unitVector(1), "b2": unitVector(2), "b3": vectorWithSimilarity(0.6, axis: 3),
            "near": vectorWithSimilarity(0.9, axis: 1), "far": unitVector(0),
        ]
        let floor = try RelevanceFloor(embedder: TableEmbedder(table: table), prompts: ["b1", "b2", "b3"])
        let far = floor.calibration(of: unitVector(0))
        #expect(abs(far.highest - 0.6) < 1e-6)
        let near = floor.calibration(of: unitVector(1))
        #expect(near.highest == 1)
        let scores: [Float] = [0, 0, 0.6]
        let mean = scores.reduce(0, +) / 3
        let spread = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(far.spread - spread) < 1e-6)
        #expect(abs(far.mean - mean) < 1e-6)
        #expect(abs(far.floor(margin: 2.5) - (mean + 2.5 * spread)) < 1e-6)
    }

    @Test("relevance ranks a close concrete memory above a loosely related insight; the kind prior breaks near-ties")
    func relevanceBeforeKind() throws {
        let test = try TestPool()
        try test.add(CodingPool.memories())
        let retriever = Retriever(pool: test.pool, embedder: try Self.model.get())
        let found = try retriever.search("Speed up the slow report query on the Postgres events table with an index", k: 5)
        let first = try #require(found.first)
        #expect(first.memory.kind != .insight, "a generic insight must not outrank the memories about the task")
        #expect(found.allSatisfy { $0.hit.relevance != nil && $0.hit.score >= $0.hit.bar })
        #expect(zip(found, found.dropFirst()).allSatisfy { ($0.hit.relevance ?? 0) >= ($1.hit.relevance ?? 0) })

        // Kind-first (the old order) with a low bar puts insights on top whatever they are about.
        let kindFirst = RankingPolicy(order: .kindFirst, minimumScore: -1, floorMargin: nil)
        let old = try retriever.search("Speed up the slow report query on the Postgres events table with an index", k: 5, ranking: kindFirst)
        #expect(old.first?.memory.kind == .insight)
    }
}
