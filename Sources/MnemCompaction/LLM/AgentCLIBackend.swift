import Foundation
import MnemCore

/// An agent CLI the user already has, run headless so no API key of mnem's is needed:
///
/// - `claude -p --output-format json`, the prompt on standard input; it prints one JSON object
///   `{"type":"result","subtype":"success","is_error":false,"result":"…","usage":{…},"modelUsage":{…}}`.
/// - `codex exec --json --skip-git-repo-check --sandbox read-only -`, the prompt on standard input;
///   it prints JSON lines: `thread.started`, `turn.started`, `item.completed` (the reply is the
///   last item of type `agent_message`, its `text`), `turn.completed` with `usage`, or
///   `turn.failed` / `error` with a message.
/// - `gemini -p … --output-format json`, the prompt on standard input (gemini appends it to
///   `-p`); it prints `{"response":"…","stats":{"models":{"<model>":{"tokens":{…}}}},"error":{…}?}`.
///
/// Each run happens in an empty temporary directory, so the agent has no project to act on.
public struct AgentCLIBackend: LLMBackend {
    public enum Kind: String, Sendable, CaseIterable {
        case claude, codex, gemini
    }

    public let kind: Kind
    /// The executable, found on `PATH`.
    public let executable: String
    public let environment: [String: String]
    public let timeout: Double

    public var name: String { kind.rawValue }
    public var model: String? { nil }
    /// Claude Code reads about 15,000 tokens of its own prompt and tools on every call; Codex and
    /// Gemini CLI about 10,000.
    public var overheadTokens: Int { kind == .claude ? 20_000 : 12_000 }

    /// The CLI `kind` found on the `PATH` of `environment`.
    /// - Throws: `LLMError.notConfigured` when it is not installed.
    public init(_ kind: Kind, environment: [String: String], timeout: Double = 600) throws(LLMError) {
        self.kind = kind
        self.environment = environment
        self.timeout = timeout
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let found = path.split(separator: ":").map { String($0) + "/" + kind.rawValue }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let found else { throw .notConfigured("an installed '\(kind.rawValue)' on PATH (it was not found), or another backend with --llm") }
        executable = found
    }

    var arguments: [String] {
        switch kind {
        case .claude: ["-p", "--output-format", "json"]
        case .codex: ["exec", "--json", "--skip-git-repo-check", "--sandbox", "read-only", "-"]
        case .gemini: ["-p", "Follow the instructions given on standard input.", "--output-format", "json"]
        }
    }

