import Foundation
import MnemCore

/// The agents (and git) mnem installs hooks for.
public enum IntegrationAgent: String, CaseIterable, Sendable {
    case claudeCode = "claude-code"
    case codex
    case gemini
    case cursor
    case git
}

/// Whose settings change: the user's (in the home directory) or the project's (in the repository).
public enum InstallScope: String, CaseIterable, Sendable {
    case user, project
}

/// Installs and uninstalls mnem's hooks in agents' settings files and in git.
///
/// Every edit merges: mnem's entries are added beside the user's and recognized again by their
/// command (`<mnem path> hook …`), so installing twice is installing once and uninstalling
/// removes exactly what was installed. Files are replaced atomically and the original is kept
/// once as `<file>.mnem-backup`; when uninstalling leaves a file equal in meaning to that backup,
/// the backup's bytes are put back, so the user's formatting returns too.
public struct HookInstaller: Sendable {
    public var home: String
    /// The repository root (or directory) for `--scope project` and for git.
    public var projectRoot: String
    /// The mnem executable the hooks run.
    public var mnem: String
    /// `CODEX_HOME` and the like.
    public var environment: [String: String]
    /// Also install git's `pre-commit` hook.
    public var gitPreCommit = false
    /// Also install git's `prepare-commit-msg` hook (the `Mnem-Session:` trailer).
    public var gitSessionTrailer = false

    public init(home: String, projectRoot: String, mnem: String, environment: [String: String]) {
        self.home = home
        self.projectRoot = projectRoot
        self.mnem = mnem
        self.environment = environment
    }

