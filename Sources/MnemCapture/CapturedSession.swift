import MnemCore

/// Why a transcript, or a line of it, could not be read: the file, the line (1-based, 0 when
/// the problem is the whole file) and the reason.
public struct TranscriptError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// One session read from a transcript, before it becomes a memory.
///
/// Readers fill what their format records; the capturer adds the domain, decides the outcome
/// from the evidence gathered here, redacts every string once more and computes the id.
public struct CapturedSession: Sendable {
    public var format: TranscriptFormat
    public var task: String
    public var steps: [TrajectoryStep]
    public var source: MemorySource
    /// A benchmark instance id (`django__django-13658`) when the format records one.
    public var instanceId: String?
    public var tags: [String]
    /// The first user message as written (redacted and cut), before any task extraction.
    public var firstUserMessage: String?
    /// The agent's last message to the user (redacted and cut).
    public var finalMessage: String?
    /// The final patch: recorded by the format (a submission, a resolver's `git_patch`), or
    /// assembled from the edits the session shows (redacted and cut).
    public var patch: String?
    /// What the harness running the agent said about how the run ended, when it says anything.
    public var harness: Verdict?
    /// The agent's own explicit verdict on its task (OpenHands `finish` with `task_completed`).
    public var agentVerdict: Verdict?
    /// What the user wrote after the first message, each with the number of steps taken before it.
    public var userReplies: [UserReply]
    /// Steps whose output the format does not record (aider keeps no command output): an empty
    /// observation there says nothing about how the command went.
    public var unrecordedOutput: Set<Int>
    /// Files the format names as worked on outside the steps' inputs (aider's `Added X to the chat`).
    public var touchedFiles: [String]

    /// A verdict a format records, and what it said.
    public struct Verdict: Sendable, Hashable {
        public var outcome: Outcome
        public var detail: String
        public init(_ outcome: Outcome, _ detail: String) {
            self.outcome = outcome
            self.detail = detail
        }
    }

    /// A message the user wrote during the session, after `afterStep` steps.
    public struct UserReply: Sendable, Hashable {
        public var afterStep: Int
        public var text: String
    }

    public init(format: TranscriptFormat, task: String = "", steps: [TrajectoryStep] = [], source: MemorySource = MemorySource()) {
        self.format = format
        self.task = task
        self.steps = steps
        self.source = source
        self.instanceId = nil
        self.tags = []
        self.userReplies = []
        self.touchedFiles = []
        self.unrecordedOutput = []
    }
}

/// What reading one file produced.
public struct ReadResult: Sendable {
    public var sessions: [CapturedSession] = []
    /// Lines that could not be parsed and were skipped (file, line, reason), at most `maxReported` kept.
    public var corruptLines: [TranscriptError] = []
    /// How many lines were skipped in all (may exceed `corruptLines.count`).
    public var corruptLineCount = 0
    /// Redactions made while reading, by kind.
    public var redactions: [String: Int] = [:]
    /// `sha256:<hex>` of the whole file.
    public var digest: String?
    public init() {}

    static let maxReported = 20

    mutating func skipLine(file: String, line: Int, reason: String) {
        corruptLineCount += 1
        if corruptLines.count < Self.maxReported { corruptLines.append(TranscriptError(file: file, line: line, reason: reason)) }
    }
}

/// Limits and redaction applied while a reader builds steps, so a session never holds more
/// than the capped text of each step, however large the transcript is.
struct StepText {
    var maxObservationLength: Int
    var maxInputLength: Int
    var maxTaskLength: Int
    var redactor: Redactor
    /// The agent's reasoning for one step: enough for why it acted, not a whole thinking log.
    var maxReasoningLength = 1_200
    /// The final message and each user reply.
    var maxMessageLength = 4_000
    /// The final patch, all files together.
    var maxPatchLength = 64 * 1024

    /// Redacts, then trims an observation (keeping error lines from the cut part).
    mutating func observation(_ text: String) -> String {
        ObservationTrimmer.trim(redactor.redact(text), limit: maxObservationLength)
    }

    /// Redacts, then cuts an action's input.
    mutating func input(_ text: String) -> String {
        ObservationTrimmer.cut(redactor.redact(text), limit: maxInputLength)
    }

    /// Redacts, then cuts a task.
    mutating func task(_ text: String) -> String {
        ObservationTrimmer.cut(redactor.redact(text.trimmingWhitespace), limit: maxTaskLength)
    }

    /// Redacts, then keeps the head and the tail of a step's reasoning (its conclusion is at the end).
    mutating func reasoning(_ text: String, limit: Int? = nil) -> String {
        ObservationTrimmer.headAndTail(redactor.redact(text.trimmingWhitespace), limit: limit ?? maxReasoningLength)
    }

    /// Redacts, then keeps the head and tail of a message (a final message, a user's reply).
    mutating func message(_ text: String) -> String {
        ObservationTrimmer.headAndTail(redactor.redact(text.trimmingWhitespace), limit: maxMessageLength)
    }

    /// Redacts, then cuts a patch.
    mutating func patch(_ text: String) -> String {
        ObservationTrimmer.cut(redactor.redact(text), limit: maxPatchLength)
    }
}

/// A reader of one transcript format.
protocol TranscriptReader {
    static var format: TranscriptFormat { get }
    /// Reads every session in the file at `path`; lines that are not JSON are skipped and
    /// reported, a file that is not this format at all throws.
    static func read(_ path: String, text: inout StepText) throws -> ReadResult
}

/// A reader of a format that is one JSON document, which detection may already have parsed.
protocol DocumentReader: TranscriptReader {
    static func read(document: JSONValue, path: String, digest: String, text: inout StepText) throws -> ReadResult
}

/// Reads and parses a whole JSON document, with the digest of its bytes.
func loadDocument(_ path: String) throws -> (JSONValue, String) {
    let (data, digest) = try readWholeFile(path)
    do {
        return (try JSONParser.parse(data, duplicateKeys: .lastWins), digest)
    } catch {
        throw TranscriptError(file: path, line: error.line, reason: "not JSON: \(error.reason)")
    }
}
