import Foundation
import MnemCore
import MnemGit
import MnemIntegrations
import MnemTestSupport

@testable import MnemCLI

/// A small pool with every shape the site must show: a provenance chain (trajectory → summary
/// and workflow → insight), a superseded trajectory, feedback, a hostile memory whose every
/// field tries to run script, and one hand-broken file.
struct ExportFixture {
    let dir: TemporaryDirectory
    let pool: String
    var t1: Memory, t2: Memory, t3: Memory, summary: Memory, workflow: Memory, insight: Memory, hostile: Memory
    let brokenPath = "memories/insight/ab/ab00000000000000000000000000000000000000.json"

    /// Text a hostile memory carries: if any of it ran, it sets `window.__mnemPwned`.
    static let hostileTitle = "<script>window.__mnemPwned=1</script><img src=x onerror=\"window.__mnemPwned=2\">Hostile title"
    static let hostileNote = "<img src=x onerror=\"window.__mnemPwned=3\">note"

    var all: [Memory] { [t1, t2, t3, summary, workflow, insight, hostile] }

    init() throws {
        dir = TemporaryDirectory("export")
        pool = dir.file("pool")
        let created = try Pool.create(at: pool)
        let author = Signature(name: "Ada Tester", email: "ada@mnem.invalid")

        t3 = Memory(
            body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "pytest -x tests/test_parse.py", observation: "1 failed", exitStatus: 1)])),
            task: "Parser rejects timestamps with offsets (first capture)", domain: "python",
            source: MemorySource(agent: "claude-code", model: "claude-opus-4-6", sessionId: "sess-parser"))
        t1 = Memory(
            body: .trajectory(
                Trajectory(
                    steps: [
                        TrajectoryStep(tool: "bash", input: "pytest -x tests/test_parse.py", observation: "E   ValueError: bad offset\n1 failed", exitStatus: 1,
                            reasoning: "Reproduce the failure first."),
                        TrajectoryStep(tool: "Edit", input: "{\"file\":\"parse.py\"}", observation: "edited"),
                        TrajectoryStep(tool: "bash", input: "pytest -x tests/test_parse.py", observation: "3 passed", exitStatus: 0),
                    ], firstUserMessage: "The parser rejects +02:00 offsets, please fix",
                    result: TrajectoryResult(patch: "--- a/parse.py\n+++ b/parse.py\n@@\n-x\n+y\n", finalMessage: "Fixed the offset parsing."))),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success,
            source: MemorySource(agent: "claude-code", agentVersion: "2.1.40", model: "claude-opus-4-6", sessionId: "sess-parser", format: "claude-code"),
            supersedes: [t3.id])
        t2 = Memory(
            body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "cargo test", observation: "ok", exitStatus: 0)])),
            task: "Resize panics on zero-width images", domain: "rust", outcome: .success,
            source: MemorySource(agent: "codex", model: "gpt-5", sessionId: "sess-rust"))
        summary = Memory(
            body: .summary(
                Summary(
                    taskSummary: "Offsets in ISO 8601 timestamps were rejected.",
                    experience: Experience(environment: "python, pytest", actions: "reproduced, edited parse.py, re-ran tests",
                        results: "3 passed", why: "the test after the last edit confirmed the fix"))),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success,
            source: MemorySource(agent: "claude-code", model: "claude-opus-4-6", sessionId: "sess-parser"), derivedFrom: [t1.id])
        workflow = Memory(
            body: .workflow(Workflow(goal: "Fix a failing parser for one input format", steps: [
                WorkflowStep(category: "reproduce", action: "run the failing test", example: "pytest -x <test>"),
                WorkflowStep(category: "edit", action: "change the parser"),
                WorkflowStep(category: "test", action: "run the tests again"),
            ])),
            task: "Parser rejects timestamps with offsets", domain: "python", outcome: .success, derivedFrom: [t1.id])
        insight = Memory(
            body: .insight(
                Insight(
                    title: "Run the narrowest test after the last edit", description: "Sessions that re-ran a test after their final edit succeeded.",
                    content: "After the last change, run the narrowest test that covers it before declaring the task done.",
                    evidence: InsightEvidence(memories: [t1.id.rawValue, t2.id.rawValue], domains: ["python", "rust"], successRateWith: 1.0, successRateWithout: 0.25))),
            task: "Cross-task validation habit", domain: "general", outcome: .success, derivedFrom: [summary.id, t2.id], tags: ["validation"])
        hostile = Memory(
            body: .insight(
                Insight(
                    title: Self.hostileTitle, description: "</script><script>window.__mnemPwned=4</script>",
                    content: "<iframe src=\"javascript:window.top.__mnemPwned=5\"></iframe><a href=\"javascript:window.__mnemPwned=6\">click</a>")),
            task: "\u{2028}</script><script>window.__mnemPwned=8</script>", domain: "\"><svg onload=window.__mnemPwned=7>",
            source: MemorySource(
                agent: "<b onmouseover=window.__mnemPwned=9>agent</b>", model: "model'\"><script>window.__mnemPwned=10</script>",
                sessionId: "s\"><img src=x onerror=window.__mnemPwned=11>", repository: "javascript:window.__mnemPwned=12"),
            tags: ["javascript:alert(1)", "<style>body{display:none}</style>"])

        _ = try created.add([t3, t2], info: CommitInfo(summary: "capture: 2 trajectories", author: author, trailers: [("Mnem-Agent", "claude-code")]))
        _ = try created.add([t1], info: CommitInfo(summary: "capture: the grown session", author: author))
        _ = try created.add(
            [summary, workflow, insight, hostile], info: CommitInfo(summary: "compact (offline)", author: Signature(name: "Bo Compactor", email: "bo@mnem.invalid")))
        for (day, (helped, note)) in [(true, "saved a retry"), (true, ""), (false, Self.hostileNote)].enumerated() {
            try FeedbackStore.record(
                Feedback(memory: insight.id, helped: helped, note: note, agent: "claude-code", createdAt: "2026-01-0\(day + 1)T00:00:00Z"),
                in: created, author: author)
        }
        // A file edited by hand with plain git: not valid JSON. The export must skip it, not fail.
        let repository = created.repository
        let parent = try created.tip()
        let base = try parent.map { try repository.commit($0).tree }
        let blob = try repository.writeBlob(Array("{ not json".utf8))
        let tree = try repository.buildTree(base: base, edits: [.upsert(path: brokenPath, blob: blob)])
        let commit = try repository.createCommit(
            tree: tree, parents: parent.map { [$0] } ?? [], author: author, committer: author, message: "hand edit")
        try repository.compareAndSwapReference(created.branch, to: commit, expected: parent, logMessage: "test: hand edit")
    }

    var cli: CLI { CLI(dir) }

    /// Runs `mnem export --html DIR` in-process.
    func export(to site: String) -> CLI.Result { cli.run(["--pool", pool, "export", "--html", site]) }
}

