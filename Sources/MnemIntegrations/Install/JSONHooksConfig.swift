import MnemCore

/// One hook mnem adds to an agent's JSON settings.
public struct JSONHookSpec: Sendable, Hashable {
    /// The agent's event name (`SessionStart`, `sessionStart`, …).
    public var event: String
    /// The matcher of the group (Claude Code, Gemini CLI); nil leaves it out.
    public var matcher: String?
    public var command: String
    /// In the agent's unit (seconds for Claude Code, milliseconds for Gemini CLI); nil leaves it out.
    public var timeout: Int?

    public init(event: String, matcher: String? = nil, command: String, timeout: Int? = nil) {
        self.event = event
        self.matcher = matcher
        self.command = command
        self.timeout = timeout
    }
}

/// Merging mnem's hooks into an agent's JSON settings, and taking exactly them out again.
///
/// Two shapes are known:
/// - `grouped` (Claude Code, Gemini CLI, Codex `hooks.json`):
///   `{"hooks": {"Event": [{"matcher": "…", "hooks": [{"type": "command", "command": "…", "timeout": n}]}]}}`
/// - `flat` (Cursor): `{"version": 1, "hooks": {"event": [{"command": "…"}]}}`
///
/// mnem's entries are recognized by their command (`ShellWords.isMnemHook`), so nothing else in
/// the file is touched: other keys, other events, other groups and other hooks stay as they were.
public enum JSONHooksConfig {
    public enum Shape: Sendable { case grouped, flat }

    /// The settings with mnem's hooks for `specs` added, after any earlier mnem hooks were taken
    /// out (so installing twice is installing once, and a moved binary is updated).
    ///
    /// - Parameter document: the parsed settings, or nil when the file does not exist.
    /// - Throws: `IntegrationError` when the settings are not an object or `hooks` is not one.
    public static func install(_ specs: [JSONHookSpec], into document: JSONValue?, shape: Shape) throws -> JSONValue {
        var root = try objectRoot(document)
        root = removeMnemHooks(from: root, shape: shape)
        // A new Cursor file needs its version; an existing one keeps whatever the user has.
        if shape == .flat, root.isEmpty { root["version"] = .int(1) }
        var hooks = root["hooks"]?.objectValue ?? [:]
        for spec in specs {
            var entries = hooks[spec.event]?.arrayValue ?? []
            switch shape {
            case .grouped:
                var hook: [String: JSONValue] = ["type": "command", "command": .string(spec.command)]
                if let timeout = spec.timeout { hook["timeout"] = .int(Int64(timeout)) }
                var group: [String: JSONValue] = ["hooks": .array([.object(hook)])]
                if let matcher = spec.matcher { group["matcher"] = .string(matcher) }
                entries.append(.object(group))
            case .flat:
                entries.append(.object(["command": .string(spec.command)]))
            }
            hooks[spec.event] = .array(entries)
        }
        root["hooks"] = .object(hooks)
        return .object(root)
    }

    /// The settings without mnem's hooks. Groups, events and the `hooks` object that held only
    /// mnem's entries go too; anything the user had stays, even if empty.
    public static func uninstall(from document: JSONValue, shape: Shape) throws -> JSONValue {
        .object(removeMnemHooks(from: try objectRoot(document), shape: shape))
    }

    /// Whether the settings hold any mnem hook.
    public static func containsMnemHooks(_ document: JSONValue?, shape: Shape) -> Bool {
        guard let root = document?.objectValue else { return false }
        return removeMnemHooks(from: root, shape: shape) != root
    }

    static func objectRoot(_ document: JSONValue?) throws -> [String: JSONValue] {
        guard let document else { return [:] }
        guard let root = document.objectValue else {
            throw IntegrationError("the settings are a JSON \(document.typeName), not an object; not changing them")
        }
        if let hooks = root["hooks"], hooks.objectValue == nil {
            throw IntegrationError("\"hooks\" in the settings is a JSON \(hooks.typeName), not an object; not changing it")
        }
        return root
    }

    static func removeMnemHooks(from root: [String: JSONValue], shape: Shape) -> [String: JSONValue] {
        guard var hooks = root["hooks"]?.objectValue else { return root }
        var root = root
        var removedAny = false
        for (event, value) in hooks {
            guard let entries = value.arrayValue else { continue }
            var kept: [JSONValue] = []
            var removedHere = false
            for entry in entries {
                switch shape {
                case .flat:
                    if let command = entry["command"]?.stringValue, ShellWords.isMnemHook(command) {
                        removedHere = true
                    } else {
                        kept.append(entry)
                    }
                case .grouped:
                    guard var group = entry.objectValue, let inner = group["hooks"]?.arrayValue else {
                        kept.append(entry)
                        continue
                    }
                    let others = inner.filter { hook in
                        guard let command = hook["command"]?.stringValue else { return true }
                        return !ShellWords.isMnemHook(command)
                    }
                    if others.count == inner.count {
                        kept.append(entry)
                        continue
                    }
                    removedHere = true
                    if !others.isEmpty {
                        group["hooks"] = .array(others)
                        kept.append(.object(group))
                    }
                }
            }
            guard removedHere else { continue }
            removedAny = true
            hooks[event] = kept.isEmpty ? nil : .array(kept)
        }
        guard removedAny else { return root }
        root["hooks"] = hooks.isEmpty ? nil : .object(hooks)
        return root
    }
}
