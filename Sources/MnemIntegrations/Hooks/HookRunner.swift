import Foundation
import MnemCore
import MnemIndex

/// Runs one hook event for an agent or git, and never hurts the caller.
///
/// Whatever happens (no pool, bad input, a corrupt index, a slow disk), the hook prints either a
/// valid answer for the agent or nothing, and its reason for printing nothing goes to the log
/// (`HookLog`). Context injection is bounded by a time budget; capture is handed to a detached
/// child so the agent's exit (or git's commit) is never delayed.
public struct HookRunner: Sendable {
    public enum Action: Sendable, Equatable {
        /// Print context for the agent (and for which event name).
        case context(eventName: String, sessionStart: Bool)
        /// Capture the session(s) the event names.
        case capture
        /// git's prepare-commit-msg: name the agent session behind the commit in a trailer.
        case commitMessage
    }

    public var agent: String
    public var event: String
    public var environment: [String: String]
    public var currentDirectory: String
    /// `--pool`, passed on to the detached capture.
    public var explicitPool: String?
    /// Capture here and now instead of in a detached child.
    public var foreground = false
    /// The milliseconds a context hook may take (default `MNEM_HOOK_BUDGET_MS`, else 1000).
    public var budgetMilliseconds: Int
    /// The most tokens of context (default `MNEM_HOOK_BUDGET_TOKENS`, else 1500).
    public var budgetTokens: Int
    /// This program, re-executed for the detached capture.
    public var executable: String
    /// When the hook started, for the time budget.
    public var started: DispatchTime
    /// The arguments git passes a hook (prepare-commit-msg: the message file, its source, a commit).
    public var hookArguments: [String] = []

    public init(agent: String, event: String, environment: [String: String], currentDirectory: String, executable: String) {
        self.agent = agent
        self.event = event
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.executable = executable
        budgetMilliseconds = environment["MNEM_HOOK_BUDGET_MS"].flatMap { Int($0) }.map { max(0, min($0, 600_000)) } ?? 1000
        budgetTokens = environment["MNEM_HOOK_BUDGET_TOKENS"].flatMap { Int($0) }.map { max(1, min($0, 1_000_000)) } ?? 1500
        started = .now()
    }

    /// What `agent event` means, or nil for a pair mnem does not handle.
    public static func action(agent: String, event: String) -> Action? {
        switch (agent, event) {
        case ("claude-code", "session-start"), ("gemini", "session-start"), ("codex", "session-start"): .context(eventName: "SessionStart", sessionStart: true)
        case ("cursor", "session-start"): .context(eventName: "sessionStart", sessionStart: true)
        case ("claude-code", "user-prompt-submit"), ("codex", "user-prompt-submit"): .context(eventName: "UserPromptSubmit", sessionStart: false)
        case ("claude-code", "session-end"), ("claude-code", "pre-compact"), ("gemini", "session-end"), ("cursor", "stop"), ("cursor", "session-end"),
            ("codex", "notify"), ("git", "post-commit"), ("git", "pre-commit"):
            .capture
        case ("git", "prepare-commit-msg"): .commitMessage
        default: nil
        }
    }

    var label: String { "\(agent) \(event)" }

    /// Runs the hook on `input` (the event's JSON; nil for git) and returns what to print.
    ///
    /// Never throws and never fails: the exit status is always 0.
    public func run(input: [UInt8]?) -> [UInt8] {
        guard let action = Self.action(agent: agent, event: event) else {
            fallbackLog().append(label, "unknown hook (expected e.g. 'claude-code session-start'); nothing done")
            return []
        }
        switch action {
        case .context(let eventName, let sessionStart):
            return context(input: input ?? [], eventName: eventName, sessionStart: sessionStart)
        case .capture:
            if foreground {
                capture(input: input)
            } else {
                detach(input: input)
            }
            return []
        case .commitMessage:
            prepareCommitMessage()
            return []
        }
    }

    // MARK: - Logs and the pool

    func fallbackLog() -> HookLog { HookLog.fallback(environment: environment) }

