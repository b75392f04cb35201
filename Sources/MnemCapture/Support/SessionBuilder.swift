import MnemCore

/// Accumulates one session while a reader walks a transcript: steps paired with their results
/// by call id, models by use, first and last timestamps.
struct SessionBuilder {
    var session: CapturedSession
    private var modelCounts: [String: Int] = [:]
    private var modelOrder: [String] = []
    /// Steps waiting for their result, by the call id that pairs them.
    private var pending: [String: Int] = [:]
    /// Reasoning (already redacted and trimmed) seen since the last step, for the next one.
    private var pendingReasoning: [String] = []
    /// The agent's latest text to the user, as read (redacted once the session is finished).
    private var lastAgentText: String?
    /// Pieces of the patch, in order, and their length so far.
    private var patchPieces: [String] = []
    private var patchLength = 0
    private var patchCut = false

    init(format: TranscriptFormat) {
        session = CapturedSession(format: format)
        session.source.agent = format.agent
        session.source.format = format.rawValue
    }

    var stepCount: Int { session.steps.count }

    /// Counts a use of `model` (ignoring Claude Code's `<synthetic>` placeholder).
    mutating func noteModel(_ model: String?) {
        guard let model, !model.isEmpty, model != "<synthetic>" else { return }
        if modelCounts[model] == nil { modelOrder.append(model) }
        modelCounts[model, default: 0] += 1
    }

    /// The first timestamp seen starts the session, the last ends it.
    mutating func noteTime(_ timestamp: String?) {
        guard let timestamp, !timestamp.isEmpty else { return }
        if session.source.startedAt == nil { session.source.startedAt = timestamp }
        session.source.endedAt = timestamp
    }

    /// Sets the task unless one is set already.
    mutating func offerTask(_ task: String) {
        guard session.task.isEmpty, !task.isEmpty else { return }
        session.task = task
    }

    /// Appends a step; when `id` is given, a later `resolve(id:…)` fills its observation.
    /// - Returns: the step's index; -1 once the session holds `MemoryLimits.maxSteps` (the step is dropped).
    @discardableResult
    mutating func addStep(tool: String, input: String, id: String? = nil, timestamp: String? = nil) -> Int {
        guard session.steps.count < MemoryLimits.maxSteps else {
            if !session.tags.contains("steps-cut") { session.tags.append("steps-cut") }
            return -1
        }
        var step = TrajectoryStep(tool: tool, input: input, observation: "", timestamp: timestamp)
        if !pendingReasoning.isEmpty {
            step.reasoning = pendingReasoning.count == 1 ? pendingReasoning[0] : pendingReasoning.joined(separator: "\n\n")
            pendingReasoning = []
        }
        session.steps.append(step)
        let index = session.steps.count - 1
        if let id { pending[id] = index }
        return index
    }

    /// Fills the observation of the step `id` names; false when no step waits for it.
    @discardableResult
    mutating func resolve(id: String, observation: String, exitStatus: Int? = nil, isError: Bool? = nil) -> Bool {
        guard let index = pending.removeValue(forKey: id) else { return false }
        setResult(index, observation: observation, exitStatus: exitStatus, isError: isError)
        return true
    }

    /// The step `id` names, no longer waiting; nil when no step waits for it.
    mutating func takePending(id: String) -> Int? { pending.removeValue(forKey: id) }

    mutating func setResult(_ index: Int, observation: String, exitStatus: Int? = nil, isError: Bool? = nil) {
        guard session.steps.indices.contains(index) else { return }
        session.steps[index].observation = observation
        if let exitStatus { session.steps[index].exitStatus = exitStatus }
        if let isError { session.steps[index].isError = isError }
        if isError == nil, let exitStatus { session.steps[index].isError = exitStatus != 0 }
    }

    /// Keeps reasoning for the next step added (what the agent said or thought before acting).
    /// Pieces past the step's budget are dropped: the step keeps its first thoughts and, through
    /// `StepText.reasoning`, each piece's conclusion.
    mutating func noteReasoning(_ raw: String, text: inout StepText) {
        guard !raw.isEmpty else { return }
        let used = pendingReasoning.reduce(0) { $0 + $1.utf8.count }
        guard used < text.maxReasoningLength else { return }
        let piece = text.reasoning(raw, limit: text.maxReasoningLength - used)
        if !piece.isEmpty { pendingReasoning.append(piece) }
    }

