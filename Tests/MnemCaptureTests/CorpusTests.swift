import Foundation
import MnemCore
import Testing

@testable import MnemCapture

/// What one corpus file must give, established independently of the readers (python over the
/// raw JSON/Markdown for counts and tasks; outcomes and domains by reading each transcript
/// against the rules below).
///
/// Step-count rules, per format:
/// - Claude Code: the number of `tool_use` blocks in assistant lines (inline sidechains of
///   1.0.x files included); task = first typed prompt, or a slash command's args, or the prompt
///   a bare slash command expanded to. A file with no tool_use (the compaction agent) gives no
///   trajectory (`emptySessions`).
/// - SWE-agent: `trajectory.count`; task = issue text of the first non-demonstration user
///   message. Model: replay_config, else the run folder's `<model>__` prefix; none for
///   demonstrations (api_calls 0 or cost 0).
/// - mini-swe-agent: 1.1 = number of assistant `tool_calls`; 1 = assistant messages with a
///   ```` ```bash ```` block.
/// - OpenHands events: agent actions other than message/think/finish/system/recall/
///   change_agent_state/delegate. Resolver: history actions other than message/finish/think/recall.
/// - ATIF: distinct `tool_call_id`s. Gemini chat: `toolCalls` entries (none in the corpus file).
/// - Aider: `> Applied edit to`, `> Running `, `> Commit ` lines and `/run` inputs per
///   `# aider chat started at` run; runs without any give no trajectory.
///
/// Outcome rules (`OutcomeInference`): a run the harness stopped fails, a resolver's `success`
/// flag stands; else the last check (test, build, program run) after the last edit, or a later
/// user reply, decides; else the agent's own verdict or final message; `submitted` alone decides
/// nothing. Domain rules (`DomainInference`): the project (instance id, repository, working
/// directory read as a project), else the language and framework of the files touched.
struct CorpusCase: Sendable, CustomStringConvertible {
    struct Session: Sendable {
        var steps: Int
        var taskPrefix: String
        var agent: String
        var model: String?
        var outcome: Outcome
        /// The signal that decided the outcome (nil exactly when it is unknown).
        var signal: OutcomeSignal?
        var domain: String
        init(_ steps: Int, _ taskPrefix: String, _ agent: String, _ model: String?, _ outcome: Outcome, _ signal: OutcomeSignal?, _ domain: String) {
            self.steps = steps
            self.taskPrefix = taskPrefix
            self.agent = agent
            self.model = model
            self.outcome = outcome
            self.signal = signal
            self.domain = domain
        }
    }

    var file: String
    var format: TranscriptFormat
    var emptySessions: Int
    var sessions: [Session]

    init(_ file: String, _ format: TranscriptFormat, emptySessions: Int, _ sessions: [Session]) {
        self.file = file
        self.format = format
        self.emptySessions = emptySessions
        self.sessions = sessions
    }

    var description: String { (file as NSString).lastPathComponent }
}

