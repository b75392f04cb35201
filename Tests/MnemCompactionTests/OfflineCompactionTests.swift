import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction
import MnemEmbedding

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

/// Words from the hand-made trajectories that no insight or workflow may repeat.
let handMadeIdentifiers = ["alpha", "beta", "gamma", "core.py", "repro_", "client_", "parse_input", "pyyaml", "/repo", "/work", "src/"]

@Suite struct OfflineCompactionTests {
    @Test func workflowsAreRoutinesAndFailuresGiveNegativeWorkflows() throws {
        let memories = handMadeTrajectories()
        let plan = try OfflineCompactor().plan(memories).report
        let failed = try #require(memories.first { $0.outcome == .failure })
        let negative = try #require(plan.added.first { $0.kind == .workflow && $0.derivedFrom == [failed.id] }?.workflow)
        #expect(negative.negative)
        #expect(negative.goal.hasPrefix("What not to do when"))
        #expect(negative.goal.contains("`npm run build` was retried unchanged"))
        // Four identical failing builds are one lesson, not four steps.
        #expect(negative.steps.count == 3, "\(negative.steps.map(\.action))")
        #expect(negative.steps.contains { $0.action.hasPrefix("Do not keep retrying `npm run build`") && $0.example == "npm run build" })

        let fixed = try #require(memories.first { $0.outcome == .success })
        let routine = try #require(plan.added.first { $0.kind == .workflow && $0.derivedFrom == [fixed.id] }?.workflow)
        #expect(routine.goal.hasPrefix("Use when a reported bug must be fixed in a Python project"))
        #expect(routine.goal.contains("reproduce the problem first") && routine.goal.contains("confirm with the reproduction"))
        let actions = routine.steps.map(\.action)
        #expect(actions.first == "Locate the code involved and read it", "\(actions)")
        #expect(actions.contains("Reproduce the problem with a small script before changing anything"))
        #expect(actions.contains("Rerun the reproduction to confirm the fix"))
        // Every step keeps its command family as an example, with placeholders only.
        let examples = routine.steps.compactMap(\.example)
        #expect(examples.contains { $0.contains("grep -n -r") })
        #expect(examples.contains { $0.contains("cat > <file.py> <<EOF") })
        #expect(examples.contains("python -m pytest <file.py>"))
        for text in [routine.goal, negative.goal] + (routine.steps + negative.steps).flatMap({ [$0.action, $0.example ?? ""] }) {
            #expect(!handMadeIdentifiers.contains { text.contains($0) }, "\(text)")
        }
    }

    @Test func longSessionsBecomeAtMostTwelveSteps() throws {
        // Over forty commands: edit, test and commit twelve times over, with a loop of refused edits inside.
        var steps: [(String, String, String, Int?)] = [("bash", "grep -rn Widget lib/", "lib/w.ex:1", 0)]
        for n in 0..<12 {
            steps.append(("Edit", "{\"file_path\":\"/p/lib/w\(n).ex\",\"old_string\":\"a\",\"new_string\":\"b\"}", "ok", nil))
            steps.append(("bash", "mix test test/w\(n)_test.exs 2>&1 | tail -n 20", "3 tests, 0 failures", 0))
            steps.append(("bash", "git commit -am 'step \(n)'", "[main abc] step", 0))
        }
        for _ in 0..<3 { steps.append(("Edit", "{\"file_path\":\"/p/lib/z.ex\",\"old_string\":\"q\",\"new_string\":\"r\"}", "<tool_use_error>File has not been read yet. Read it first before writing to it.</tool_use_error>", nil)) }
        steps.append(("Read", "/p/lib/z.ex", "defmodule Z do", nil))
        steps.append(("Edit", "{\"file_path\":\"/p/lib/z.ex\",\"old_string\":\"q\",\"new_string\":\"r\"}", "ok", nil))
        steps.append(("bash", "mix test", "40 tests, 0 failures", 0))
        var memory = trajectory("Implement the widget pipeline", domain: "widgets", outcome: .success, steps: steps)
        if case .trajectory(var t) = memory.body {
            for i in t.steps.indices where t.steps[i].observation.contains("tool_use_error") { t.steps[i].isError = true }
            memory.body = .trajectory(t)
            memory.refreshID()
        }
        let workflow = WorkflowBuilder.workflow(TrajectoryAnalysis(memory))
        #expect(steps.count > 40 && workflow.steps.count <= WorkflowBuilder.maxSteps, "\(workflow.steps.map(\.action))")
        // The twelve cycles are one pass, checked after each change.
        #expect(workflow.steps.filter { $0.category == "edit" }.count == 1)
        #expect(workflow.steps.contains { $0.action == "Run the relevant tests after each change" && $0.example == "mix test <file.exs>" })
        // The refused edits teach reading first.
        let lesson = try #require(workflow.steps.first { $0.action.contains("read the file first") })
        #expect(lesson.example == "Read <file.ex>")
        #expect(!workflow.steps.contains { $0.action.contains("w0") || ($0.example ?? "").contains("z.ex") })
    }