    public func send(system: String, user: String, replyTokens: Int) throws(LLMError) -> LLMReply {
        // The CLIs take one prompt: the instructions first, then the task.
        let prompt = system + "\n\n" + user
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mnem-llm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .agent("\(kind.rawValue): cannot create a working directory: \(error.oneLine)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result: ChildProcess.Result
        do {
            result = try ChildProcess.run(executable, arguments, stdin: Data(prompt.utf8), directory: directory, environment: environment, timeout: timeout)
        } catch {
            throw .agent("\(kind.rawValue) could not be run: \(error.oneLine)")
        }
        if result.timedOut { throw .transport("\(kind.rawValue) did not answer within \(Int(timeout)) s") }
        return try Self.parse(kind, stdout: result.stdout, stderr: result.stderr, status: result.status)
    }

    /// The reply in a CLI's output.
    /// - Throws: `.agent` when the CLI says it failed, `.malformed` when its output is not its shape.
    static func parse(_ kind: Kind, stdout: Data, stderr: Data, status: Int32) throws(LLMError) -> LLMReply {
        let errorLine = String(decoding: stderr.suffix(2_000), as: UTF8.self).split(separator: "\n").last.map(String.init)?.firstLine(limit: 200) ?? ""
        switch kind {
        case .claude:
            guard let json = try? JSONParser.parse(stdout, duplicateKeys: .lastWins), case .object = json else {
                if status != 0 { throw .agent("claude exited with status \(status)\(errorLine.isEmpty ? "" : ": " + errorLine)") }
                throw .malformed(what: "claude's output", attempts: 1, reason: "not one JSON object (claude -p --output-format json)")
            }
            if json["is_error"]?.boolValue == true || (json["subtype"]?.stringValue).map({ $0 != "success" }) ?? false {
                let why = json["result"]?.stringValue?.firstLine(limit: 200) ?? json["subtype"]?.stringValue ?? "an error"
                throw .agent("claude reported \(json["subtype"]?.stringValue ?? "an error"): \(why)")
            }
            guard let text = json["result"]?.stringValue else { throw .malformed(what: "claude's output", attempts: 1, reason: "no \"result\"") }
            let usage = json["usage"]
            let keys = ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"]
            let counted = keys.compactMap { usage?[$0]?.intValue }
            let tokens = counted.isEmpty ? nil : Int(counted.reduce(0) { $0 + max(0, min($1, 100_000_000)) })
            let model = json["modelUsage"]?.objectValue?.keys.sorted().first
            return LLMReply(text: text, tokens: tokens, model: model)
        case .codex:
            var text: String?
            var tokens: Int?
            var failure: String?
            for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") {
                guard let event = try? JSONParser.parse(String(line), duplicateKeys: .lastWins), let type = event["type"]?.stringValue else { continue }
                switch type {
                case "item.completed":
                    if event["item"]?["type"]?.stringValue == "agent_message", let message = event["item"]?["text"]?.stringValue { text = message }
                case "turn.completed":
                    let usage = event["usage"]
                    let counted = ["input_tokens", "output_tokens"].compactMap { usage?[$0]?.intValue }
                    if !counted.isEmpty { tokens = Int(counted.reduce(0) { $0 + max(0, min($1, 100_000_000)) }) }
                case "turn.failed":
                    failure = event["error"]?["message"]?.stringValue ?? "the turn failed"
                case "error":
                    failure = event["message"]?.stringValue ?? "an error"
                default:
                    continue
                }
            }
            if let failure { throw .agent("codex reported: \(failure.firstLine(limit: 200))") }
            guard let text else {
                if status != 0 { throw .agent("codex exited with status \(status)\(errorLine.isEmpty ? "" : ": " + errorLine)") }
                throw .malformed(what: "codex's output", attempts: 1, reason: "no agent_message item (codex exec --json)")
            }
            return LLMReply(text: text, tokens: tokens)
        case .gemini:
            guard let json = try? JSONParser.parse(stdout, duplicateKeys: .lastWins), case .object = json else {
                if status != 0 { throw .agent("gemini exited with status \(status)\(errorLine.isEmpty ? "" : ": " + errorLine)") }
                throw .malformed(what: "gemini's output", attempts: 1, reason: "not one JSON object (gemini --output-format json)")
            }
            if let error = json["error"], case .object = error {
                throw .agent("gemini reported: \((error["message"]?.stringValue ?? "an error").firstLine(limit: 200))")
            }
            guard let text = json["response"]?.stringValue else { throw .malformed(what: "gemini's output", attempts: 1, reason: "no \"response\"") }
            var tokens: Int?
            var model: String?
            if let models = json["stats"]?["models"]?.objectValue {
                model = models.keys.sorted().first
                let totals = models.values.compactMap { $0["tokens"]?["total"]?.intValue }
                if !totals.isEmpty { tokens = Int(totals.reduce(0) { $0 + max(0, min($1, 100_000_000)) }) }
            }
            return LLMReply(text: text, tokens: tokens, model: model)
        }
    }
}

/// A child process with its standard input given and its output captured, bounded in time.
enum ChildProcess {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var timedOut: Bool
    }

    /// The most output kept from each stream.
    static let maxOutput = 16 << 20

    static func run(_ executable: String, _ arguments: [String], stdin: Data, directory: String, environment: [String: String], timeout: Double) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isError) in [(output, false), (errors, true)] {
            group.enter()
            Thread.detachNewThread {
                var data = Data()
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    if data.count < maxOutput { data.append(chunk.prefix(maxOutput - data.count)) }
                }
                collected.set(data, error: isError)
                group.leave()
            }
        }
        Thread.detachNewThread {
            // The prompt may be larger than the pipe's buffer; a CLI that exits early closes it.
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
        }
        group.wait()
        let (stdout, stderr) = collected.both
        return Result(status: timedOut ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }

    /// `@unchecked Sendable`: both fields are only touched under `lock`.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        func set(_ data: Data, error: Bool) { lock.withLock { if error { err = data } else { out = data } } }
        var both: (Data, Data) { lock.withLock { (out, err) } }
    }
}