    func location(cwd: String?) -> PoolLocator.Location {
        let directory = cwd.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil } ?? currentDirectory
        return PoolLocator.locate(explicit: explicitPool, environment: environment, currentDirectory: directory)
    }

    /// The pool for a hook; the user's default pool is created on first use only when `create`.
    func openPool(_ location: PoolLocator.Location, create: Bool) throws -> Pool {
        if !create, !FileManager.default.fileExists(atPath: location.path) {
            throw PoolError("no pool at \(location.path) (\(location.origin)); create one with 'mnem init'")
        }
        return try PoolLocator.open(location)
    }

    /// The log of the pool at `location` if it opens, else the fallback log.
    func log(for location: PoolLocator.Location) -> HookLog {
        if FileManager.default.fileExists(atPath: location.path), let pool = try? Pool.open(at: location.path) {
            return HookLog.forPool(gitDirectory: pool.repository.gitDirectory)
        }
        return fallbackLog()
    }

    // MARK: - Context

    func remainingMilliseconds() -> Int {
        let elapsed = Int((DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1_000_000)
        return budgetMilliseconds - elapsed
    }

    func context(input: [UInt8], eventName: String, sessionStart: Bool) -> [UInt8] {
        let event: HookEvent
        do {
            event = try HookEvent.parse(input)
        } catch {
            log(for: location(cwd: nil)).append(label, "bad input: \(error)")
            return []
        }
        let poolLocation = location(cwd: event.cwd)
        let directory = event.cwd ?? currentDirectory
        noteSessionOpen(event, directory: directory)
        let query: String
        if sessionStart {
            query = HookContext.sessionStartQuery(directory: directory)
        } else {
            guard let prompt = event.prompt, !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
            query = prompt
        }
        var request = HookContext.Request(
            query: query, budgetTokens: budgetTokens, sessionStart: sessionStart, directory: directory,
            embedderName: environment["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 }, sessionID: event.sessionID,
            contextCleared: ["clear", "compact"].contains(event.raw["source"]?.stringValue ?? ""))
        request.catchUp = IndexCatchUp(hook: self, poolPath: poolLocation.path, embedderName: request.embedderName)
        let ready = request
        let delay = environment["MNEM_HOOK_TEST_DELAY_MS"].flatMap { Int($0) } ?? 0
        let runner = self
        let outcome = Deadline.run(milliseconds: remainingMilliseconds()) { () -> Result<(String, String?), HookFailure> in
            if delay > 0 { usleep(UInt32(min(delay, 60_000)) * 1000) }
            do {
                let pool = try runner.openPool(poolLocation, create: false)
                let (block, report, sessionNote) = try HookContext.build(pool: pool, request: ready)
                // The index is updated by a detached updater, which logs what is worth a line
                // (a forced rebuild, the invalid memories it skipped); the hook says when it
                // could not wait for it.
                let note = [sessionNote, report?.note].compactMap { $0 }.joined(separator: "; ")
                return .success((block.text, note.isEmpty ? nil : note))
            } catch {
                return .failure(HookFailure(reason: String(describing: error)))
            }
        }
        let log = log(for: poolLocation)
        guard let outcome else {
            log.append(label, "context not ready within \(budgetMilliseconds) ms; nothing injected")
            return []
        }
        switch outcome {
        case .failure(let failure):
            log.append(label, failure.reason)
            return []
        case .success(let (text, note)):
            if let note { log.append(label, note) }
            guard !text.isEmpty else { return [] }
            let answer: JSONValue
            if agent == "cursor" {
                answer = .object(["additional_context": .string(text)])
            } else {
                answer = .object(["hookSpecificOutput": .object(["hookEventName": .string(eventName), "additionalContext": .string(text)])])
            }
            return CanonicalJSON.compact(answer) + [0x0A]
        }
    }

    // MARK: - Capture

    /// Hands the capture to a detached `mnem hook … --foreground --input FILE` and returns at once.
    func detach(input: [UInt8]?) {
        var arguments = ["hook", agent, event, "--foreground"]
        if let explicitPool { arguments += ["--pool", explicitPool] }
        if let input {
            let directory = FileManager.default.temporaryDirectory.path
            let file = "\(directory)/mnem-hook-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).json"
            guard FileManager.default.createFile(atPath: file, contents: Data(input), attributes: [.posixPermissions: 0o600]) else {
                fallbackLog().append(label, "cannot write the event to \(file); nothing captured")
                return
            }
            arguments += ["--input", file]
        }
        do {
            try DetachedProcess.spawn(executable, arguments, environment: environment)
        } catch {
            fallbackLog().append(label, "\(error); nothing captured")
        }
    }

    /// Captures what the event names, here and now.
    func capture(input: [UInt8]?) {
        var event: HookEvent?
        if agent != "git" {
            do {
                event = try HookEvent.parse(input ?? [])
            } catch {
                log(for: location(cwd: nil)).append(label, "bad input: \(error)")
                return
            }
        }
        let poolLocation = location(cwd: agent == "git" ? currentDirectory : event?.cwd)
        if let event { noteSessionEnd(event) }
        do {
            let pool = try openPool(poolLocation, create: true)
            let log = HookLog.forPool(gitDirectory: pool.repository.gitDirectory)
            if agent == "git" {
                try captureRepository(pool: pool, log: log)
                return
            }
            guard let event else { return }
            if event.eventName == "SessionEnd" || self.event == "session-end" {
                SessionInjections(gitDirectory: pool.repository.gitDirectory, sessionID: event.sessionID).forget()
            }
            let paths = try transcriptPaths(event)
            guard !paths.isEmpty else { return }
            let summary = try HookCapture.capture(paths: paths, pool: pool)
            if summary.captured.isEmpty && summary.unchanged.isEmpty, let first = summary.skipped.first {
                log.append(label, "nothing captured from \(first.file): \(first.reason)")
            }
            // Compaction of what was just captured (issue 12; see HookCompaction.swift).
            if !summary.captured.isEmpty { HookCompaction.afterCapture(pool: pool, environment: environment, log: log, label: label) }
        } catch {
            log(for: poolLocation).append(label, String(describing: error))
        }
    }

    /// The transcript files an agent event names.
    func transcriptPaths(_ event: HookEvent) throws -> [String] {
        switch agent {
        case "codex":
            guard event.type == nil || event.type == "agent-turn-complete" else { return [] }
            guard let thread = event.threadID else { throw IntegrationError("the notify event has no thread-id") }
            let home = environment["CODEX_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.codex"
            return [try SessionFiles.codexRollout(threadID: thread, codexHome: home)]
        default:
            guard let path = event.transcriptPath else { throw IntegrationError("the event has no transcript_path; nothing to capture") }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw IntegrationError("transcript_path \(path) is not a file")
            }
            return agent == "claude-code" ? SessionFiles.claudeCode(transcript: path) : [path]
        }
    }

    /// git: the sessions of every agent that worked in this repository, with the commit recorded.
    func captureRepository(pool: Pool, log: HookLog) throws {
        let root = HookInstaller.projectRoot(from: currentDirectory)
        let stamp = HookLog.forPool(gitDirectory: pool.repository.gitDirectory).path
            .replacingOccurrences(of: "hooks.log", with: "git-\(SHA256.hex(Array(root.utf8)).prefix(16)).stamp")
        let since = (try? FileManager.default.attributesOfItem(atPath: stamp))?[.modificationDate] as? Date
        let startedAt = Date()
        let home = environment["HOME"] ?? NSHomeDirectory()
        let found = SessionFiles.forRepository(root: root, home: home, environment: environment, modifiedAfter: since)
        if !found.isEmpty {
            let commit = event == "post-commit" ? CodeCommit.head(repositoryRoot: root) : nil
            let summary = try HookCapture.capture(paths: found.map(\.path), pool: pool, codeCommit: commit)
            // Compaction of what was just captured (issue 12; see HookCompaction.swift).
            if !summary.captured.isEmpty { HookCompaction.afterCapture(pool: pool, environment: environment, log: log, label: label) }
        }
        // The next run looks only at files changed after this one started.
        try? FileManager.default.createDirectory(atPath: (stamp as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stamp, contents: Data(), attributes: nil)
        try? FileManager.default.setAttributes([.modificationDate: startedAt], ofItemAtPath: stamp)
    }
}

/// Why a hook printed nothing, for the log.
struct HookFailure: Error, Sendable {
    var reason: String
}