/// Runs `mnem` in-process with a captured console, in `dir`, with a private HOME.
struct CLI {
    let dir: TemporaryDirectory
    var environment: [String: String]

    init(_ dir: TemporaryDirectory, environment: [String: String] = [:]) {
        self.dir = dir
        self.environment = ["HOME": dir.file("home"), "MNEM_AUTHOR_NAME": "tester", "MNEM_AUTHOR_EMAIL": "tester@mnem.invalid"]
            .merging(environment) { $1 }
    }

    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String = "") -> Result {
        let console = Console.captured(environment: environment, currentDirectory: dir.path, stdin: Data(stdin.utf8))
        let code = MnemCLI.run(arguments, console: console)
        return Result(code: code, stdout: console.stdout, stderr: console.stderr)
    }
}

/// Every file under `root`, relative to it.
func siteFiles(_ root: String) -> [String] {
    var out: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: root)
    while let path = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { out.append(path) }
    }
    return out.sorted()
}

/// The values of every `href="…"` and `src="…"` attribute in `html`.
func references(in html: String) -> [String] {
    var out: [String] = []
    for attribute in ["href=\"", "src=\""] {
        var rest = html[...]
        while let start = rest.range(of: attribute) {
            rest = rest[start.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            out.append(String(rest[..<end]))
            rest = rest[end...]
        }
    }
    return out
}

/// The text between each `<` and the next `>` in `html`.
func tags(in html: String) -> [String] {
    var out: [String] = []
    var rest = html[...]
    while let open = rest.firstIndex(of: "<") {
        rest = rest[rest.index(after: open)...]
        guard let close = rest.firstIndex(of: ">") else { break }
        out.append(String(rest[..<close]))
        rest = rest[rest.index(after: close)...]
    }
    return out
}
