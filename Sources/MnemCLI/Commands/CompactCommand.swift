import Foundation
import MnemCompaction
import MnemCore
import MnemIndex

/// `mnem compact`: promotes trajectories to workflows, summaries and insights.
struct CompactCommand: Command {
    static let name = "compact"
    static let abstract = "Promote trajectories to workflows, summaries and insights"
    static let help = """
        Usage: mnem compact [--kind K]… [--llm [claude|codex|gemini|http]] [--dry-run] [--max-calls N] [--max-tokens N] [--json]

          --kind K        produce only this kind: workflow, summary or insight (repeatable; default all three)
          --llm [B]       compact with a language model, one call per trajectory (its summary, workflow and up to
                          two insights), instead of the offline miner. B is the backend:
                            claude   runs `claude -p --output-format json` (Claude Code, headless)
                            codex    runs `codex exec --json` (Codex CLI, headless)
                            gemini   runs `gemini -p --output-format json` (Gemini CLI, headless)
                            http     an OpenAI-compatible endpoint: MNEM_LLM_BASE_URL, MNEM_LLM_MODEL,
                                     MNEM_LLM_API_KEY (or git config mnem.llm.baseurl, mnem.llm.model, mnem.llm.apikey)
                          Without B: MNEM_LLM, else git config mnem.llm, else http.
          --dry-run       compute and report, write nothing; with --llm, print the estimate and call nothing
          --max-calls N   with --llm: at most N calls this run (default \(LLMBudget.defaultMaxCalls))
          --max-tokens N  with --llm: at most N tokens this run, as the backend reports them, else characters / 4
                          (default \(LLMBudget.defaultMaxTokens) for http, 1000000 for an agent CLI)

        Only what is new since the last compaction is read: a state kept in the pool's git directory
        says which trajectories were compacted at which commit. Insights are mined from all trajectories
        and merged into the insights already there (one memory per pattern; near-duplicates merged).
        One commit per run, or none when nothing changed.
        """

    var kinds: Set<MemoryKind>
    var llm: String??
    var dryRun: Bool
    var maxCalls: Int
    var maxTokens: Int?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        var kinds = Set<MemoryKind>()
        for text in try args.options("--kind", "-k") {
            for part in text.split(separator: ",") {
                guard let kind = MemoryKind(rawValue: String(part)), kind != .trajectory else {
                    throw UsageError("--kind takes workflow, summary or insight, not '\(part)'")
                }
                kinds.insert(kind)
            }
        }
        self.kinds = kinds.isEmpty ? [.workflow, .summary, .insight] : kinds
        llm = try args.optionalValue("--llm", values: BackendChoice.names)
        dryRun = args.flag("--dry-run", "-n")
        maxCalls = try args.intOption("--max-calls", range: 0...100_000) ?? LLMBudget.defaultMaxCalls
        maxTokens = try args.intOption("--max-tokens", range: 0...100_000_000)
        let rest = try args.positionals()
        guard rest.isEmpty else { throw UsageError("compact takes no arguments (got '\(rest[0])')") }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        // Near-duplicate insights are judged by the default embedder; without its model, by word overlap.
        let embedder = try? EmbedderRegistry.makeEmbedder(name: EmbedderRegistry.defaultName, environment: console.environment)
        let options = CompactionOptions(kinds: kinds, dryRun: dryRun, embedder: embedder)
        var progress: (@Sendable (String) -> Void)?
        if console.showsProgress && !global.json { progress = { message in console.err("mnem: " + message) } }
        let author = pool.commitInfo("compact", console)
        let report: CompactionReport
        if let choice = llm {
            let repository = pool.repository
            func configValue(_ key: String) -> String? {
                do { return try repository.configValue(key) } catch { return nil }
            }
            let backend = try BackendChoice.backend(named: choice, environment: console.environment, config: configValue)
            let budget = LLMBudget(maxCalls: maxCalls, maxTokens: maxTokens ?? BackendChoice.defaultMaxTokens(backend))
            let compactor = LLMCompactor(options: options, client: ChatClient(backend: backend, budget: budget))
            if dryRun {
                let estimate = try compactor.estimate(pool: pool)
                if global.json {
                    printJSON(estimate.json, console)
                } else {
                    console.out(
                        "would make \(estimate.calls) calls (\(backend.name)) for \(estimate.trajectories) trajectories, about \(estimate.promptTokens) prompt tokens (\(estimate.totalTokens) with replies); budget \(budget.maxCalls) calls, \(budget.maxTokens) tokens: \(estimate.withinBudget ? "within" : "over") budget"
                    )
                }
                return MnemCLI.ExitCode.success
            }
            report = try compactor.run(pool: pool, author: author, progress: progress)
        } else {
            report = try OfflineCompactor(options: options).run(pool: pool, author: author, progress: progress)
        }
        if global.json {
            printJSON(report.json, console)
        } else {
            let counts = [MemoryKind.workflow, .summary, .insight].map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
            let verb = dryRun ? "would add" : "added"
            var line = "\(verb) \(counts)"
            if !report.removed.isEmpty { line += "; \(report.removed.count) insights superseded" }
            line += " from \(report.trajectories) trajectories"
            if let commit = report.commit { line += " (commit \(commit.prefix(12)))" } else if !dryRun { line += " (nothing to commit)" }
            console.out(line)
        }
        if let stopped = report.stoppedEarly { console.err("mnem: \(stopped)") }
        return MnemCLI.ExitCode.success
    }
}
