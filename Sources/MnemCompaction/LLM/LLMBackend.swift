import Foundation
import MnemCore
import MnemHTTP

/// One reply of a language model: its text and the tokens the call used.
public struct LLMReply: Sendable {
    public var text: String
    /// As the backend reported them; nil when it reported none (then the prompt and reply are estimated).
    public var tokens: Int?
    /// The model that answered, when the backend says.
    public var model: String?

    public init(text: String, tokens: Int?, model: String? = nil) {
        self.text = text
        self.tokens = tokens
        self.model = model
    }
}

/// Something that answers a prompt: an OpenAI-compatible endpoint, or an agent CLI run headless.
///
/// A backend sends one request per call and never retries on its own (rate limits aside); the
/// budget is kept by `ChatClient`, which calls it.
public protocol LLMBackend: Sendable {
    /// How the backend is named in messages and commit trailers (`openai`, `claude`, `codex`, `gemini`).
    var name: String { get }
    /// The configured model, when there is one.
    var model: String? { get }
    /// Tokens a call costs beyond the prompt and the reply (an agent CLI's own system prompt and
    /// tools), assumed before the first call of a run; afterwards what calls actually cost is used.
    var overheadTokens: Int { get }
    func send(system: String, user: String, replyTokens: Int) throws(LLMError) -> LLMReply
}

/// Chat completions over HTTP (`{base}/v1/chat/completions`), honouring 429 `Retry-After` (bounded).
public struct HTTPChatBackend: LLMBackend {
    public let configuration: LLMConfiguration
    let transport: any HTTPTransport
    /// How many 429 replies one request survives.
    let maxRateLimitRetries: Int
    /// The longest `Retry-After` honoured, in seconds.
    let maxRetryAfter: Double

    public var name: String { "openai" }
    public var model: String? { configuration.model }
    public var overheadTokens: Int { 0 }

    public init(configuration: LLMConfiguration, transport: any HTTPTransport = CurlTransport(), maxRateLimitRetries: Int = 3, maxRetryAfter: Double = 30) {
        self.configuration = configuration
        self.transport = transport
        self.maxRateLimitRetries = maxRateLimitRetries
        self.maxRetryAfter = maxRetryAfter
    }

    public func send(system: String, user: String, replyTokens: Int) throws(LLMError) -> LLMReply {
        guard let url = configuration.endpoint else { throw .notConfigured("a valid MNEM_LLM_BASE_URL") }
        let request: JSONValue = .object([
            "model": .string(configuration.model),
            "messages": .array([
                .object(["role": "system", "content": .string(system)]),
                .object(["role": "user", "content": .string(user)]),
            ]),
            "temperature": .int(0),
            "max_tokens": .int(Int64(replyTokens)),
        ])
        let body = Data(CanonicalJSON.compact(request))
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let key = configuration.apiKey { headers["Authorization"] = "Bearer \(key)" }
        var rateLimited = 0
        while true {
            let response: HTTPResponse
            do {
                response = try transport.post(url, headers: headers, body: body, timeout: configuration.timeout)
            } catch {
                throw .transport(String(describing: error))
            }
            switch response.status {
            case 200..<300:
                return try content(of: response)
            case 401, 403:
                throw .refused(status: response.status)
            case 429:
                rateLimited += 1
                guard rateLimited <= maxRateLimitRetries else { throw .rateLimited(attempts: rateLimited) }
                var wait = min(maxRetryAfter, ChatClient.retryAfter(response.headers["retry-after"]) ?? Double(rateLimited))
                if !wait.isFinite { wait = maxRetryAfter }
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            default:
                let detail = String(decoding: response.body.prefix(200), as: UTF8.self).firstLine(limit: 160)
                throw .http(status: response.status, detail: detail)
            }
        }
    }

    private func content(of response: HTTPResponse) throws(LLMError) -> LLMReply {
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body, duplicateKeys: .lastWins)
        } catch {
            throw .malformed(what: "the response", attempts: 1, reason: "the body is not JSON (\(error.description))")
        }
        guard let text = json["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue else {
            throw .malformed(what: "the response", attempts: 1, reason: "no choices[0].message.content")
        }
        let used = json["usage"]?["total_tokens"]?.intValue.flatMap { $0 > 0 ? Int(min($0, 100_000_000)) : nil }
        return LLMReply(text: text, tokens: used, model: json["model"]?.stringValue ?? configuration.model)
    }
}
