import MnemCore

/// The transcript formats capture reads, named as they appear in `source.format`.
public enum TranscriptFormat: String, Sendable, CaseIterable, Hashable {
    /// Claude Code session JSONL (`~/.claude/projects/**/<session>.jsonl`, subagent files too).
    case claudeCode = "claude-code"
    /// Codex CLI rollout JSONL (`$CODEX_HOME/sessions/**/rollout-*.jsonl`).
    case codex = "codex"
    /// Gemini CLI native chat log (`~/.gemini/tmp/<hash>/chats/session-*.json`).
    case geminiChat = "gemini-chat"
    /// Gemini CLI `--output-format stream-json` event lines.
    case geminiStream = "gemini-stream-json"
    /// Aider `.aider.chat.history.md`, one session per `# aider chat started at` run.
    case aider = "aider"
    /// SWE-agent `.traj`.
    case sweAgent = "swe-agent"
    /// mini-swe-agent `.traj.json` (`mini-swe-agent-1` text actions and `-1.1` tool calls).
    case miniSweAgent = "mini-swe-agent"
    /// OpenHands V0 event stream (a JSON array of actions and observations).
    case openHandsEvents = "openhands-events"
    /// OpenHands resolver `output.jsonl`, one issue-resolution session per line.
    case openHandsResolver = "openhands-resolver"
    /// Agent Trajectory Interchange Format (Harbor), `schema_version` `ATIF-v1.*`.
    case atif = "atif"

    /// The agent that writes this format, as `source.agent` names it (ATIF names its own).
    public var agent: String {
        switch self {
        case .claudeCode: "claude-code"
        case .codex: "codex"
        case .geminiChat, .geminiStream: "gemini-cli"
        case .aider: "aider"
        case .sweAgent: "swe-agent"
        case .miniSweAgent: "mini-swe-agent"
        case .openHandsEvents, .openHandsResolver: "openhands"
        case .atif: "atif"
        }
    }

    /// Accepts the raw value and a few spellings a user may type (`claude`, `gemini`, `openhands`).
    public init?(name: String) {
        let key = name.lowercased()
        if let exact = TranscriptFormat(rawValue: key) {
            self = exact
            return
        }
        switch key {
        case "claude", "claude-code-jsonl": self = .claudeCode
        case "codex-cli", "codex-rollout": self = .codex
        case "gemini", "gemini-cli": self = .geminiChat
        case "gemini-stream", "stream-json": self = .geminiStream
        case "swe", "sweagent", "swe-agent-traj": self = .sweAgent
        case "mini", "mini-swe", "minisweagent": self = .miniSweAgent
        case "openhands": self = .openHandsEvents
        case "resolver": self = .openHandsResolver
        default: return nil
        }
    }
}