let corpusCases: [CorpusCase] = [
    CorpusCase(
        "aider_chat_history_md/0anes0+verilog_simulasyonu-LSFL-/.aider.chat.history.md", .aider, emptySessions: 2,
        [
            .init(89, "Şimdi seninle muhteşem bir uyg", "aider", "claude-sonnet-4-5", .success, .agent, "python"),
            .init(55, "\"Sen kıdemli bir FPGA/ASIC Tas", "aider", "claude-sonnet-4-5", .unknown, nil, "python"),
        ]),
    CorpusCase(
        "aider_chat_history_md/Akash-Modi104+trading-bot/.aider.chat.history.md", .aider, emptySessions: 5,
        []),
    CorpusCase(
        "aider_chat_history_md/BeehiveInnovations+zen-mcp-server/.aider.chat.history.md", .aider, emptySessions: 4,
        []),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/docs/rfcs/0001-trajectory-format/gemini-cli-trajectory.json", .geminiChat, emptySessions: 1,
        []),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/docs/rfcs/0001-trajectory-format/mini-swe-agent-trajectory.json", .miniSweAgent, emptySessions: 0,
        [
            .init(3, "Create a file called hello.txt", "mini-swe-agent", "anthropic/claude-3-5-sonnet-20241022", .success, .agent, "general"),
        ]),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/docs/rfcs/0001-trajectory-format/openhands_trajectory.json", .openHandsEvents, emptySessions: 0,
        [
            .init(1, "Create a file called hello.txt", "openhands", "gpt-5-2025-08-07", .success, .agent, "general"),
        ]),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/tests/golden/openhands/hello-world.trajectory.json", .atif, emptySessions: 0,
        [
            .init(2, "Create a file called hello.txt", "openhands", nil, .success, .agent, "general"),
        ]),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/tests/golden/terminus_2/hello-world-context-summarization.trajectory.json", .atif, emptySessions: 0,
        [
            .init(7, "Create a file called hello.txt", "terminus-2", "openai/gpt-4o", .success, .agent, "general"),
        ]),
    CorpusCase(
        "atif/KangsanKim07+MemoryTransferLearning/harbor/tests/golden/terminus_2/hello-world-invalid-json.trajectory.json", .atif, emptySessions: 0,
        [
            .init(3, "Create a file called hello.txt", "terminus-2", "openai/gpt-4o", .success, .agent, "general"),
        ]),
    CorpusCase(
        "claude_code_jsonl/d-kimuson+claude-code-viewer/mock-global-claude-dir/projects/sample-project/1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(12, "Please analyze this codebase a", "claude-code", "claude-sonnet-4-20250514", .success, .agent, "demo"),
        ]),
    CorpusCase(
        "claude_code_jsonl/d-kimuson+claude-code-viewer/mock-global-claude-dir/projects/sample-project/5c0375b4-57a5-4f26-b12d-d022ee4e51b7.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(21, "@CLAUDE.md を最新の状態にアップデートしてください", "claude-code", "claude-sonnet-4-20250514", .success, .agent, "demo"),
        ]),
    CorpusCase(
        "claude_code_jsonl/d-kimuson+claude-code-viewer/mock-global-claude-dir/projects/sample-project/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(167, "create TODO app by Next.js", "claude-code", "claude-sonnet-4-20250514", .success, .agent, "demo"),
        ]),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(186, "Implement spotter-gqc", "claude-code", "claude-opus-4-6", .success, .build, "spotter"),
        ]),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d/subagents/agent-a881341.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(2, "What is the output contract fo", "claude-code", "claude-sonnet-4-5-20250929", .success, .agent, "spotter"),
        ]),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d/subagents/agent-acompact-fffbd0.jsonl", .claudeCode, emptySessions: 1,
        []),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/short.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(2, "mix phx.server doesnt seem to ", "claude-code", "claude-opus-4-6", .unknown, nil, "spotter"),
        ]),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/subagent.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(16, "websearch to learn how to fast", "claude-code", "claude-opus-4-6", .success, .agent, "spotter"),
        ]),
    CorpusCase(
        "claude_code_jsonl/marot+spotter/test/fixtures/transcripts/tool_heavy.jsonl", .claudeCode, emptySessions: 0,
        [
            .init(6, "start phoenix in background", "claude-code", "claude-opus-4-6", .failure, .user, "spotter"),
        ]),
    CorpusCase(
        "mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_dev/pvlib__pvlib-python-1072/pvlib__pvlib-python-1072.traj.json", .miniSweAgent, emptySessions: 0,
        [
            .init(74, "temperature.fuentes errors whe", "mini-swe-agent", "deepseek/deepseek-chat", .success, .test, "pvlib-python"),
        ]),
    CorpusCase(
        "mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_dev/pydicom__pydicom-901/pydicom__pydicom-901.traj.json", .miniSweAgent, emptySessions: 0,
        [
            .init(61, "pydicom should not define hand", "mini-swe-agent", "deepseek/deepseek-chat", .success, .test, "pydicom"),
        ]),
    CorpusCase(
        "mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_dev/pylint-dev__astroid-1978/pylint-dev__astroid-1978.traj.json", .miniSweAgent, emptySessions: 0,
        [
            .init(65, "Deprecation warnings from nump", "mini-swe-agent", "deepseek/deepseek-chat", .success, .test, "astroid"),
        ]),
    CorpusCase(
        "mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_dev/pyvista__pyvista-4315/pyvista__pyvista-4315.traj.json", .miniSweAgent, emptySessions: 0,
        [
            .init(57, "Rectilinear grid does not allo", "mini-swe-agent", "deepseek/deepseek-chat", .success, .test, "pyvista"),
        ]),
    CorpusCase(
        "mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_test_1-100/django__django-13658/django__django-13658.traj.json", .miniSweAgent, emptySessions: 0,
        [
            .init(38, "ManagementUtility instantiates", "mini-swe-agent", "deepseek/deepseek-chat", .success, .test, "django"),
        ]),
    CorpusCase(
        "openhands/All-Hands-AI+openhands-resolver/tests/mock_output/output.jsonl", .openHandsResolver, emptySessions: 0,
        [
            .init(3, "Add MIT license", "openhands", nil, .success, .harness, "pr-viewer"),
            .init(21, "Add a toggle for dark mode", "openhands", nil, .success, .harness, "pr-viewer"),
        ]),
    CorpusCase(
        "openhands/chutiya-repo+OpenHands/tests/runtime/trajs/basic.json", .openHandsEvents, emptySessions: 0,
        [
            .init(1, "Please create a simple 2048 ga", "openhands", "claude-3-5-sonnet-20241022", .success, .agent, "python"),
        ]),
    CorpusCase(
        "openhands/chutiya-repo+OpenHands/tests/runtime/trajs/basic_gui_mode.json", .openHandsEvents, emptySessions: 0,
        [
            .init(4, "I want to create a VueJS app t", "openhands", "claude-3-5-sonnet-20241022", .success, .agent, "javascript/vue"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/tests/test_data/trajectories/gpt4__swe-agent-test-repo__default_from_url__t-0.00__p-0.95__c-3.00__install-1/6e44b9__sweagenttestrepo-1c2844.traj", .sweAgent, emptySessions: 0,
        [
            .init(5, "SyntaxError: invalid syntax\nI'", "swe-agent", "gpt-4o", .success, .run, "test-repo"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/tests/test_data/trajectories/gpt4__swe-agent__test-repo__default_from_url__t-0.00__p-0.95__c-3.00__install-1/swe-agent__test-repo-i1.traj", .sweAgent, emptySessions: 0,
        [
            .init(5, "SyntaxError: invalid syntax\nI'", "swe-agent", "gpt4", .success, .run, "test-repo"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/tests/test_data/trajectories/gpt4__swe-bench-dev-easy_first_only__default__t-0.00__p-0.95__c-3.00__install-1/pydicom__pydicom-1458.traj", .sweAgent, emptySessions: 0,
        [
            .init(12, "Pixel Representation attribute", "swe-agent", "gpt4", .success, .run, "pydicom"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/ctf/crypto/BabyEncryption.traj", .sweAgent, emptySessions: 0,
        [
            .init(16, "We're currently solving the fo", "swe-agent", nil, .success, .run, "babyencryption"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/ctf/pwn/warmup.traj", .sweAgent, emptySessions: 0,
        [
            .init(7, "We're currently solving the fo", "swe-agent", nil, .success, .run, "warmup"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/ctf/rev/rock.traj", .sweAgent, emptySessions: 0,
        [
            .init(12, "We're currently solving the fo", "swe-agent", nil, .success, .run, "rock"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/human_thought__swe-bench-HumanEvalFix-python__lcb__t-0.00__p-0.95__c-4.00__install-0/humanevalfix-python-0.traj", .sweAgent, emptySessions: 0,
        [
            .init(5, "I have a function that has a b", "swe-agent", nil, .success, .run, "humanevalfix-python"),
        ]),
    CorpusCase(
        "swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/replay__marshmallow-code__marshmallow-1867__function_calling_replace__install-1/marshmallow-code__marshmallow-1867.traj", .sweAgent, emptySessions: 0,
        [
            .init(11, "TimeDelta serialization precis", "swe-agent", nil, .success, .run, "marshmallow"),
        ]),]

@Suite(.disabled(if: !Corpus.isAvailable, "the shared corpus is not at ../shared/corpus beside the repository: corpus tests skipped"))
struct CorpusTests {
    @Test func everyCorpusFileHasACase() {
        let files = Set(Corpus.files())
        let cased = Set(corpusCases.map(\.file))
        #expect(files == cased, "corpus files without a case: \(files.subtracting(cased)); cases without a file: \(cased.subtracting(files))")
    }

    @Test(arguments: corpusCases)
    func corpusFile(_ c: CorpusCase) throws {
        let path = Corpus.path(c.file)
        #expect(FormatDetector.detect(path: path) == .format(c.format))
        let summary = try Capturer(pool: nil, options: CaptureOptions(dryRun: true)).capture(paths: [path])
        #expect(summary.warnings.isEmpty)
        #expect(summary.memories.count == c.sessions.count)
        #expect(summary.skipped.filter { $0.reason == "no tool steps" }.count == c.emptySessions)
        for (memory, expected) in zip(summary.memories, c.sessions) {
            #expect(memory.steps.count == expected.steps)
            #expect(memory.task.hasPrefix(expected.taskPrefix), "task: \(memory.task.prefix(60))")
            #expect(memory.source.agent == expected.agent)
            #expect(memory.source.model == expected.model)
            #expect(memory.outcome == expected.outcome)
            #expect(memory.outcomeEvidence?.signal == expected.signal, "\(memory.outcomeEvidence?.detail ?? "no evidence")")
            #expect(memory.domain == expected.domain, "\(memory.domainInference ?? "")")
            #expect(memory.source.format == c.format.rawValue)
            #expect(memory.source.transcriptDigest?.hasPrefix("sha256:") == true)
            #expect(!memory.domain.isEmpty && memory.domainInference != nil)
            for step in memory.steps {
                #expect(step.observation.count <= 2 * 2_000 + 400)
            }
        }
    }

    /// Details the table does not hold: ids, sources, pairing, reasoning kept out.
    @Test func claudeCodeDetails() throws {
        let main = try readSessions(Corpus.path("claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d.jsonl")).1
        let m = try #require(main.memories.first)
        #expect(m.source.sessionId == "258c7280-ae70-4798-800f-63464d01a85d")
        #expect(m.source.agentVersion == "2.1.39")
        #expect(m.source.branch == "spotter-gqc")
        #expect(m.source.workingDirectory == "/home/USER/projects/spotter-worktrees/spotter-gqc")
        #expect(m.source.startedAt == "2026-02-11T20:36:45.618Z")
        #expect(m.tags.contains("compacted"))
        // A worktree of spotter (`spotter-worktrees/spotter-gqc`): the project, not the branch's directory.
        #expect(m.domain == "spotter")
        // Every tool_use got its tool_result: no step is left without an observation or an error flag.
        #expect(m.steps.filter { $0.observation.isEmpty && $0.isError == nil }.count < 10)
        #expect(m.steps.contains { $0.exitStatus == 128 && $0.isError == true })

        let sub = try readSessions(Corpus.path("claude_code_jsonl/marot+spotter/test/fixtures/transcripts/258c7280-ae70-4798-800f-63464d01a85d/subagents/agent-a881341.jsonl")).1
        #expect(sub.memories.first?.source.sessionId == "258c7280-ae70-4798-800f-63464d01a85d/agent-a881341")
        #expect(sub.memories.first?.tags.contains("subagent") == true)
    }

    @Test func benchmarkDomainsAndSources() throws {
        let django = try readSessions(Corpus.path("mini_swe_agent_traj/SWE-agent+mini-swe-agent/output/deepseek_chat_test_1-100/django__django-13658/django__django-13658.traj.json")).1
        #expect(django.memories.first?.domain == "django")
        #expect(django.memories.first?.domainInference == "benchmark instance id django__django-13658")
        #expect(django.memories.first?.source.agentVersion == "2.2.7")

        let resolver = try readSessions(Corpus.path("openhands/All-Hands-AI+openhands-resolver/tests/mock_output/output.jsonl")).1
        #expect(resolver.memories.map(\.source.sessionId) == ["neubig/pr-viewer#5", "neubig/pr-viewer#1"])
        #expect(resolver.memories.allSatisfy { $0.source.repository == "neubig/pr-viewer" })

        let demo = try readSessions(Corpus.path("swe_agent_traj/SWE-agent+SWE-agent/trajectories/demonstrations/ctf/pwn/warmup.traj")).1
        #expect(demo.memories.first?.tags.contains("demonstration") == true)
    }

    /// The corpus captured file by file into one pool, as sessions arrive over time: the share
    /// of unknown outcomes (overall, and among runs that checked their work after their last
    /// edit), the domains and the supersessions. Printed for the report; the goals asserted.
    @Test func outcomeDomainAndSupersessionFigures() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        for file in Corpus.files() { _ = try Capturer(pool: pool).capture(paths: [Corpus.path(file)]) }
        let trajectories = try pool.memories(kinds: [.trajectory])
        // Runs with a test, build or program run after their last edit (one the user refused did not run).
        let checked = trajectories.filter { memory in
            let roles = memory.steps.map(StepRole.of)
            let start = (roles.lastIndex(of: .edit) ?? -1) + 1
            return roles.indices[start...].contains { i in
                if case .check = roles[i] { return !CheckVerdict.wasRefused(memory.steps[i]) }
                return false
            }
        }
        let unknown = trajectories.filter { $0.outcome == .unknown }
        let unknownChecked = checked.filter { $0.outcome == .unknown }
        print("corpus outcomes: \(unknown.count) of \(trajectories.count) unknown; among the \(checked.count) that ran a check after their last edit, \(unknownChecked.count) unknown")
        for signal in OutcomeSignal.allCases {
            let n = trajectories.filter { $0.outcomeEvidence?.signal == signal }.count
            if n > 0 { print("  decided by \(signal.rawValue): \(n)") }
        }
        for (domain, how) in Set(trajectories.map { "\($0.domain)\u{0}\($0.domainInference ?? "")" }).sorted().map({ $0.split(separator: "\u{0}", omittingEmptySubsequences: false) }).map({ (String($0[0]), String($0[1])) }) {
            print("  domain \(domain) ← \(how)")
        }
        // What compaction needs beside the steps: kept in (nearly) every session that has it.
        let withReasoning = trajectories.filter { $0.steps.contains { !($0.reasoning ?? "").isEmpty } }
        let withFinal = trajectories.filter { !($0.trajectory?.result?.finalMessage ?? "").isEmpty }
        let withPatch = trajectories.filter { !($0.trajectory?.result?.patch ?? "").isEmpty }
        let withFirst = trajectories.filter { !($0.trajectory?.firstUserMessage ?? "").isEmpty }
        print("corpus kept: reasoning in \(withReasoning.count), final message in \(withFinal.count), patch in \(withPatch.count), first user message in \(withFirst.count), of \(trajectories.count)")
        #expect(withReasoning.count * 10 >= trajectories.count * 9)
        #expect(withFinal.count * 10 >= trajectories.count * 9)
        let supersessions = trajectories.filter { !$0.supersedes.isEmpty }
        print("corpus supersessions: \(supersessions.count)")
        #expect(Double(unknown.count) <= 0.4 * Double(trajectories.count))
        #expect(Double(unknownChecked.count) <= 0.1 * Double(checked.count))
        // No outcome without evidence, and no evidence for an unknown outcome.
        #expect(trajectories.allSatisfy { ($0.outcome == .unknown) == ($0.outcomeEvidence == nil) })
        // Every supersession extends what it replaces: no run is dropped.
        for memory in supersessions {
            for id in memory.supersedes {
                let earlier = try #require(trajectories.first { $0.id == id })
                #expect(SessionIdentity.extends(memory, earlier))
            }
        }
        // No domain is a path or a user's name.
        #expect(trajectories.allSatisfy { !$0.domain.contains("/") || $0.domain.hasPrefix("javascript/") || $0.domain.hasPrefix("python/") || $0.domain == "c/c++" })
        for memory in trajectories {
            let parts = (memory.source.workingDirectory ?? "").lowercased().components(separatedBy: "/").flatMap { $0.components(separatedBy: "__") }
            let users = parts.indices.dropLast().filter { ["home", "users"].contains(parts[$0]) }.map { parts[$0 + 1] }
            #expect(!users.contains(memory.domain), "\(memory.domain) is the user of \(memory.source.workingDirectory ?? "")")
        }
    }

    /// Over every corpus file, the findings of the scanner: the corpus holds no real credential
    /// (checked by hand), so each finding is a false positive. There are none, in what capture
    /// keeps or in the raw files.
    @Test func falsePositivesOverTheCorpus() throws {
        var total = 0
        var byKind: [String: Int] = [:]
        for file in Corpus.files() {
            let summary = try Capturer(pool: nil, options: CaptureOptions(dryRun: true)).capture(paths: [Corpus.path(file)])
            for (kind, n) in summary.redactions {
                total += n
                byKind[kind, default: 0] += n
            }
            // The raw text too, line by line: what a reader never extracts is scanned here.
            let raw = try String(contentsOfFile: Corpus.path(file), encoding: .utf8)
            for finding in SecretScanner.scan(raw) {
                byKind["raw:" + finding.kind, default: 0] += 1
            }
        }
        print("secret scanner false positives over the corpus: \(total) in captured strings; by kind: \(byKind.sorted { $0.key < $1.key })")
        #expect(total == 0)
        #expect(byKind.isEmpty, "\(byKind)")
    }
}
