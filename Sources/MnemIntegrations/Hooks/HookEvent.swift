import Foundation
import MnemCore

/// What an agent tells a hook: the JSON on standard input (Claude Code, Gemini CLI, Cursor) or
/// the one JSON argument of Codex's `notify`, reduced to the fields mnem uses.
public struct HookEvent: Sendable {
    public var raw: JSONValue
    public var sessionID: String?
    public var transcriptPath: String?
    /// The agent's working directory (`cwd`, or Cursor's first `workspace_roots`).
    public var cwd: String?
    public var eventName: String?
    /// The user's prompt (UserPromptSubmit).
    public var prompt: String?
    /// Codex `notify`: `type` and `thread-id`.
    public var type: String?
    public var threadID: String?

    /// Parses an event.
    ///
    /// - Throws: `IntegrationError` when the bytes are not a JSON object.
    public static func parse(_ bytes: [UInt8]) throws -> HookEvent {
        let json: JSONValue
        do {
            json = try JSONParser.parse(Data(bytes), duplicateKeys: .lastWins)
        } catch {
            throw IntegrationError("the event is not valid JSON (\(error))")
        }
        guard json.objectValue != nil else { throw IntegrationError("the event is a JSON \(json.typeName), not an object") }
        func text(_ keys: String...) -> String? {
            for key in keys {
                if let value = json[key]?.stringValue, !value.isEmpty { return value }
            }
            return nil
        }
        return HookEvent(
            raw: json,
            sessionID: text("session_id", "conversation_id", "thread-id", "thread_id"),
            transcriptPath: text("transcript_path"),
            cwd: text("cwd") ?? json["workspace_roots"]?.arrayValue?.first?.stringValue,
            eventName: text("hook_event_name"),
            prompt: text("prompt", "user_prompt"),
            type: text("type"),
            threadID: text("thread-id", "thread_id"))
    }
}
