import Foundation
import MnemCore

/// Registers `mnem mcp` as an MCP server in an agent's own configuration, and takes it out again.
///
/// | agent | user scope | project scope | entry |
/// |---|---|---|---|
/// | Claude Code | `~/.claude.json` | `.mcp.json` | `mcpServers.mnem = {"type": "stdio", "command", "args"}` |
/// | Codex | `$CODEX_HOME/config.toml` | `.codex/config.toml` (trusted projects) | `[mcp_servers.mnem]` `command`, `args` |
/// | Gemini CLI | `~/.gemini/settings.json` | `.gemini/settings.json` | `mcpServers.mnem = {"command", "args"}` |
/// | Cursor | `~/.cursor/mcp.json` | `.cursor/mcp.json` | `mcpServers.mnem = {"command", "args"}` |
///
/// Only mnem's entry is written (`JSONSplice` for JSON, whole lines for TOML): every other byte
/// of the file stays as it was, installing twice is installing once, and uninstalling after
/// installing gives back the original bytes (the first change also keeps `<file>.mnem-backup`).
public struct MCPInstaller: Sendable {
    public static let serverName = "mnem"
    public var home: String
    public var projectRoot: String
    /// The program the agent starts (`mnem`, or an installed prefix's path).
    public var mnem: String
    public var environment: [String: String]

    public init(home: String, projectRoot: String, mnem: String, environment: [String: String]) {
        self.home = home
        self.projectRoot = projectRoot
        self.mnem = mnem
        self.environment = environment
    }

    public static let agents: [IntegrationAgent] = [.claudeCode, .codex, .gemini, .cursor]

    /// The configuration file of `agent` at `scope`.
    public func configFile(_ agent: IntegrationAgent, scope: InstallScope) throws -> String {
        switch (agent, scope) {
        case (.claudeCode, .user): return home + "/.claude.json"
        case (.claudeCode, .project): return projectRoot + "/.mcp.json"
        case (.codex, .user):
            if let value = environment["CODEX_HOME"], value.hasPrefix("/") { return value + "/config.toml" }
            return home + "/.codex/config.toml"
        case (.codex, .project): return projectRoot + "/.codex/config.toml"
        case (.gemini, _): return (scope == .user ? home : projectRoot) + "/.gemini/settings.json"
        case (.cursor, _): return (scope == .user ? home : projectRoot) + "/.cursor/mcp.json"
        case (.git, _): throw IntegrationError("git has no MCP client; agents are claude-code, codex, gemini and cursor")
        }
    }

    /// mnem's entry for a JSON-configured agent.
    func entry(_ agent: IntegrationAgent) -> JSONValue {
        var entry: [String: JSONValue] = ["command": .string(mnem), "args": ["mcp"]]
        if agent == .claudeCode { entry["type"] = "stdio" }
        return .object(entry)
    }

    /// Adds mnem's MCP server for `agent`.
    ///
    /// - Returns: one line per change, empty when it was already in place.
    /// - Throws: `IntegrationError` for unreadable or malformed configuration, or a `mnem`
    ///   entry that is not mnem's.
    public func install(_ agent: IntegrationAgent, scope: InstallScope) throws -> [String] {
        let path = try configFile(agent, scope: scope)
        let existing = try AtomicFile.read(path)
        let updated: [UInt8]
        if agent == .codex {
            updated = try Self.installTOML(existing ?? [], command: mnem, path: path)
        } else {
            updated = try installJSON(existing, entry: entry(agent), path: path)
        }
        if let existing, updated == existing { return [] }
        try AtomicFile.write(updated, to: path)
        return ["updated \(path) (MCP server '\(Self.serverName)': \(mnem) mcp)"]
    }

