import Foundation
import MnemCore

/// What an agent's SessionStart hook leaves behind for the repository it works in: which
/// session of which agent is open there, so a git hook run from that agent's shell can name the
/// session behind a commit (`Mnem-Session:`) when the agent does not say so in its environment.
///
/// One small file per open session, `$XDG_STATE_HOME/mnem/sessions/<repository>/<agent>.<session>.json`
/// (both names hashed), written at SessionStart, refreshed at each prompt and removed at
/// SessionEnd. A record older than `maxAge` is stale and is removed by the next reader: agents
/// do not always end their sessions (a crash, Codex and Cursor have no end event).
public enum SessionRecord {
    /// A session not seen for this long is taken as gone.
    public static let maxAge: TimeInterval = 12 * 3600

    /// The directory of records for the repository around `directory`, or nil outside a git repository.
    static func directory(for directory: String, environment: [String: String]) -> String? {
        let root = HookInstaller.projectRoot(from: directory)
        guard FileManager.default.fileExists(atPath: root + "/.git") else { return nil }
        let state = (HookLog.fallback(environment: environment).path as NSString).deletingLastPathComponent
        return "\(state)/sessions/\(SHA256.hex(Array(root.utf8)).prefix(16))"
    }

    static func fileName(agent: String, session: String) -> String {
        "\(agent).\(SHA256.hex(Array(session.utf8)).prefix(16)).json"
    }

    /// Records (or refreshes) that `session` of `agent` is open in the repository around `directory`.
    /// Fails silently: a hook must not fail for this.
    public static func open(agent: String, session: String, directory: String, environment: [String: String]) {
        guard CommitSession.isValid(session), let records = Self.directory(for: directory, environment: environment) else { return }
        try? FileManager.default.createDirectory(atPath: records, withIntermediateDirectories: true)
        let json: JSONValue = ["agent": .string(agent), "session": .string(session), "directory": .string(HookInstaller.projectRoot(from: directory))]
        let path = records + "/" + fileName(agent: agent, session: session)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(CanonicalJSON.document(json))) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// Removes the record of `session` (its SessionEnd).
    public static func close(agent: String, session: String, directory: String, environment: [String: String]) {
        guard let records = Self.directory(for: directory, environment: environment) else { return }
        unlink(records + "/" + fileName(agent: agent, session: session))
    }

    /// The one session of `agent` open in the repository around `directory`, or nil when there
    /// is none or more than one (two sessions of the same agent in one repository: which one made
    /// the commit cannot be told, and no trailer is better than a wrong one).
    public static func current(agent: String, directory: String, environment: [String: String], now: Date = Date()) -> String? {
        guard let records = Self.directory(for: directory, environment: environment),
            let names = try? FileManager.default.contentsOfDirectory(atPath: records)
        else { return nil }
        var sessions: Set<String> = []
        for name in names where name.hasSuffix(".json") {
            let path = records + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { continue }
            if now.timeIntervalSince(modified) > maxAge {
                unlink(path)
                continue
            }
            guard name.hasPrefix(agent + "."), let data = FileManager.default.contents(atPath: path),
                let json = try? JSONParser.parse(data), json["agent"]?.stringValue == agent, let session = json["session"]?.stringValue,
                CommitSession.isValid(session)
            else { continue }
            sessions.insert(session)
        }
        return sessions.count == 1 ? sessions.first : nil
    }
}