    @Test func summariesNameTheCauseAndTheFix() throws {
        let memory = recoveringTrajectory(0, domain: "alpha-lib")
        let summary = SummaryBuilder.summary(TrajectoryAnalysis(memory))
        let why = summary.experience.why
        #expect(why.hasPrefix("It succeeded because the change was checked after its final version (`python -m pytest <file.py>` passed)"), "\(why)")
        #expect(why.contains("Root cause, as the agent found it: The problem is that parse_input indexes the first character"))
        #expect(why.contains("Fix: I fixed the crash by returning None for empty input"))
        #expect(summary.taskSummary.contains("changed `alpha-lib/core.py` (in `def parse_input(x):`)"), "\(summary.taskSummary)")
        #expect(summary.experience.actions.contains("reproduced the problem with a scratch script"))
        #expect(summary.experience.results.contains("The last check after the final change (`python -m pytest <file.py>`) passed."))
    }

    @Test(arguments: [Outcome.success, .unknown, .failure])
    func whyAgreesWithTheOutcomeAndTheLastCheck(_ outcome: Outcome) throws {
        // The last test run after the last edit fails, whatever the recorded outcome says.
        let memory = trajectory(
            "Fix the date parser", domain: "dates", outcome: outcome,
            steps: [
                ("bash", "pytest tests/test_dates.py", "FAILED tests/test_dates.py::test_leap - AssertionError\n1 failed", 1),
                ("Edit", "{\"file_path\":\"/d/dates.py\",\"old_string\":\"a\",\"new_string\":\"b\"}", "ok", nil),
                ("bash", "pytest tests/test_dates.py", "FAILED tests/test_dates.py::test_leap - AssertionError\n1 failed, 3 passed", 1),
            ], evidence: outcome == .unknown ? nil : OutcomeEvidence(signal: .harness, detail: "exit status submitted"))
        let why = SummaryBuilder.summary(TrajectoryAnalysis(memory)).experience.why
        #expect(!why.contains("It succeeded because"), "\(why)")
        #expect(why != "The outcome was not recorded.")
        switch outcome {
        case .success: #expect(why.contains("does not confirm the fix"))
        case .failure: #expect(why.contains("the last check (`pytest <file.py>`) still failed"))
        case .unknown: #expect(why.contains("the evidence suggests it did not succeed"))
        }
        #expect(why.contains("The problem showed as: FAILED tests/test_dates.py::test_leap - AssertionError"))
        // Every part of it ends as a sentence, the quoted error line included.
        #expect(!why.contains("AssertionError Fix:") && !why.contains("AssertionError Attempted"), "\(why)")
        #expect(why.hasSuffix(".") || why.hasSuffix("`"), "\(why)")
    }

    @Test func minedInsightsNameWhatTheyFoundAndNoIdentifiers() throws {
        let plan = try OfflineCompactor().plan(handMadeTrajectories()).report
        let insights = plan.added.filter { $0.kind == .insight }
        let keys = Set(insights.flatMap { InsightMerge.patterns($0) })
        #expect(keys.contains("recover:error:missing-module@python:category|install"), "\(keys.sorted())")
        #expect(keys.contains { $0.hasPrefix("avoid-rerun:error:compile-error") }, "\(keys.sorted())")
        #expect(keys.contains("habit:outcome:scratch|before") || keys.contains("habit:outcome:before|reproduce"), "\(keys.sorted())")
        let install = try #require(insights.first { InsightMerge.patterns($0).contains("recover:error:missing-module@python:category|install") })
        let text = InsightMerge.words(install).joined(separator: " ")
        #expect(text.contains("`pip install <package>`") && text.contains("in Python"), "\(text)")
        let loop = try #require(insights.first { InsightMerge.patterns($0).contains { $0.hasPrefix("avoid-rerun:") } })
        #expect(InsightMerge.words(loop).joined(separator: " ").contains("`npm run build`"))
        for insight in insights {
            let i = try #require(insight.insight)
            #expect((i.evidence?.domains.count ?? 0) >= 2)
            for word in InsightMerge.words(insight) {
                #expect(!handMadeIdentifiers.contains { word.contains($0) }, "\(word)")
                // Commands keep their own digits (`2>&1`); the prose around them has no counts.
                let prose = word.split(separator: "`").enumerated().filter { $0.offset % 2 == 0 }.map(\.element).joined()
                let hasDigit = prose.contains { $0.isNumber }
                #expect(!hasDigit, "counts stay out of the words: \(word)")
            }
            #expect(Set(insight.derivedFrom.map(\.rawValue)) == Set(i.evidence?.memories ?? []))
        }
        let recovered = try #require(install.insight?.evidence)
        #expect((recovered.successRateWith ?? 0) > (recovered.successRateWithout ?? 1))
    }