    /// Removes mnem's MCP server for `agent`; nothing else.
    public func uninstall(_ agent: IntegrationAgent, scope: InstallScope) throws -> [String] {
        let path = try configFile(agent, scope: scope)
        guard let existing = try AtomicFile.read(path) else { return [] }
        let backupPath = path + AtomicFile.backupSuffix
        let backup = try AtomicFile.read(backupPath)
        let updated: [UInt8]
        if agent == .codex {
            guard let removed = Self.uninstallTOML(existing) else { return [] }
            updated = removed
        } else {
            guard let removed = try uninstallJSON(existing, path: path, backup: backup) else { return [] }
            updated = removed
        }
        if let backup, updated == backup || Self.sameJSON(updated, backup, codex: agent == .codex) {
            try AtomicFile.write(backup, to: path)
            try AtomicFile.remove(backupPath)
            return ["restored \(path) from its backup"]
        }
        if backup == nil, Self.isEmptyConfig(updated, codex: agent == .codex) {
            try AtomicFile.remove(path)
            return ["removed \(path) (mnem had created it)"]
        }
        try AtomicFile.write(updated, to: path)
        return ["updated \(path) (MCP server '\(Self.serverName)' removed)"]
    }

    /// Whether `agent`'s configuration at `scope` runs mnem's server, and the command it names.
    public func installedCommand(_ agent: IntegrationAgent, scope: InstallScope) -> String? {
        guard let path = try? configFile(agent, scope: scope), let bytes = try? AtomicFile.read(path) else { return nil }
        if agent == .codex {
            return Self.tomlTable(CodexConfig.splitLines(String(decoding: bytes, as: UTF8.self))).flatMap { table in
                table.lines.lazy.compactMap { Self.tomlString($0, key: "command") }.first
            }
        }
        return (try? JSONParser.parse(Data(bytes)))?["mcpServers"]?[Self.serverName]?["command"]?.stringValue
    }

    // MARK: - JSON

    func installJSON(_ existing: [UInt8]?, entry: JSONValue, path: String) throws -> [UInt8] {
        guard let existing, existing.contains(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else {
            return JSONSplice.render(["mcpServers": [Self.serverName: entry]], [], Array("  ".utf8)) + [0x0A]
        }
        let document = try parse(existing, path)
        guard document.objectValue != nil, let root = JSONSplice.root(existing) else {
            throw IntegrationError("\(path) holds a JSON \(document.typeName), not an object; not changing it")
        }
        guard let servers = root.member("mcpServers") else {
            return JSONSplice.insert("mcpServers", [Self.serverName: entry], into: root, of: existing)
        }
        guard document["mcpServers"]?.objectValue != nil else {
            throw IntegrationError("\"mcpServers\" in \(path) is not an object; not changing it")
        }
        let serversObject = JSONSplice.object(existing, at: servers.valueStart)
        guard let current = serversObject.member(Self.serverName) else {
            return JSONSplice.insert(Self.serverName, entry, into: serversObject, of: existing)
        }
        let currentValue = document["mcpServers"]?[Self.serverName]
        if currentValue == entry { return existing }
        try Self.checkOurs(currentValue, path: path)
        return JSONSplice.replace(current, with: entry, in: serversObject, of: existing)
    }

    func uninstallJSON(_ existing: [UInt8], path: String, backup: [UInt8]?) throws -> [UInt8]? {
        let document = try parse(existing, path)
        guard let root = JSONSplice.root(existing), let servers = root.member("mcpServers"), document["mcpServers"]?.objectValue != nil else { return nil }
        let serversObject = JSONSplice.object(existing, at: servers.valueStart)
        guard let ours = serversObject.member(Self.serverName) else { return nil }
        try Self.checkOurs(document["mcpServers"]?[Self.serverName], path: path)
        if serversObject.members.count == 1 {
            // The whole `mcpServers` goes too when mnem brought it: no backup (mnem created the
            // file), or a backup without one.
            let backupHadServers = backup.flatMap { try? JSONParser.parse(Data($0)) }?["mcpServers"] != nil
            if !backupHadServers { return JSONSplice.remove(servers, from: root, of: existing) }
        }
        return JSONSplice.remove(ours, from: serversObject, of: existing)
    }

    /// An entry called `mnem` that does not run a program named mnem is the user's: never overwritten.
    static func checkOurs(_ value: JSONValue?, path: String) throws {
        let command = value?["command"]?.stringValue ?? ""
        guard command.split(separator: "/").last == "mnem" else {
            throw IntegrationError("\(path) already has an MCP server named '\(serverName)' that runs '\(command)'; not changing it")
        }
    }

    func parse(_ bytes: [UInt8], _ path: String) throws -> JSONValue {
        do {
            return try JSONParser.parse(Data(bytes))
        } catch {
            throw IntegrationError("\(path) is not valid JSON (\(error)); not changing it")
        }
    }

    static func sameJSON(_ a: [UInt8], _ b: [UInt8], codex: Bool) -> Bool {
        if codex { return String(decoding: a, as: UTF8.self).trimmingCharacters(in: .newlines) == String(decoding: b, as: UTF8.self).trimmingCharacters(in: .newlines) }
        guard let x = try? JSONParser.parse(Data(a)), let y = try? JSONParser.parse(Data(b)) else { return false }
        return x == y
    }

    static func isEmptyConfig(_ bytes: [UInt8], codex: Bool) -> Bool {
        if codex { return bytes.allSatisfy { $0 == 0x0A || $0 == 0x20 } }
        return (try? JSONParser.parse(Data(bytes))) == .object([:])
    }

    // MARK: - TOML (Codex)

    static let tableHeader = "[mcp_servers.\(serverName)]"

    /// The lines of mnem's table (header included) and where they are.
    static func tomlTable(_ lines: [String]) -> (start: Int, end: Int, lines: [String])? {
        var scanner = CodexConfig.Scanner()
        var start: Int?
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if !scanner.isInsideValue, trimmed.hasPrefix("[") {
                if let start { return (start, index, Array(lines[start..<index])) }
                if trimmed == tableHeader || trimmed.hasPrefix(tableHeader + " ") || trimmed.hasPrefix(tableHeader + "#") { start = index }
            }
            scanner.consume(line)
        }
        return start.map { ($0, lines.count, Array(lines[$0...])) }
    }