    /// The directory of the repository around `directory` (a `.git` above it), else `directory`.
    public static func projectRoot(from directory: String) -> String {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent(".git").path) { return url.path }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return URL(fileURLWithPath: directory).standardizedFileURL.path }
            url = parent
        }
    }

    // MARK: - Where each agent keeps its settings

    func base(_ scope: InstallScope) -> String { scope == .user ? home : projectRoot }

    var codexHome: String {
        if let value = environment["CODEX_HOME"], value.hasPrefix("/") { return value }
        return home + "/.codex"
    }

    /// The settings files an install touches, for messages and tests.
    public func settingsFiles(_ agent: IntegrationAgent, scope: InstallScope) throws -> [String] {
        switch agent {
        case .claudeCode: return [base(scope) + "/.claude/settings.json"]
        case .gemini: return [base(scope) + "/.gemini/settings.json"]
        case .cursor: return [base(scope) + "/.cursor/hooks.json"]
        case .codex:
            let directory = scope == .user ? codexHome : projectRoot + "/.codex"
            return [directory + "/config.toml", directory + "/hooks.json"]
        case .git:
            let directory = try GitHooks.hooksDirectory(repositoryRoot: projectRoot)
            return gitEvents.map { directory + "/" + $0 }
        }
    }

    var gitEvents: [String] { ["post-commit"] + (gitPreCommit ? ["pre-commit"] : []) + (gitSessionTrailer ? ["prepare-commit-msg"] : []) }

    func command(_ agent: IntegrationAgent, _ event: String) -> String {
        "\(ShellWords.quote(mnem)) hook \(agent.rawValue) \(event)"
    }

    /// The hooks mnem adds for a JSON-configured agent.
    public func specs(_ agent: IntegrationAgent) -> [JSONHookSpec] {
        switch agent {
        case .claudeCode:
            return [
                JSONHookSpec(event: "SessionStart", command: command(agent, "session-start"), timeout: 10),
                JSONHookSpec(event: "UserPromptSubmit", command: command(agent, "user-prompt-submit"), timeout: 10),
                JSONHookSpec(event: "PreCompact", command: command(agent, "pre-compact"), timeout: 30),
                JSONHookSpec(event: "SessionEnd", command: command(agent, "session-end"), timeout: 30),
            ]
        case .gemini:
            // Gemini CLI's timeouts are milliseconds.
            return [
                JSONHookSpec(event: "SessionStart", matcher: "*", command: command(agent, "session-start"), timeout: 10_000),
                JSONHookSpec(event: "SessionEnd", matcher: "*", command: command(agent, "session-end"), timeout: 30_000),
            ]
        case .cursor:
            return [
                JSONHookSpec(event: "sessionStart", command: command(agent, "session-start")),
                JSONHookSpec(event: "stop", command: command(agent, "stop")),
            ]
        case .codex:
            // hooks.json (read by Codex when `[features] codex_hooks = true`): context at session start.
            return [JSONHookSpec(event: "SessionStart", command: command(agent, "session-start"), timeout: 10)]
        case .git:
            return []
        }
    }

    var codexNotify: [String] { [mnem, "hook", "codex", "notify"] }

    // MARK: - Install and uninstall

    /// Adds mnem's hooks for `agent`.
    ///
    /// - Returns: one line per change, empty when everything was already in place.
    /// - Throws: `IntegrationError` for unreadable or malformed settings, `CodexConfig.Conflict`
    ///   when Codex already notifies another program.
    public func install(_ agent: IntegrationAgent, scope: InstallScope) throws -> [String] {
        switch agent {
        case .claudeCode, .gemini:
            return try installJSON(try settingsFiles(agent, scope: scope)[0], specs(agent), shape: .grouped)
        case .cursor:
            return try installJSON(try settingsFiles(agent, scope: scope)[0], specs(agent), shape: .flat)
        case .codex:
            let files = try settingsFiles(agent, scope: scope)
            var changes = try installCodexNotify(files[0])
            changes += try installJSON(files[1], specs(agent), shape: .grouped)
            return changes
        case .git:
            return try GitHooks.install(events: gitEvents, hooksDirectory: try GitHooks.hooksDirectory(repositoryRoot: projectRoot), mnem: mnem)
        }
    }

    /// Removes exactly mnem's hooks for `agent`.
    public func uninstall(_ agent: IntegrationAgent, scope: InstallScope) throws -> [String] {
        switch agent {
        case .claudeCode, .gemini:
            return try uninstallJSON(try settingsFiles(agent, scope: scope)[0], shape: .grouped)
        case .cursor:
            return try uninstallJSON(try settingsFiles(agent, scope: scope)[0], shape: .flat)
        case .codex:
            let files = try settingsFiles(agent, scope: scope)
            return try uninstallCodexNotify(files[0]) + uninstallJSON(files[1], shape: .grouped)
        case .git:
            // Every event, whatever was asked: uninstall must not leave a hook of mnem's behind.
            return try GitHooks.uninstall(
                events: ["post-commit", "pre-commit", "prepare-commit-msg"], hooksDirectory: try GitHooks.hooksDirectory(repositoryRoot: projectRoot))
        }
    }

    func parse(_ bytes: [UInt8], _ path: String) throws -> JSONValue {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object([:]) }
        do {
            return try JSONParser.parse(Data(bytes))
        } catch {
            throw IntegrationError("\(path) is not valid JSON (\(error)); not changing it")
        }
    }

    func installJSON(_ path: String, _ specs: [JSONHookSpec], shape: JSONHooksConfig.Shape) throws -> [String] {
        let existing = try AtomicFile.read(path)
        let before = try existing.map { try parse($0, path) }
        let after: JSONValue
        do {
            after = try JSONHooksConfig.install(specs, into: before, shape: shape)
        } catch let error as IntegrationError {
            throw IntegrationError("\(path): \(error.message)")
        }
        if after == before { return [] }
        try AtomicFile.write(CanonicalJSON.document(after), to: path)
        return ["updated \(path) (\(specs.map(\.event).joined(separator: ", ")))"]
    }

    func uninstallJSON(_ path: String, shape: JSONHooksConfig.Shape) throws -> [String] {
        guard let existing = try AtomicFile.read(path) else { return [] }
        let before = try parse(existing, path)
        guard JSONHooksConfig.containsMnemHooks(before, shape: shape) else { return [] }
        let after = try JSONHooksConfig.uninstall(from: before, shape: shape)
        return try finishUninstall(path, bytes: CanonicalJSON.document(after)) { backup in
            (try? JSONParser.parse(Data(backup))) == after
        } isEmpty: {
            after == .object([:]) || after == .object(["version": .int(1)]) || after == .object(["version": .int(1), "hooks": .object([:])])
        }
    }

    func installCodexNotify(_ path: String) throws -> [String] {
        let existing = try AtomicFile.read(path)
        let text = existing.map { String(decoding: $0, as: UTF8.self) }
        let updated = try CodexConfig.install(text, argv: codexNotify)
        if updated == text { return [] }
        try AtomicFile.write(Array(updated.utf8), to: path)
        return ["updated \(path) (notify)"]
    }

    func uninstallCodexNotify(_ path: String) throws -> [String] {
        guard let existing = try AtomicFile.read(path) else { return [] }
        guard let updated = CodexConfig.uninstall(String(decoding: existing, as: UTF8.self)) else { return [] }
        let bytes = Array(updated.utf8)
        return try finishUninstall(path, bytes: bytes) { backup in backup == bytes } isEmpty: { bytes.isEmpty }
    }

    /// Writes the uninstalled file: the backup's bytes when it means the same, nothing at all
    /// when mnem created the file and nothing else is left in it, else `bytes`.
    func finishUninstall(
        _ path: String, bytes: [UInt8], matchesBackup: ([UInt8]) -> Bool, isEmpty: () -> Bool
    ) throws -> [String] {
        let backupPath = path + AtomicFile.backupSuffix
        if let backup = try AtomicFile.read(backupPath) {
            if matchesBackup(backup) {
                try AtomicFile.write(backup, to: path)
                try AtomicFile.remove(backupPath)
                return ["restored \(path) from its backup"]
            }
        } else if isEmpty() {
            try AtomicFile.remove(path)
            return ["removed \(path) (mnem had created it)"]
        }
        try AtomicFile.write(bytes, to: path)
        return ["updated \(path) (mnem's hooks removed)"]
    }
}
