import Foundation
import MnemCore

/// What LLM compaction started by hooks may spend in one day, across every run.
///
/// A ledger in the pool's git directory (`mnem/llm-ledger`, one JSON object: the day, the calls
/// and the tokens spent) is read and written under an exclusive lock, so two hooks finishing
/// at once cannot both spend the last of the budget. A ledger from another day, or one that
/// does not parse, counts as nothing spent today. Limits: `MNEM_LLM_DAILY_CALLS` and
/// `MNEM_LLM_DAILY_TOKENS`, else git config `mnem.llm.dailycalls` and `mnem.llm.dailytokens`.
///
/// `@unchecked Sendable`: the counters are only touched under `lock`.
public final class DailyBudget: @unchecked Sendable {
    public static let defaultCalls = 20
    public static let defaultTokens = 400_000

    public let path: String
    public let maxCalls: Int
    public let maxTokens: Int
    let today: String
    private let lock = NSLock()

    public init(gitDirectory: String, maxCalls: Int, maxTokens: Int, now: Date = Date()) {
        path = (gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/") + "mnem/llm-ledger"
        self.maxCalls = maxCalls
        self.maxTokens = maxTokens
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        today = formatter.string(from: now)
    }

    /// The limits from the environment or the pool's configuration.
    public static func limits(environment: [String: String], config: (String) -> String?) -> (calls: Int, tokens: Int) {
        func value(_ env: String, _ key: String, _ fallback: Int) -> Int {
            let text = environment[env].flatMap { $0.isEmpty ? nil : $0 } ?? config(key)
            return text.flatMap(Int.init).map { max(0, min($0, 100_000_000)) } ?? fallback
        }
        return (value("MNEM_LLM_DAILY_CALLS", "mnem.llm.dailycalls", defaultCalls), value("MNEM_LLM_DAILY_TOKENS", "mnem.llm.dailytokens", defaultTokens))
    }

    /// Today's spending so far.
    public func spent() -> (calls: Int, tokens: Int) {
        lock.withLock { withLedger { $0 } }
    }

    /// Counts one call that may use up to `tokens`, or throws when today's budget cannot hold it.
    func reserve(tokens: Int) throws(LLMError) {
        var refused: String?
        _ = lock.withLock {
            withLedger { ledger in
                if ledger.calls >= maxCalls {
                    refused = "\(ledger.calls) of at most \(maxCalls) calls made today (mnem.llm.dailycalls)"
                    return ledger
                }
                if ledger.tokens + tokens > maxTokens {
                    refused = "\(ledger.tokens) of at most \(maxTokens) tokens used today (mnem.llm.dailytokens)"
                    return ledger
                }
                return (ledger.calls + 1, ledger.tokens)
            }
        }
        if let refused { throw .budgetExhausted(refused) }
    }

    /// Adds the tokens a call used.
    func record(tokens: Int) {
        _ = lock.withLock { withLedger { ($0.calls, min($0.tokens + max(0, tokens), Int.max / 2)) } }
    }

    /// Reads the ledger under an exclusive file lock, lets `change` update it, writes it back.
    @discardableResult
    private func withLedger(_ change: ((calls: Int, tokens: Int)) -> (calls: Int, tokens: Int)) -> (calls: Int, tokens: Int) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { return change((0, 0)) }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &bytes, bytes.count)
        var current = (calls: 0, tokens: 0)
        if n > 0, let json = try? JSONParser.parse(Data(bytes[0..<n])), json["day"]?.stringValue == today {
            current = (Int(json["calls"]?.intValue ?? 0), Int(json["tokens"]?.intValue ?? 0))
        }
        let next = change(current)
        if next != current {
            let text = CanonicalJSON.compact(.object(["day": .string(today), "calls": .int(Int64(next.calls)), "tokens": .int(Int64(next.tokens))]))
            _ = ftruncate(fd, 0)
            _ = lseek(fd, 0, SEEK_SET)
            _ = text.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
        }
        return next
    }
}
