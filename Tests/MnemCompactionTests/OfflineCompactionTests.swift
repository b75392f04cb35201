import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

@Suite struct StepClassifierTests {
    @Test(arguments: [
        ("bash", "grep -rn parse_input src/", StepCategory.search),
        ("bash", "cd /testbed && rg foo", .search),
        ("bash", "find . -name '*.py'", .search),
        ("bash", "cat setup.py", .inspect),
        ("bash", "sed -n '1,20p' pkg/core.py", .inspect),
        ("bash", "sed -i 's/a/b/' pkg/core.py", .edit),
        ("Read", "/repo/pkg/core.py", .inspect),
        ("open", "open pkg/core.py 100", .inspect),
        ("bash", "cd /testbed && python -m pytest tests/test_x.py -q", .test),
        ("bash", "npm test", .test),
        ("bash", "cargo test --all", .test),
        ("bash", "go test ./...", .test),
        ("bash", "mix test test/foo_test.exs", .test),
        ("bash", "pip install -e .", .install),
        ("bash", "npm install lodash", .install),
        ("bash", "apt-get install -y libgit2-dev", .install),
        ("bash", "git status", .versionControl),
        ("git-commit", "fix the parser", .versionControl),
        ("Edit", #"{"file_path":"/a/b.py","old_string":"x","new_string":"y"}"#, .edit),
        ("Write", #"{"file_path":"/a/b.py","content":"x"}"#, .edit),
        ("str_replace_editor", #"{"command":"view","path":"/a/b.py"}"#, .inspect),
        ("str_replace_editor", #"{"command":"str_replace","path":"/a/b.py"}"#, .edit),
        ("apply_patch", "*** Begin Patch", .edit),
        ("bash", "python reproduce_issue.py", .reproduce),
        ("bash", "cat > reproduce.py << 'EOF'\nimport x\nEOF", .reproduce),
        ("bash", "curl https://example.com/api", .web),
        ("WebFetch", #"{"url":"https://example.com"}"#, .web),
        ("WebSearch", #"{"query":"phoenix"}"#, .web),
        ("bash", "make", .build),
        ("bash", "npx tsc --noEmit", .build),
        ("bash", "node server.js", .run),
        ("bash", "echo hi | ./program", .run),
        ("run_ipython", "edit_file_by_replace('/w/a.tsx', to_replace='x')", .edit),
        ("run_ipython", "open_file('/w/a.tsx')", .inspect),
    ] as [(String, String, StepCategory)])
    func classifies(_ tool: String, _ input: String, _ expected: StepCategory) {
        let step = StepClassifier.classify(TrajectoryStep(tool: tool, input: input, observation: ""))
        #expect(step.category == expected, "\(tool) \(input) → \(step.category) (\(step.action))")
    }

    @Test func noOpsAreMarked() {
        #expect(StepClassifier.classify(TrajectoryStep(tool: "TodoWrite", input: "{}", observation: "")).noOp)
        #expect(StepClassifier.classify(TrajectoryStep(tool: "bash", input: "cd /repo", observation: "")).noOp)
        #expect(StepClassifier.classify(TrajectoryStep(tool: "bash", input: "", observation: "")).noOp)
    }

    @Test(arguments: [
        ("python -m pytest tests/test_models.py::TestUser::test_name -x", "run the tests: python -m pytest <test> -x"),
        ("grep -rn \"def parse\" /testbed/src/pkg/", "search the code: grep -rn <string> <dir>"),
        ("git checkout 3f2a9c1d", "git checkout <hash>"),
        ("curl -s https://api.example.com/v2/items?id=42", "fetch from the web: curl -s <url>"),
        ("cat pkg/core.py", "cat <file.py>"),
        ("head -n 40 /var/log/app.log", "head -n <number> <file.log>"),
        ("mycompanytool --flag widget", "<identifier> --flag <identifier>"),
    ])
    func abstractsConcreteValues(_ command: String, _ expected: String) {
        let step = StepClassifier.classify(TrajectoryStep(tool: "bash", input: command, observation: ""))
        #expect(step.action == expected)
    }

    @Test func failuresAndErrorClasses() {
        let failing = StepClassifier.classify(
            TrajectoryStep(tool: "bash", input: "python x.py", observation: "ModuleNotFoundError: No module named 'foo'", exitStatus: 1))
        #expect(failing.failed && failing.errorClass == .missingModule)
        // Without an exit status the observation is the only signal.
        let swe = StepClassifier.classify(TrajectoryStep(tool: "python", input: "python x.py", observation: "  File \"x.py\"\nSyntaxError: invalid syntax"))
        #expect(swe.failed && swe.errorClass == .syntaxError)
        let tests = StepClassifier.classify(TrajectoryStep(tool: "bash", input: "pytest", observation: "=== 3 failed, 10 passed in 1.2s ===", exitStatus: 1))
        #expect(tests.testsFailed == 3 && tests.testsPassed == 10 && tests.errorClass == .testFailure)
        let passing = StepClassifier.classify(TrajectoryStep(tool: "bash", input: "pytest", observation: "10 passed in 1.2s", exitStatus: 0))
        #expect(!passing.failed)
    }
}

@Suite struct OfflineCompactionTests {
    @Test func workflowsCollapseRetriesAndFailuresGiveNegativeWorkflows() throws {
        let memories = handMadeTrajectories()
        let plan = try OfflineCompactor().plan(memories).report
        let failed = try #require(memories.first { $0.outcome == .failure })
        let workflow = try #require(plan.added.first { $0.kind == .workflow && $0.derivedFrom == [failed.id] }?.workflow)
        #expect(workflow.negative)
        #expect(workflow.goal.hasPrefix("What not to do:"))
        #expect(workflow.goal.contains("retried 4 times"))
        // Four identical failing builds are one step.
        #expect(workflow.steps.count == 2)
        #expect(workflow.steps[1].action.contains("repeated 4 times, every attempt failed"))
        let summary = try #require(plan.added.first { $0.kind == .summary && $0.derivedFrom == [failed.id] })
        guard case .summary(let s) = summary.body else { return }
        #expect(s.experience.why.contains("retried 4 times"))
        #expect(s.experience.environment.contains("TypeScript") || s.experience.environment.contains("JavaScript"))
        #expect(s.experience.results.contains("Exit codes: 0 zero, 4 non-zero"))
    }

    @Test func insightsRelateToOutcomeAcrossDomains() throws {
        let plan = try OfflineCompactor().plan(handMadeTrajectories()).report
        let insights = plan.added.filter { $0.kind == .insight }
        let keys = Set(insights.flatMap(\.tags).filter { $0.hasPrefix("pattern:") })
        // Testing after the last edit: 100% success with it, 0% without, in three domains.
        #expect(keys.contains("pattern:tested-after-last-edit"))
        #expect(keys.contains("pattern:failing-retry-loop"))
        #expect(keys.contains("pattern:recovery:runtime-exception:install"))
        for insight in insights {
            let i = try #require(insight.insight)
            #expect((i.evidence?.domains.count ?? 0) >= 2)
            #expect(!i.content.contains("alpha") && !i.content.contains(".py") && !i.title.contains("/"))
            #expect(Set(insight.derivedFrom.map(\.rawValue)) == Set(i.evidence?.memories ?? []))
        }
        let tested = try #require(insights.first { $0.tags.contains("pattern:tested-after-last-edit") }?.insight?.evidence)
        #expect(tested.successRateWith == 1 && tested.successRateWithout == 0)
    }

    @Test func incrementalRunsCommitOnlyWhatIsNew() throws {
        let directory = TemporaryDirectory("compact-incremental")
        let (pool, path) = try makePool(directory)
        let all = handMadeTrajectories()
        _ = try pool.add(Array(all.prefix(4)), info: CommitInfo(summary: "capture"))
        #expect(mnem(["compact"], pool: path).status == 0)
        let afterFirst = try commitCount(pool)
        #expect(mnem(["compact"], pool: path).status == 0)
        #expect(try commitCount(pool) == afterFirst)

        _ = try pool.add(Array(all.suffix(2)), info: CommitInfo(summary: "capture more"))
        let run = mnem(["compact", "--json"], pool: path)
        #expect(run.console.stdout.contains("\"compacted\": 2"))
        #expect(try commitCount(pool) == afterFirst + 2)
        // Changed evidence: the insight about testing is replaced, never doubled.
        let insights = try pool.memories(kinds: [.insight])
        let testing = insights.filter { $0.tags.contains("pattern:tested-after-last-edit") }
        #expect(testing.count == 1)
        #expect(testing.first?.supersedes.count == 1)
        #expect(testing.first?.insight?.evidence?.domains.count == 3)
        // The superseded one is gone from the tip and still in history.
        if let old = testing.first?.supersedes.first {
            #expect(try pool.memory(old) == nil)
            #expect(try pool.history(of: old).map(\.change) == ["removed", "added"])
        }
        let final = try commitCount(pool)
        #expect(mnem(["compact"], pool: path).status == 0)
        #expect(try commitCount(pool) == final)
    }

    @Test func kindLimitsTheOutput() throws {
        let directory = TemporaryDirectory("compact-kind")
        let (pool, path) = try makePool(directory)
        _ = try pool.add(handMadeTrajectories(), info: CommitInfo(summary: "capture"))
        #expect(mnem(["compact", "--kind", "summary"], pool: path).status == 0)
        #expect(try pool.memories(kinds: [.workflow, .insight]).isEmpty)
        #expect(try pool.memories(kinds: [.summary]).count == 6)
        #expect(mnem(["compact", "--kind", "workflow", "--kind", "insight"], pool: path).status == 0)
        #expect(try pool.memories(kinds: [.workflow]).count == 6)
        #expect(mnem(["compact", "--kind", "trajectory"], pool: path).status == 64)
        let dry = mnem(["compact", "--dry-run"], pool: path)
        #expect(dry.status == 0 && dry.console.stdout.contains("would add 0 workflow, 0 summary, 0 insight"))
    }

    @Test func derivedMemoriesMatchTheSchema() throws {
        let added = try OfflineCompactor().plan(handMadeTrajectories()).report.added
        #expect(Set(added.map(\.kind)) == [.workflow, .summary, .insight])
        let problems = try schemaProblems(added)
        #expect(problems == nil, "\(problems ?? "")")
    }

    @Test func sameInputSameIDs() throws {
        let a = try OfflineCompactor().plan(handMadeTrajectories()).report.added.map(\.id)
        let b = try OfflineCompactor().plan(handMadeTrajectories().reversed()).report.added.map(\.id)
        #expect(Set(a) == Set(b))
        #expect(a.count == Set(a).count)
    }

    @Test func provenanceReachesTrajectoriesSessionsAndCommits() throws {
        let directory = TemporaryDirectory("compact-provenance")
        let (pool, path) = try makePool(directory)
        _ = try pool.add(handMadeTrajectories(), info: CommitInfo(summary: "capture hand-made sessions"))
        #expect(mnem(["compact"], pool: path).status == 0)
        let insight = try #require(try pool.memories(kinds: [.insight]).first { $0.tags.contains("pattern:tested-after-last-edit") })
        let text = mnem(["show", "--provenance", insight.id.short], pool: path)
        #expect(text.status == 0, "\(text.console.stderr)")
        #expect(text.console.stdout.contains("insight \(insight.id.rawValue)"))
        #expect(text.console.stdout.contains("agent test-agent"))
        #expect(text.console.stdout.contains("model model-x"))
        #expect(text.console.stdout.contains("capture hand-made sessions"))
        #expect(text.console.stdout.contains("compact (offline)"))

        let json = mnem(["show", "--provenance", "--json", insight.id.rawValue], pool: path)
        let value = try JSONParser.parse(json.console.stdout)
        let children = try #require(value["derivedFrom"]?.arrayValue)
        #expect(children.count == insight.derivedFrom.count)
        #expect(children.allSatisfy { $0["kind"]?.stringValue == "trajectory" && $0["source"]?["sessionId"] != nil })
        #expect(children.allSatisfy { ($0["commits"]?.arrayValue?.count ?? 0) == 1 })

        let workflow = try #require(try pool.memories(kinds: [.workflow]).first)
        let chain = try Provenance.trace(workflow.id, in: pool)
        #expect(chain.trajectories.map(\.id) == workflow.derivedFrom)
    }
}

@Suite struct ConsolidationTests {
    func insight(_ title: String, _ description: String, tags: [String] = [], memories: [String] = [], domains: [String] = ["a"]) -> Memory {
        Memory(
            body: .insight(Insight(title: title, description: description, content: "c", evidence: InsightEvidence(memories: memories, domains: domains))),
            task: description, domain: "general", tags: tags)
    }

    @Test func restatementsMergeAndSupersede() {
        let old = insight("Run the tests after editing", "Always run the tests after the final edit.", memories: ["1"], domains: ["a"])
        let new = insight("Run tests after edits", "Always run the tests after the final edits.", memories: ["2"], domains: ["b"])
        #expect(Consolidation.similarity(old.insight!, new.insight!) >= Consolidation.threshold)
        let changes = Consolidation.consolidate([new], into: [old])
        #expect(changes.remove == [old.id])
        #expect(changes.add.count == 1)
        #expect(changes.add.first?.supersedes == [old.id])
        #expect(changes.add.first?.insight?.evidence?.domains == ["a", "b"])
        #expect(changes.add.first?.insight?.evidence?.memories == ["1", "2"])
    }

    @Test func differentPatternsStayApart() {
        let a = insight("Read the file after a runtime exception", "When a step fails with a runtime exception, read it.", tags: ["pattern:recovery:x:inspect"])
        let b = insight("Search the code after a runtime exception", "When a step fails with a runtime exception, search it.", tags: ["pattern:recovery:x:search"])
        let changes = Consolidation.consolidate([b], into: [a])
        #expect(changes.remove.isEmpty)
        #expect(changes.add.map(\.id) == [b.id])
        let unrelated = insight("Pin dependency versions", "Lock versions so builds repeat.")
        #expect(Consolidation.consolidate([unrelated], into: [a]).remove.isEmpty)
    }

    @Test func anUnchangedInsightChangesNothing() {
        let existing = insight("Review the diff", "Look at the diff before finishing.", tags: ["pattern:p"], memories: ["1"])
        let changes = Consolidation.consolidate([existing], into: [existing])
        #expect(changes.add.isEmpty && changes.remove.isEmpty)
    }
}

@Suite struct PoolApplyTests {
    @Test func addsAndRemovesInOneCommit() throws {
        let directory = TemporaryDirectory("pool-apply")
        let (pool, _) = try makePool(directory)
        let memories = handMadeTrajectories()
        _ = try pool.add(Array(memories.prefix(2)), info: CommitInfo(summary: "first"))
        let before = try commitCount(pool)
        let result = try pool.apply(adding: [memories[2]], removing: [memories[0].id], info: CommitInfo(summary: "swap"))
        #expect(result.commit != nil)
        #expect(result.added == [memories[2].id] && result.removed == [memories[0].id])
        #expect(try commitCount(pool) == before + 1)
        #expect(try pool.memory(memories[0].id) == nil)
        #expect(try pool.memory(memories[2].id) != nil)
        // Nothing to do: no commit.
        let again = try pool.apply(adding: [memories[2]], removing: [memories[0].id], info: CommitInfo(summary: "noop"))
        #expect(again.commit == nil)
        #expect(try commitCount(pool) == before + 1)
    }
}
