import Foundation
import MnemHTTP
import MnemCore

/// Where the LLM compactor sends its prompts: an OpenAI-compatible chat-completions endpoint.
public struct LLMConfiguration: Sendable {
    public var baseURL: String
    public var model: String
    public var apiKey: String?
    /// Seconds to wait for one reply.
    public var timeout: Double

    public init(baseURL: String, model: String, apiKey: String?, timeout: Double = 120) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
    }

    /// `MNEM_LLM_BASE_URL`, `MNEM_LLM_MODEL`, `MNEM_LLM_API_KEY` (and `MNEM_LLM_TIMEOUT`), each
    /// falling back to the pool's git configuration (`mnem.llm.baseurl`, `mnem.llm.model`,
    /// `mnem.llm.apikey`, `mnem.llm.timeout`).
    ///
    /// - Throws: `LLMError.notConfigured` naming what is missing.
    public static func resolve(environment: [String: String], config: (String) -> String?) throws(LLMError) -> LLMConfiguration {
        func value(_ env: String, _ key: String) -> String? {
            if let v = environment[env], !v.isEmpty { return v }
            if let v = config(key), !v.isEmpty { return v }
            return nil
        }
        let base = value("MNEM_LLM_BASE_URL", "mnem.llm.baseurl")
        let model = value("MNEM_LLM_MODEL", "mnem.llm.model")
        var missing: [String] = []
        if base == nil { missing.append("MNEM_LLM_BASE_URL (or git config mnem.llm.baseurl)") }
        if model == nil { missing.append("MNEM_LLM_MODEL (or git config mnem.llm.model)") }
        guard let base, let model else { throw .notConfigured(missing.joined(separator: " and ")) }
        guard let url = URL(string: base), let scheme = url.scheme, scheme == "http" || scheme == "https", url.host != nil else {
            throw .notConfigured("MNEM_LLM_BASE_URL '\(base)' is not an http(s) URL")
        }
        // Bounded so that no configured value (inf, nan, a negative) reaches the timer arithmetic.
        var timeout = value("MNEM_LLM_TIMEOUT", "mnem.llm.timeout").flatMap(Double.init) ?? 120
        if !timeout.isFinite || timeout < 1 { timeout = timeout == .infinity ? 3_600 : 1 }
        timeout = min(timeout, 3_600)
        return LLMConfiguration(baseURL: base, model: model, apiKey: value("MNEM_LLM_API_KEY", "mnem.llm.apikey"), timeout: timeout)
    }

    /// `{base}/v1/chat/completions`, whether or not the base already ends in `/v1`.
    public var endpoint: URL? {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") { base.removeLast(3) }
        return URL(string: base + "/v1/chat/completions")
    }
}

/// A hard limit on what one run may spend.
public struct LLMBudget: Sendable {
    public var maxCalls: Int
    public var maxTokens: Int
    /// The reply length asked for (`max_tokens`), reserved before each call.
    public var replyTokens: Int

    public static let defaultMaxCalls = 30
    public static let defaultMaxTokens = 60_000

    public init(maxCalls: Int = defaultMaxCalls, maxTokens: Int = defaultMaxTokens, replyTokens: Int = 1_500) {
        self.maxCalls = maxCalls
        self.maxTokens = maxTokens
        self.replyTokens = replyTokens
    }

    /// Tokens of a text, estimated as characters / 4 (rounded up).
    public static func estimate(_ text: String) -> Int { (text.utf8.count + 3) / 4 }
}

/// What went wrong talking to the LLM, in one line.
public enum LLMError: Error, Sendable, CustomStringConvertible {
    case notConfigured(String)
    case refused(status: Int)
    case http(status: Int, detail: String)
    case rateLimited(attempts: Int)
    case transport(String)
    case malformed(what: String, attempts: Int, reason: String)
    case budgetExhausted(String)
    /// An agent CLI could not be run or said it failed.
    case agent(String)

