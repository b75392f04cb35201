import Foundation

/// Which LLM backend compaction uses: named on the command line (`--llm claude`), else chosen
/// once in `MNEM_LLM` or git config `mnem.llm`, else the OpenAI-compatible endpoint.
public enum BackendChoice {
    /// The names `--llm` and `mnem.llm` take.
    public static let names: Set<String> = Set(AgentCLIBackend.Kind.allCases.map(\.rawValue) + ["http"])

    /// The configured backend name, if any (`MNEM_LLM`, then `mnem.llm`).
    public static func configured(environment: [String: String], config: (String) -> String?) -> String? {
        if let name = environment["MNEM_LLM"], !name.isEmpty { return name }
        if let name = config("mnem.llm"), !name.isEmpty { return name }
        return nil
    }

    /// The backend `name` (nil: the configured one, else `http`).
    /// - Throws: `LLMError.notConfigured` for an unknown name, a CLI that is not installed, or an endpoint not configured.
    public static func backend(named name: String?, environment: [String: String], config: (String) -> String?) throws(LLMError) -> any LLMBackend {
        let chosen = name ?? configured(environment: environment, config: config) ?? "http"
        if let kind = AgentCLIBackend.Kind(rawValue: chosen) {
            let timeout = (environment["MNEM_LLM_TIMEOUT"] ?? config("mnem.llm.timeout")).flatMap(Double.init).map { min(max($0, 1), 3_600) } ?? 600
            return try AgentCLIBackend(kind, environment: environment, timeout: timeout)
        }
        guard chosen == "http" else {
            throw .notConfigured("a known backend: '\(chosen)' is not one of \(names.sorted().joined(separator: ", ")) (MNEM_LLM, git config mnem.llm or --llm)")
        }
        return HTTPChatBackend(configuration: try LLMConfiguration.resolve(environment: environment, config: config))
    }

    /// The run's token limit when none is given: an agent CLI brings its own system prompt and
    /// tools to every call (tens of thousands of tokens, mostly cached), an endpoint does not.
    public static func defaultMaxTokens(_ backend: any LLMBackend) -> Int {
        backend is AgentCLIBackend ? 1_000_000 : LLMBudget.defaultMaxTokens
    }
}
