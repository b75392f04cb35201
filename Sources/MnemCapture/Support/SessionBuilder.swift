import MnemCore

/// Accumulates one session while a reader walks a transcript: steps paired with their results
/// by call id, models by use, first and last timestamps.
struct SessionBuilder {
    var session: CapturedSession
    private var modelCounts: [String: Int] = [:]
    private var modelOrder: [String] = []
    /// Steps waiting for their result, by the call id that pairs them.
    private var pending: [String: Int] = [:]

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
        session.steps.append(TrajectoryStep(tool: tool, input: input, observation: "", timestamp: timestamp))
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

    mutating func setResult(_ index: Int, observation: String, exitStatus: Int? = nil, isError: Bool? = nil) {
        guard session.steps.indices.contains(index) else { return }
        session.steps[index].observation = observation
        if let exitStatus { session.steps[index].exitStatus = exitStatus }
        if let isError { session.steps[index].isError = isError }
        if isError == nil, let exitStatus { session.steps[index].isError = exitStatus != 0 }
    }

    /// The session, with models ordered by use (most used first; ties by first appearance).
    func finish() -> CapturedSession {
        var out = session
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
