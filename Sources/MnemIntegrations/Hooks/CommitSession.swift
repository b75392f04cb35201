import Foundation
import MnemGit

/// The agent session behind a commit, for git's `prepare-commit-msg` hook: the commit gets a
/// `Mnem-Session: <session id>` trailer, so provenance runs both ways — from a memory to the
/// code commit it was captured at (`source.commit`), and from a code commit to the memories of
/// the session that made it (`mnem list`/`search` by that session).
///
/// How the hook knows the session, in order:
/// 1. The agent says so in the environment of the commands it runs: Claude Code (2.1.132 and
///    later) sets `CLAUDE_CODE_SESSION_ID`, Codex sets `CODEX_THREAD_ID` — the same ids their
///    hooks and transcripts carry, so they match the captured memories' `source.sessionId`.
/// 2. Else, when the environment marks a command as run by an agent (`CLAUDECODE=1`,
///    `GEMINI_CLI=1`, `CURSOR_AGENT=1`, `CODEX_SANDBOX`) but gives no id, the record that agent's
///    SessionStart hook left for this repository (`SessionRecord`), if exactly one is open.
/// 3. Else nothing: a commit typed by a person carries no trailer.
///
/// It fails open: two agents' ids at once (one agent running another), two open sessions of
/// the marked agent, or an id with characters no agent uses all give no trailer rather than a
/// wrong one.
public enum CommitSession {
    public static let trailer = "Mnem-Session"

    public struct Found: Sendable, Equatable {
        public var agent: String
        public var session: String
        /// `environment` or `session record`.
        public var via: String
    }

    /// The environment variables that carry an agent's session id.
    static let idVariables: [(variable: String, agent: String)] = [("CLAUDE_CODE_SESSION_ID", "claude-code"), ("CODEX_THREAD_ID", "codex")]

    /// Variables an agent sets in the shell its commands run in, without the session.
    static func markedAgents(_ environment: [String: String]) -> Set<String> {
        var agents: Set<String> = []
        if environment["CLAUDECODE"] == "1" { agents.insert("claude-code") }
        if environment["GEMINI_CLI"] == "1" { agents.insert("gemini") }
        if environment["CURSOR_AGENT"] == "1" { agents.insert("cursor") }
        if !(environment["CODEX_SANDBOX"] ?? "").isEmpty { agents.insert("codex") }
        return agents
    }

    /// Whether `text` looks like a session id: 1 to 200 characters of letters, digits and `._:@/-`.
    public static func isValid(_ text: String) -> Bool {
        (1...200).contains(text.utf8.count)
            && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || "._:@/-".utf8.contains($0) }
    }

    /// The session behind a commit made with `environment` in `directory`, or nil.
    public static func resolve(environment: [String: String], directory: String) -> Found? {
        var given: [Found] = []
        for (variable, agent) in idVariables {
            guard let value = environment[variable], !value.isEmpty else { continue }
            guard isValid(value) else { return nil }
            given.append(Found(agent: agent, session: value, via: "environment"))
        }
        if given.count > 1 { return nil }
        if let found = given.first { return found }
        let marked = markedAgents(environment)
        guard marked.count == 1, let agent = marked.first else { return nil }
        return SessionRecord.current(agent: agent, directory: directory, environment: environment).map {
            Found(agent: agent, session: $0, via: "session record")
        }
    }

    /// Whether the commit message in `text` has anything but comments and blank lines (git's
    /// cleanup would find it empty and abort the commit; a trailer alone must not keep it alive).
    /// Everything from the scissors line on (`git commit -v`) is not part of the message.
    static func hasContent(_ text: String, commentChar: Character) -> Bool {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("\(commentChar) ------------------------ >8 ------------------------") { return false }
            if line.hasPrefix(String(commentChar)) { continue }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { return true }
        }
        return false
    }

    /// Adds `Mnem-Session: <session>` to the commit message in `file`, unless the message is
    /// empty or already has that trailer. `git interpret-trailers` does the edit, so the trailer
    /// lands where git's own rules put it (after an existing trailer block, before comments).
    ///
    /// - Returns: whether the file was changed.
    /// - Throws: `IntegrationError` when the file cannot be read or git fails.
    @discardableResult
    public static func addTrailer(session: String, toMessageFile file: String, repositoryDirectory: String) throws -> Bool {
        guard isValid(session) else { return false }
        guard let data = FileManager.default.contents(atPath: file) else { throw IntegrationError("cannot read the commit message \(file)") }
        let text = String(decoding: data, as: UTF8.self)
        let configured: String?? = try? Repository.open(at: HookInstaller.projectRoot(from: repositoryDirectory)).configValue("core.commentChar")
        let commentChar = configured.flatMap { $0 }.flatMap { $0.count == 1 ? $0.first : nil } ?? "#"
        guard hasContent(text, commentChar: commentChar) else { return false }
        let line = "\(trailer): \(session)"
        if text.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == line }) { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "interpret-trailers", "--in-place", "--if-exists", "addIfDifferent", "--trailer", line, file]
        process.currentDirectoryURL = URL(fileURLWithPath: repositoryDirectory)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw IntegrationError("cannot run git interpret-trailers: \(error.localizedDescription)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw IntegrationError("git interpret-trailers failed on \(file): \(String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return true
    }
}
