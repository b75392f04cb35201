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

    public init(maxCalls: Int = defaultMaxCalls, maxTokens: Int = defaultMaxTokens, replyTokens: Int = 700) {
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

    public var description: String {
        switch self {
        case .notConfigured(let what): "the LLM compactor is not configured: set \(what)"
        case .refused(let status): "the LLM endpoint refused the API key (HTTP \(status)); check MNEM_LLM_API_KEY or mnem.llm.apikey"
        case .http(let status, let detail): "the LLM endpoint answered HTTP \(status)\(detail.isEmpty ? "" : ": \(detail)")"
        case .rateLimited(let attempts): "the LLM endpoint kept rate-limiting (HTTP 429) after \(attempts) attempts"
        case .transport(let reason): "LLM request failed: \(reason)"
        case .malformed(let what, let attempts, let reason): "the model's reply for \(what) was not valid after \(attempts) attempts: \(reason)"
        case .budgetExhausted(let what): "budget exhausted: \(what)"
        }
    }
}

/// Sends chat-completion requests within a budget, honouring 429 `Retry-After` (bounded).
public final class ChatClient {
    public let configuration: LLMConfiguration
    public let budget: LLMBudget
    let transport: any HTTPTransport
    /// How many 429 replies one request survives.
    let maxRateLimitRetries: Int
    /// The longest `Retry-After` honoured, in seconds.
    let maxRetryAfter: Double

    public private(set) var calls = 0
    public private(set) var tokens = 0

    public init(
        configuration: LLMConfiguration, budget: LLMBudget, transport: any HTTPTransport = CurlTransport(),
        maxRateLimitRetries: Int = 3, maxRetryAfter: Double = 30
    ) {
        self.configuration = configuration
        self.budget = budget
        self.transport = transport
        self.maxRateLimitRetries = maxRateLimitRetries
        self.maxRetryAfter = maxRetryAfter
    }

    /// One chat completion: the reply's text.
    ///
    /// - Throws: `LLMError` — `.budgetExhausted` before a call that would exceed the budget,
    ///   `.refused` on 401/403, `.rateLimited` after too many 429s, `.http`, `.transport`, `.malformed`.
    public func complete(system: String, user: String) throws(LLMError) -> String {
        guard let url = configuration.endpoint else { throw .notConfigured("a valid MNEM_LLM_BASE_URL") }
        let request: JSONValue = .object([
            "model": .string(configuration.model),
            "messages": .array([
                .object(["role": "system", "content": .string(system)]),
                .object(["role": "user", "content": .string(user)]),
            ]),
            "temperature": .int(0),
            "max_tokens": .int(Int64(budget.replyTokens)),
        ])
        let body = Data(CanonicalJSON.compact(request))
        let promptTokens = LLMBudget.estimate(system) + LLMBudget.estimate(user)
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let key = configuration.apiKey { headers["Authorization"] = "Bearer \(key)" }
        var rateLimited = 0
        while true {
            guard calls < budget.maxCalls else {
                throw .budgetExhausted("\(calls) of at most \(budget.maxCalls) calls made (--max-calls)")
            }
            guard tokens + promptTokens + budget.replyTokens <= budget.maxTokens else {
                throw .budgetExhausted("\(tokens) of at most \(budget.maxTokens) tokens used; the next call needs about \(promptTokens + budget.replyTokens) (--max-tokens)")
            }
            calls += 1
            let response: HTTPResponse
            do {
                response = try transport.post(url, headers: headers, body: body, timeout: configuration.timeout)
            } catch {
                throw .transport(String(describing: error))
            }
            switch response.status {
            case 200..<300:
                return try content(of: response, promptTokens: promptTokens)
            case 401, 403:
                throw .refused(status: response.status)
            case 429:
                rateLimited += 1
                guard rateLimited <= maxRateLimitRetries else { throw .rateLimited(attempts: rateLimited) }
                var wait = min(maxRetryAfter, Self.retryAfter(response.headers["retry-after"]) ?? Double(rateLimited))
                if !wait.isFinite { wait = maxRetryAfter }
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            default:
                let detail = String(decoding: response.body.prefix(200), as: UTF8.self).firstLine(limit: 160)
                throw .http(status: response.status, detail: detail)
            }
        }
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

    private func content(of response: HTTPResponse, promptTokens: Int) throws(LLMError) -> String {
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body, duplicateKeys: .lastWins)
        } catch {
            tokens += promptTokens
            throw .malformed(what: "the response", attempts: 1, reason: "the body is not JSON (\(error.description))")
        }
        let text = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
        if let used = json["usage"]?["total_tokens"]?.intValue, used > 0 {
            // A server's count is input: clamp it so a wild number cannot overflow the tally.
            tokens = min(tokens + Int(min(used, 100_000_000)), Int.max / 2)
        } else {
            tokens += promptTokens + LLMBudget.estimate(text ?? "")
        }
        guard let text else { throw .malformed(what: "the response", attempts: 1, reason: "no choices[0].message.content") }
        return text
    }
}
