import MnemCore

/// When two trajectories are captures of the same session, and when one replaces the other.
///
/// A session is named by its agent and the session id the transcript records. Harnesses and
/// converters often write ids that name nothing (`NORMALIZED_SESSION_ID`, `default`, all
/// zeros, a template left unfilled): such an id never matches another. And one id may cover
/// several runs (the same task run by two models writes the same `<instance>.traj.json`), so
/// a capture replaces an earlier one only when it *extends* it: the earlier steps are the
/// first steps of the new one. Then no chain of replacements can drop a run that is not
/// contained in its successor.
public enum SessionIdentity {
    /// The agent and session a trajectory belongs to, or nil when its id names no session.
    public static func key(_ memory: Memory) -> String? {
        guard let session = memory.source.sessionId, let agent = memory.source.agent, !isPlaceholder(session) else { return nil }
        return "\(agent)\u{0}\(session)"
    }

    /// Words that are ids only in name.
    static let placeholderWords: Set<String> = [
        "", "default", "none", "null", "nil", "undefined", "unknown", "session", "sessionid", "session_id", "id", "test", "example",
        "placeholder", "normalized_session_id", "normalizedsessionid", "todo", "tbd", "n/a", "na", "xxx", "anonymous", "main", "local",
        "current", "new", "tmp", "temp", "0", "-1",
    ]

    /// Whether a session id is a placeholder rather than a name: empty or a placeholder word,
    /// one character repeated (`00000000-0000-…`, `xxxx`), a template (`{{session_id}}`,
    /// `${SESSION}`, `<session-id>`), or a word that says it is normalized or redacted.
    public static func isPlaceholder(_ id: String) -> Bool {
        let trimmed = id.trimmingWhitespace.lowercased()
        if placeholderWords.contains(trimmed) { return true }
        let significant = trimmed.filter { $0.isLetter || $0.isNumber }
        if significant.isEmpty { return true }
        if let first = significant.first, significant.allSatisfy({ $0 == first }) { return true }
        if trimmed.contains("{{") || trimmed.contains("${") || (trimmed.hasPrefix("<") && trimmed.hasSuffix(">")) { return true }
        for marker in ["normalized", "placeholder", "redacted", "dummy", "fake_session", "session_id_here"] where trimmed.contains(marker) {
            return true
        }
        return false
    }

    /// Whether `new` extends `earlier`: the same session's steps, with `earlier`'s steps first.
    ///
    /// Steps are compared by tool, input and observation; the last earlier step may have been
    /// captured before its result arrived (an empty observation). Reasoning and the result are
    /// not compared: a capture by an older mnem, which kept neither, is still extended.
    public static func extends(_ new: Memory, _ earlier: Memory) -> Bool {
        guard case .trajectory(let a) = earlier.body, case .trajectory(let b) = new.body, a.steps.count <= b.steps.count else {
            return false
        }
        for (i, (x, y)) in zip(a.steps, b.steps).enumerated() {
            guard x.tool == y.tool, x.input == y.input else { return false }
            if x.observation != y.observation, !(i == a.steps.count - 1 && x.observation.isEmpty) { return false }
        }
        return true
    }
}