    @Test func newDataYieldsNewInsights() throws {
        let before = try OfflineCompactor().plan(handMadeTrajectories()).report.added.filter { $0.kind == .insight }
        // Two Elixir projects where a missing dependency is fixed with `mix deps.get`.
        let elixir = ["delta-app", "epsilon-api"].enumerated().map { n, domain in
            trajectory(
                "Make the exporter work \(n)", domain: domain, outcome: .success,
                steps: [
                    ("bash", "mix test test/export_test.exs", "** (UndefinedFunctionError) function Jason.encode!/1 is undefined (module Jason is not available)", 1),
                    ("bash", "mix deps.get", "Resolving Hex dependencies...", 0),
                    ("bash", "mix test test/export_test.exs", "4 tests, 0 failures", 0),
                ])
        }
        let after = try OfflineCompactor().plan(handMadeTrajectories() + elixir).report.added.filter { $0.kind == .insight }
        let new = after.filter { a in !before.contains { InsightMerge.patterns($0) == InsightMerge.patterns(a) } }
        let text = new.flatMap(InsightMerge.words).joined(separator: " ")
        #expect(text.contains("`mix deps.get`"), "\(new.map(\.headline))")
    }

    @Test func identityIsStableWhenOnlyCountsMove() throws {
        let directory = TemporaryDirectory("compact-stable")
        let (pool, path) = try makePool(directory)
        _ = try pool.add(handMadeTrajectories(), info: CommitInfo(summary: "capture"))
        #expect(mnem(["compact"], pool: path).status == 0)
        let first = Set(try pool.entries(kinds: [.insight]).map(\.id))
        #expect(!first.isEmpty)
        let afterFirst = try commitCount(pool)
        #expect(mnem(["compact"], pool: path).status == 0)
        #expect(try commitCount(pool) == afterFirst)

        // Two more sessions from new projects show the same patterns: the counts move, the words do not.
        _ = try pool.add([recoveringTrajectory(7, domain: "zeta-kit"), loopingTrajectory(8, domain: "eta-web")], info: CommitInfo(summary: "capture more"))
        let run = mnem(["compact", "--json"], pool: path)
        #expect(run.console.stdout.contains("\"compacted\": 2"))
        #expect(try commitCount(pool) == afterFirst + 2)
        #expect(Set(try pool.entries(kinds: [.insight]).map(\.id)) == first)
        #expect(run.console.stdout.contains("\"superseded\": []"))
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
        let all = try pool.memories(kinds: [.insight])
        let insight = try #require(all.first { InsightMerge.patterns($0).contains { $0.hasPrefix("recover:") } }, "\(all.map { ($0.headline, $0.tags) })")
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
    func insight(_ title: String, _ description: String, content: String = "Some content.", tags: [String] = [], memories: [String] = [], domains: [String] = ["a"]) -> Memory {
        Memory(
            body: .insight(Insight(title: title, description: description, content: content, evidence: InsightEvidence(memories: memories, domains: domains))),
            task: description, domain: "general", derivedFrom: memories.compactMap(MemoryID.init), tags: tags)
    }

    static let a = String(repeating: "a", count: 40)
    static let b = String(repeating: "b", count: 40)
    static let c = String(repeating: "c", count: 40)

    @Test func newWordsForAPatternSupersedeWithBothProvenances() throws {
        let old = insight("Run the tests after the last edit", "Check the final version.", tags: ["pattern:p"], memories: [Self.a], domains: ["x"])
        let new = insight("Run the narrow tests after the last edit", "Check the final version with them.", tags: ["pattern:p"], memories: [Self.b], domains: ["y"])
        let changes = try Consolidation.consolidate([new], into: [old])
        #expect(changes.remove == [old.id])
        let merged = try #require(changes.add.first)
        #expect(merged.supersedes == [old.id] && merged.headline == "Run the narrow tests after the last edit")
        #expect(merged.derivedFrom.map(\.rawValue) == [Self.a, Self.b])
    }

    @Test func onlyMovedCountsChangeNothing() throws {
        let old = insight("Run the tests after the last edit", "Check the final version.", tags: ["pattern:p"], memories: [Self.a])
        let same = insight("Run the tests after the last edit", "Check the final version.", tags: ["pattern:p"], memories: [Self.a, Self.b, Self.c])
        let changes = try Consolidation.consolidate([same], into: [old])
        #expect(changes.add.isEmpty && changes.remove.isEmpty)
    }

    @Test func twoVersionsOfAPatternAreReconciledTheSameWayEverywhere() throws {
        let mine = insight("Run the tests after the last edit", "Check the final version.", tags: ["pattern:p"], memories: [Self.a, Self.b])
        let theirs = insight("Run the tests after the last edit", "Check the final version.", tags: ["pattern:p"], memories: [Self.c])
        let one = try Consolidation.consolidate([], into: [mine, theirs])
        let other = try Consolidation.consolidate([], into: [theirs, mine])
        #expect(one.add.map(\.id) == other.add.map(\.id) && one.add.count == 1)
        #expect(Set(one.remove) == [mine.id, theirs.id])
        #expect(one.add.first?.derivedFrom.map(\.rawValue) == [Self.a, Self.b, Self.c])
        #expect(InsightMerge.reconcile([mine, theirs])?.id == one.add.first?.id)
    }

    @Test func nearDuplicatesMergeUnderTheDefaultEmbedderKeepingBothProvenances() throws {
        let embedder = try StaticEmbedder(locator: ModelLocator())
        let kept = insight(
            "Reproduce the bug with a small script before editing", "Write a short script that triggers the failure and run it first.",
            tags: ["compactor:llm"], memories: [Self.a], domains: ["x"])
        let restated = insight(
            "Reproduce the bug with a small script before you edit", "Write a short script that triggers the failure, then run it first.",
            tags: ["pattern:q", "compactor:offline"], memories: [Self.b], domains: ["y"])
        let unrelated = insight("Pin the dependency version", "Install an exact version when a release breaks the build.", tags: ["pattern:r"], memories: [Self.c])
        let changes = try Consolidation.consolidate([restated, unrelated], into: [kept], embedder: embedder)
        #expect(changes.remove == [kept.id])
        let merged = try #require(changes.add.first { $0.supersedes == [kept.id] })
        #expect(merged.headline == kept.headline)
        #expect(merged.derivedFrom.map(\.rawValue) == [Self.a, Self.b])
        #expect(merged.tags.contains("absorbed:q") && merged.tags.contains("compactor:llm") && merged.tags.contains("compactor:offline"))
        #expect(changes.add.contains { $0.id == unrelated.id })
        // Proposed again later, the absorbed pattern changes nothing.
        let again = try Consolidation.consolidate([restated], into: [merged, unrelated], embedder: embedder)
        #expect(again.add.isEmpty && again.remove.isEmpty)
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

@Suite struct ByteSearchTests {
    @Test(arguments: [
        ("ModuleNotFoundError: No module named 'x'", "No module named", true), ("abc", "", true), ("ab", "abc", false),
        ("aab", "ab", true), ("xxab", "ab", true), ("abab", "bab", true), ("a", "b", false), ("naïve café", "café", true), ("", "a", false),
    ] as [(String, String, Bool)])
    func containsMatchesTheStandardLibrary(_ text: String, _ needle: String, _ expected: Bool) {
        #expect(text.contains(needle) == expected)
        #expect(text.utf8.count < needle.utf8.count || expected == Array(text.utf8).indices.contains { i in Array(text.utf8)[i...].starts(with: needle.utf8) })
    }

    @Test func trimsASCIIWhitespaceOnly() {
        #expect("  \n\tpytest -x \r\n".trimmedASCII == "pytest -x")
        #expect(" \u{00A0}é ".trimmedASCII == "\u{00A0}é")
        #expect("   ".trimmedASCII == "" && "".trimmedASCII == "")
    }
}

@Suite struct NarrativeTests {
    @Test func sentencesEndAtAStopFollowedBySpace() {
        let text = "**Done.** The scroll in xterm.js fails because the outer page catches wheel events. I fixed it by stopping propagation."
        #expect(Narrative.sentences(text) == [
            "Done. The scroll in xterm.js fails because the outer page catches wheel events.", "I fixed it by stopping propagation.",
        ])
        #expect(Narrative.cause(in: [text])?.contains("xterm.js fails because") == true)
        #expect(Narrative.fix(in: ["All done. The epic is fully implemented and pushed."]) == nil)
    }

    @Test func toFixNamesAFixOnlyWithCodeInIt() {
        #expect(Narrative.fix(in: ["Perfect! The patch only modifies the source file we intended to fix."]) == nil)
        #expect(Narrative.fix(in: ["To fix it, ManagementUtility passes prog=self.prog_name to CommandParser(...)."]) != nil)
        #expect(Narrative.fix(in: ["To fix the crash, pass `prog` explicitly."]) != nil)
        #expect(Narrative.fix(in: ["I fixed the crash by returning None for empty input."]) != nil)
    }
}