    static func tomlString(_ line: String, key: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard CodexConfig.isKey(key, trimmed), let equals = trimmed.firstIndex(of: "=") else { return nil }
        let value = CodexConfig.stripComment(String(trimmed[trimmed.index(after: equals)...])).trimmingCharacters(in: .whitespaces)
        return (try? JSONParser.parse(value))?.stringValue
    }

    static func tomlBlock(command: String) -> [String] {
        [tableHeader + "\n", "command = " + CanonicalJSON.compactString(.string(command)) + "\n", "args = [\"mcp\"]\n"]
    }

    static func installTOML(_ existing: [UInt8], command: String, path: String) throws -> [UInt8] {
        let text = String(decoding: existing, as: UTF8.self)
        var lines = CodexConfig.splitLines(text)
        let block = tomlBlock(command: command)
        if let table = tomlTable(lines) {
            let current = table.lines.lazy.compactMap { tomlString($0, key: "command") }.first ?? ""
            guard current.split(separator: "/").last == "mnem" else {
                throw IntegrationError("\(path) already has [mcp_servers.\(serverName)] running '\(current)'; not changing it")
            }
            // Only the command line changes; other keys the user set (env, timeouts) stay.
            for index in table.start..<table.end where tomlString(lines[index], key: "command") != nil {
                lines[index] = block[1]
            }
            return Array(lines.joined().utf8)
        }
        var prefix = ""
        if !text.isEmpty {
            prefix = text.hasSuffix("\n") ? "\n" : "\n\n"
        }
        return Array((text + prefix + block.joined()).utf8)
    }

    static func uninstallTOML(_ existing: [UInt8]) -> [UInt8]? {
        var lines = CodexConfig.splitLines(String(decoding: existing, as: UTF8.self))
        guard let table = tomlTable(lines) else { return nil }
        var start = table.start
        // The blank line install put before the table.
        if start > 0, lines[start - 1].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { start -= 1 }
        lines.removeSubrange(start..<table.end)
        return Array(lines.joined().utf8)
    }
}
