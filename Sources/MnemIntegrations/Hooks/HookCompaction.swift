import Foundation
import MnemCompaction
import MnemCore
import MnemIndex

/// What the detached capture process does after a capture added trajectories: compact them.
///
/// Offline compaction always (it reads only what is new, through the compaction state); LLM
/// compaction only when a backend is chosen (`MNEM_LLM` or git config `mnem.llm`), within
/// today's budget (`DailyBudget`) and at most `maxCallsPerRun` calls. Off with
/// `MNEM_HOOK_COMPACT=0` or git config `mnem.hooks.compact false`. Whatever fails is logged;
/// the capture was committed before and stays.
enum HookCompaction {
    static let maxCallsPerRun = 5

    static func afterCapture(pool: Pool, environment: [String: String], log: HookLog, label: String) {
        func config(_ key: String) -> String? {
            do { return try pool.repository.configValue(key) } catch { return nil }
        }
        let switchValue = (environment["MNEM_HOOK_COMPACT"] ?? config("mnem.hooks.compact"))?.lowercased()
        if let switchValue, ["0", "false", "no", "off"].contains(switchValue) { return }
        let embedder = try? EmbedderRegistry.makeEmbedder(name: EmbedderRegistry.defaultName, environment: environment)
        let options = CompactionOptions(embedder: embedder)
        let author = CommitInfo(summary: "compact", trailers: [("Mnem-Hook", label)])
        do {
            _ = try OfflineCompactor(options: options).run(pool: pool, author: author)
        } catch {
            log.append(label, "offline compaction: \(error.oneLine)")
        }
        guard BackendChoice.configured(environment: environment, config: config) != nil else { return }
        do {
            let backend = try BackendChoice.backend(named: nil, environment: environment, config: config)
            let limits = DailyBudget.limits(environment: environment, config: config)
            let daily = DailyBudget(gitDirectory: pool.repository.gitDirectory, maxCalls: limits.calls, maxTokens: limits.tokens)
            let budget = LLMBudget(maxCalls: maxCallsPerRun, maxTokens: min(limits.tokens, BackendChoice.defaultMaxTokens(backend)))
            let report = try LLMCompactor(options: options, client: ChatClient(backend: backend, budget: budget, daily: daily)).run(pool: pool, author: author)
            if let stopped = report.stoppedEarly { log.append(label, "LLM compaction (\(backend.name)): \(stopped)") }
        } catch {
            log.append(label, "LLM compaction: \(error.oneLine)")
        }
    }
}