    public var description: String {
        switch self {
        case .notConfigured(let what): "the LLM compactor is not configured: set \(what)"
        case .refused(let status): "the LLM endpoint refused the API key (HTTP \(status)); check MNEM_LLM_API_KEY or mnem.llm.apikey"
        case .http(let status, let detail): "the LLM endpoint answered HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")"
        case .rateLimited(let attempts): "the LLM endpoint kept rate-limiting (HTTP 429) after \(attempts) attempts"
        case .transport(let reason): "LLM request failed: \(reason)"
        case .malformed(let what, let attempts, let reason): "the model's reply for \(what) was not valid after \(attempts) attempts: \(reason)"
        case .budgetExhausted(let what): "budget exhausted: \(what)"
        case .agent(let what): what
        }
    }
}

/// Sends prompts to a backend within a budget: at most `maxCalls` calls and `maxTokens` tokens
/// this run, and, when a daily ledger is given (hooks), what is left of today's budget.
public final class ChatClient {
    public let backend: any LLMBackend
    public let budget: LLMBudget
    /// Today's allowance, shared by every run that hooks start.
    public let daily: DailyBudget?

    public private(set) var calls = 0
    public private(set) var tokens = 0
    /// The model the last reply named (for the commit's trailer).
    public private(set) var lastModel: String?
    /// What a call cost beyond its estimated prompt and reply, as measured so far (nil before the first).
    private var measuredOverhead: Int?

    public init(backend: any LLMBackend, budget: LLMBudget, daily: DailyBudget? = nil) {
        self.backend = backend
        self.budget = budget
        self.daily = daily
    }

    /// An OpenAI-compatible endpoint.
    public convenience init(
        configuration: LLMConfiguration, budget: LLMBudget, transport: any HTTPTransport = CurlTransport(),
        maxRateLimitRetries: Int = 3, maxRetryAfter: Double = 30
    ) {
        self.init(
            backend: HTTPChatBackend(configuration: configuration, transport: transport, maxRateLimitRetries: maxRateLimitRetries, maxRetryAfter: maxRetryAfter),
            budget: budget)
    }

    /// One completion: the reply's text.
    ///
    /// - Throws: `LLMError` — `.budgetExhausted` before a call that would exceed the budget;
    ///   otherwise what the backend throws.
    public func complete(system: String, user: String) throws(LLMError) -> String {
        let promptTokens = LLMBudget.estimate(system) + LLMBudget.estimate(user)
        // The budget is hard: a call is made only if its worst case fits.
        let worstCase = promptTokens + budget.replyTokens + (measuredOverhead ?? backend.overheadTokens)
        guard calls < budget.maxCalls else {
            throw .budgetExhausted("\(calls) of at most \(budget.maxCalls) calls made (--max-calls)")
        }
        guard tokens + worstCase <= budget.maxTokens else {
            throw .budgetExhausted("\(tokens) of at most \(budget.maxTokens) tokens used; the next call may need \(worstCase) (--max-tokens)")
        }
        if let daily { try daily.reserve(tokens: worstCase) }
        calls += 1
        let reply: LLMReply
        do {
            reply = try backend.send(system: system, user: user, replyTokens: budget.replyTokens)
        } catch {
            // A failed call still cost its prompt.
            tokens += promptTokens
            daily?.record(tokens: promptTokens)
            throw error
        }
        // A backend's count is input: clamp it so a wild number cannot overflow the tally.
        let used = reply.tokens.map { min($0, 100_000_000) } ?? promptTokens + LLMBudget.estimate(reply.text)
        measuredOverhead = max(measuredOverhead ?? 0, used - promptTokens - LLMBudget.estimate(reply.text))
        tokens = min(tokens + used, Int.max / 2)
        daily?.record(tokens: used)
        if let model = reply.model { lastModel = model }
        return reply.text
    }

    /// `Retry-After` as seconds (a number, or an HTTP date), or nil.
    static func retryAfter(_ value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
