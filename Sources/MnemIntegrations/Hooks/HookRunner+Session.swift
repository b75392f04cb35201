import Foundation

/// The hooks' part in naming the session behind a commit (`CommitSession`): agent hooks keep
/// `SessionRecord`s, git's prepare-commit-msg reads them (or the agent's environment).
extension HookRunner {
    /// SessionStart and each prompt: the session is open in the event's directory.
    func noteSessionOpen(_ event: HookEvent, directory: String) {
        guard let session = event.sessionID else { return }
        SessionRecord.open(agent: agent, session: session, directory: directory, environment: environment)
    }

    /// SessionEnd: the session's record goes.
    func noteSessionEnd(_ event: HookEvent) {
        guard event.eventName == "SessionEnd" || self.event == "session-end", let session = event.sessionID else { return }
        SessionRecord.close(agent: agent, session: session, directory: event.cwd ?? currentDirectory, environment: environment)
    }

    /// git prepare-commit-msg FILE [SOURCE [COMMIT]]: adds `Mnem-Session:` when the session is
    /// known; anything that goes wrong is logged and the message left as it was.
    func prepareCommitMessage() {
        guard let file = hookArguments.first, !file.isEmpty else {
            fallbackLog().append(label, "no commit message file given; nothing done")
            return
        }
        guard let found = CommitSession.resolve(environment: environment, directory: currentDirectory) else { return }
        do {
            let path = file.hasPrefix("/") ? file : (currentDirectory as NSString).appendingPathComponent(file)
            try CommitSession.addTrailer(session: found.session, toMessageFile: path, repositoryDirectory: currentDirectory)
        } catch {
            fallbackLog().append(label, "\(error); no trailer added")
        }
    }
}
