import Foundation
import MnemCapture
import MnemCore

/// Finding the session files a hook event refers to.
public enum SessionFiles {
    /// A Claude Code transcript and the subagent transcripts beside it
    /// (`<dir>/<session>.jsonl` and `<dir>/<session>/subagents/agent-*.jsonl`).
    public static func claudeCode(transcript: String) -> [String] {
        var paths = [transcript]
        let base = transcript.hasSuffix(".jsonl") ? String(transcript.dropLast(6)) : transcript
        let subagents = base + "/subagents"
        if let names = try? FileManager.default.contentsOfDirectory(atPath: subagents) {
            paths += names.filter { $0.hasSuffix(".jsonl") }.sorted().map { subagents + "/" + $0 }
        }
        return paths
    }

    /// The Codex rollout of `threadID`: `$CODEX_HOME/sessions/**/rollout-*-<thread-id>.jsonl`
    /// (the newest if several).
    ///
    /// - Throws: `IntegrationError` when the id is not a plain id or no rollout has it.
    public static func codexRollout(threadID: String, codexHome: String) throws -> String {
        // A thread id is a UUID; refusing anything else keeps the id from steering the search.
        guard !threadID.isEmpty, threadID.count <= 64,
            threadID.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") })
        else { throw IntegrationError("thread-id '\(threadID.prefix(80))' is not an id") }
        let root = codexHome + "/sessions"
        guard let walker = FileManager.default.enumerator(atPath: root) else {
            throw IntegrationError("no Codex sessions directory at \(root)")
        }
        var found: [String] = []
        let suffix = "-\(threadID).jsonl"
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix("rollout-"), name.hasSuffix(suffix) { found.append(root + "/" + relative) }
        }
        // Paths are sessions/YYYY/MM/DD/rollout-<time>-…: the greatest is the newest.
        guard let newest = found.max() else { throw IntegrationError("no rollout for thread \(threadID) under \(root)") }
        return newest
    }

    /// The sessions of every agent on this machine whose working directory is `root` or inside it.
    ///
    /// Uses `Capturer.discover` for where agents keep sessions, then keeps: Claude Code and Codex
    /// files whose first recorded `cwd` is inside `root`; Gemini CLI chats whose project hash is
    /// SHA-256 of `root`; Aider's history in the repository.
    /// - Parameter modifiedAfter: only files changed after this time (nil: all).
    public static func forRepository(root: String, home: String, environment: [String: String], modifiedAfter: Date? = nil) -> [DiscoveredTranscript] {
        let root = canonical(root)
        let projectHash = SHA256.hash(Array(root.utf8)).hexString
        return Capturer.discover(home: home, cwd: root, environment: environment).filter { transcript in
            if let modifiedAfter, let date = modified(transcript.path), date <= modifiedAfter { return false }
            switch transcript.agent {
            case "claude-code", "codex":
                guard let cwd = firstCWD(transcript.path) else { return false }
                return isInside(canonical(cwd), root)
            case "gemini-cli":
                return transcript.path.split(separator: "/").contains { $0 == projectHash }
            default:
                return true
            }
        }
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The first `cwd` in the first 64 KiB of a JSON Lines session (Claude Code lines, or Codex's
    /// `session_meta`/`turn_context` payload).
    static func firstCWD(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 * 1024) else { return nil }
        for line in data.split(separator: 0x0A) {
            guard let json = try? JSONParser.parse(Data(line), duplicateKeys: .lastWins) else { continue }
            if let cwd = json["cwd"]?.stringValue, !cwd.isEmpty { return cwd }
            if let cwd = json["payload"]?["cwd"]?.stringValue, !cwd.isEmpty { return cwd }
        }
        return nil
    }
}