    /// The agent's latest text to the user; the last one noted is the final message.
    mutating func noteAgentText(_ raw: String) {
        let trimmed = raw.trimmingWhitespace
        if !trimmed.isEmpty { lastAgentText = trimmed }
    }

    /// Sets the first user message, unless one is set already.
    mutating func offerFirstUserMessage(_ raw: String, text: inout StepText) {
        guard session.firstUserMessage == nil else { return }
        let message = text.task(raw)
        if !message.isEmpty { session.firstUserMessage = message }
    }

    /// A message the user typed: the first one is the task (from `task`, when the format wraps
    /// it, else the message) and the first user message; later ones are replies.
    mutating func noteUserMessage(_ raw: String, task: String? = nil, text: inout StepText) {
        if session.task.isEmpty {
            offerTask(text.task(task ?? raw))
            offerFirstUserMessage(raw, text: &text)
        } else {
            noteUserReply(raw, text: &text)
        }
    }

    /// Records what the user wrote after the first message (a reply to the agent's work).
    mutating func noteUserReply(_ raw: String, text: inout StepText) {
        // What the agent said before the user spoke answered the user; it is no step's reasoning.
        pendingReasoning = []
        let reply = text.message(raw)
        guard !reply.isEmpty else { return }
        session.userReplies.append(CapturedSession.UserReply(afterStep: session.steps.count, text: reply))
    }

    /// Appends a piece of the patch a session shows (an edit as a diff), up to the patch budget.
    mutating func addPatch(_ diff: String, limit: Int) {
        guard !diff.isEmpty, !patchCut else { return }
        guard patchLength + diff.utf8.count <= limit else {
            patchCut = true
            return
        }
        patchPieces.append(diff)
        patchLength += diff.utf8.count
    }

    /// Replaces the assembled patch with the one the format records (a submission, a `git_patch`).
    mutating func setRecordedPatch(_ raw: String?) {
        guard let raw, !raw.trimmingWhitespace.isEmpty else { return }
        patchPieces = [raw]
        patchLength = raw.utf8.count
        patchCut = false
    }

    /// The session, with models ordered by use (most used first; ties by first appearance),
    /// its final message and patch redacted and cut.
    func finish(text: inout StepText) -> CapturedSession {
        var out = session
        if let lastAgentText { out.finalMessage = text.message(lastAgentText) }
        if !patchPieces.isEmpty {
            var joined = patchPieces.count == 1 ? patchPieces[0] : patchPieces.joined(separator: patchPieces.allSatisfy { $0.hasSuffix("\n") } ? "" : "\n")
            if patchCut { joined += "\n[… later edits cut]\n" }
            out.patch = text.patch(joined)
        }
        let ordered = modelOrder.enumerated().sorted { a, b in
            let ca = modelCounts[a.element] ?? 0
            let cb = modelCounts[b.element] ?? 0
            return ca != cb ? ca > cb : a.offset < b.offset
        }.map(\.element)
        if !ordered.isEmpty {
            out.source.models = ordered
            if out.source.model == nil { out.source.model = ordered.first }
        }
        return out
    }
}

/// Parses the exit code out of tool output text: `Exit code 2`, `Process exited with code 1`,
/// `<returncode>0</returncode>`, `[The command completed with exit code 0.]`.
func exitCode(inText text: Substring) -> Int? {
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBufferPointer { b -> Int? in
        let view = UnsafeBufferPointer(b)
        for pattern in ["Process exited with code ", "exit code ", "Exit code ", "Exit code: ", "Exit Code: ", "<returncode>"] {
            var p = pattern
            guard let at = p.withUTF8({ ByteSearch.find($0, in: view) }) else { continue }
            var i = at + pattern.utf8.count
            var negative = false
            if i < view.count, view[i] == 0x2D {
                negative = true
                i += 1
            }
            var value = 0
            var digits = 0
            while i < view.count, view[i] >= 0x30, view[i] <= 0x39, digits < 6 {
                value = value * 10 + Int(view[i] - 0x30)
                digits += 1
                i += 1
            }
            if digits > 0 { return negative ? -value : value }
        }
        return nil
    }
}
