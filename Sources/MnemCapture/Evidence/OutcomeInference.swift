import MnemCore

/// Decides how a session ended, from the evidence its transcript holds, and records which
/// signal decided.
///
/// In order:
/// 1. The harness: a run it stopped (a limit, a time-out, an error, an auto-submission) failed;
///    a verdict it records (the OpenHands resolver's `success`) stands. `submitted` alone is
///    no verdict: an agent hands in whatever it has.
/// 2. After the last edit, the latest of: a check (a test run, a build or type check, the
///    program run) whose result the transcript shows — the runner's summary, else its exit
///    status, else what it printed — and a reply of the user's that says the work works or
///    does not ("works now", "still failing", a pasted traceback). A session without edits
///    is judged by its last check or reply.
/// 3. The agent: its explicit verdict (`task_completed`, a completion call), else what its
///    final message says.
///
/// Anything else is unknown: no outcome is given without a signal.
public enum OutcomeInference {
    public static func decide(_ session: CapturedSession) -> (Outcome, OutcomeEvidence?) {
        decide(session, roles: session.steps.map(StepRole.of))
    }

    /// - Parameter roles: `StepRole.of` each step, computed once for all the evidence readers.
    static func decide(_ session: CapturedSession, roles: [StepRole]) -> (Outcome, OutcomeEvidence?) {
        if let harness = session.harness {
            return (harness.outcome, OutcomeEvidence(signal: .harness, detail: harness.detail))
        }
        let steps = session.steps
        let lastEdit = roles.lastIndex(of: .edit)
        let start = lastEdit.map { $0 + 1 } ?? 0
        let when = lastEdit == nil ? "(the session edits nothing)" : "after the last edit"

        var check: (index: Int, signal: OutcomeSignal, verdict: CheckVerdict.Verdict)?
        var i = steps.count - 1
        while i >= start {
            if case .check(let signal) = roles[i], !session.unrecordedOutput.contains(i), let verdict = CheckVerdict.of(steps[i], signal: signal) {
                check = (i, signal, verdict)
                break
            }
            i -= 1
        }
        var reply: (afterStep: Int, reading: Statements.Reading, text: String)?
        for candidate in session.userReplies.reversed() where candidate.afterStep > (lastEdit ?? -1) {
            if let reading = Statements.user(candidate.text) {
                reply = (candidate.afterStep, reading, candidate.text)
                break
            }
        }
        if let reply, check.map({ reply.afterStep > $0.index }) ?? true {
            let quoted = oneLine(reply.text, 120)
            return (reply.reading.outcome, OutcomeEvidence(signal: .user, detail: "the user replied \(when): “\(quoted)” (“\(reply.reading.phrase)”)"))
        }
        if let check {
            let command = oneLine(steps[check.index].input, 80)
            let detail = "\(check.signal.rawValue) `\(command)` \(when): \(check.verdict.detail)"
            return (check.verdict.passed ? .success : .failure, OutcomeEvidence(signal: check.signal, detail: detail, step: check.index))
        }
        if let verdict = session.agentVerdict {
            return (verdict.outcome, OutcomeEvidence(signal: .agent, detail: verdict.detail))
        }
        if let final = session.finalMessage, let reading = Statements.agent(final) {
            return (reading.outcome, OutcomeEvidence(signal: .agent, detail: "the agent's final message says “\(reading.phrase)”: “\(oneLine(final, 120))”"))
        }
        return (.unknown, nil)
    }

    /// `text` on one line, cut to about `limit` characters.
    static func oneLine(_ text: String, _ limit: Int) -> String {
        var out = ""
        var space = false
        for c in text {
            if c == "\n" || c == "\t" || c == "\r" || c == " " {
                space = !out.isEmpty
                continue
            }
            if space { out.append(" ") }
            space = false
            out.append(c)
            if out.count >= limit {
                out.append("…")
                break
            }
        }
        return out
    }
}
