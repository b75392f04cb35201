import MnemCore

/// The `notify` key of Codex's `config.toml`, edited without a TOML library and without touching
/// anything else in the file.
///
/// Only the top-level table is searched (keys before the first `[table]` header), multi-line
/// arrays and strings are skipped over, and mnem's `notify` is one line: installing inserts that
/// line before the first table header (or at the end), uninstalling deletes exactly that line, so
/// install followed by uninstall gives back the original bytes.
///
/// A `notify` that is not mnem's is never replaced: Codex runs a single notifier, and silently
/// dropping the user's would break it. Installing then fails with `CodexConfig.Conflict`, whose
/// message says how to chain mnem from the user's own notifier.
public enum CodexConfig {
    /// A `notify` already set to another program.
    public struct Conflict: Error, Sendable, CustomStringConvertible {
        public var existing: String
        public var description: String {
            """
            config.toml already sets notify to another program (\(existing)); Codex runs only one notifier, \
            so mnem did not replace it. To chain, have that program also run: mnem hook codex notify "$JSON" \
            (the JSON is the last argument Codex passes), or remove the key and install again.
            """
        }
    }

    /// A span of lines in the file: the `notify` entry.
    struct Entry {
        var firstLine: Int
        var lineCount: Int
        var text: String
    }

    /// The `notify = [...]` line for `argv`.
    public static func notifyLine(_ argv: [String]) -> String {
        "notify = [" + argv.map { CanonicalJSON.compactString(.string($0)) }.joined(separator: ", ") + "]"
    }

    /// The file with mnem's notify in place.
    ///
    /// - Parameter text: the file's contents, or nil when it does not exist.
    /// - Throws: `Conflict` when another program is the notifier.
    public static func install(_ text: String?, argv: [String]) throws -> String {
        let line = notifyLine(argv)
        var lines = splitLines(text ?? "")
        if let entry = findNotify(lines) {
            guard isMnem(entry.text) else {
                throw Conflict(existing: entry.text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let terminator = lines[entry.firstLine + entry.lineCount - 1].hasSuffix("\n") ? "\n" : ""
            lines.replaceSubrange(entry.firstLine..<(entry.firstLine + entry.lineCount), with: [line + terminator])
            return lines.joined()
        }
        if let header = firstTableHeader(lines) {
            lines.insert(line + "\n", at: header)
        } else if let last = lines.last, !last.hasSuffix("\n") {
            // The file does not end with a newline: keep it that way, so uninstall can undo exactly.
            lines[lines.count - 1] = last + "\n"
            lines.append(line)
            return lines.joined()
        } else {
            lines.append(line + "\n")
        }
        return lines.joined()
    }

    /// The file without mnem's notify; nil when it has none (nothing to change).
    public static func uninstall(_ text: String) -> String? {
        var lines = splitLines(text)
        guard let entry = findNotify(lines), isMnem(entry.text) else { return nil }
        let end = entry.firstLine + entry.lineCount
        let wasLast = end == lines.count
        let hadNewline = lines[end - 1].hasSuffix("\n")
        lines.removeSubrange(entry.firstLine..<end)
        if wasLast, !hadNewline, let previous = lines.last, previous.hasSuffix("\n") {
            lines[lines.count - 1] = String(previous.dropLast())
        }
        return lines.joined()
    }

    /// The program and arguments of the top-level notify, when it is a plain array of strings.
    public static func notifyArgv(_ text: String) -> [String]? {
        let lines = splitLines(text)
        guard let entry = findNotify(lines) else { return nil }
        guard let equals = entry.text.firstIndex(of: "=") else { return nil }
        let value = String(entry.text[entry.text.index(after: equals)...])
        // A TOML array of basic strings is also a JSON array once trailing commas and comments go.
        let cleaned = value.split(separator: "\n").map { stripComment(String($0)) }.joined(separator: " ")
            .replacingOccurrences(of: #",\s*\]"#, with: "]", options: .regularExpression)
        guard let json = try? JSONParser.parse(cleaned), let items = json.arrayValue else { return nil }
        let strings = items.compactMap(\.stringValue)
        return strings.count == items.count ? strings : nil
    }

    static func isMnem(_ entryText: String) -> Bool {
        guard let argv = notifyArgv(entryText) else { return false }
        return ShellWords.isMnemHook(argv: argv)
    }

    /// Lines with their terminators, so joining them gives the bytes back.
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == "\n" || c == "\r\n" {
                lines.append(current)
                current = ""
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The top-level `notify` key, with the lines its value spans.
    static func findNotify(_ lines: [String]) -> Entry? {
        var scanner = Scanner()
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if scanner.isInsideValue {
                scanner.consume(line)
                index += 1
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { return nil }
            if isKey("notify", trimmed) {
                var text = line
                var count = 1
                scanner.consume(line)
                while scanner.isInsideValue, index + count < lines.count {
                    text += lines[index + count]
                    scanner.consume(lines[index + count])
                    count += 1
                }
                return Entry(firstLine: index, lineCount: count, text: text)
            }
            scanner.consume(line)
            index += 1
        }
        return nil
    }

    static func firstTableHeader(_ lines: [String]) -> Int? {
        var scanner = Scanner()
        for (index, line) in lines.enumerated() {
            if !scanner.isInsideValue, line.trimmingCharacters(in: .whitespaces).hasPrefix("[") { return index }
            scanner.consume(line)
        }
        return nil
    }

    static func isKey(_ key: String, _ trimmed: String) -> Bool {
        var rest = Substring(trimmed)
        if rest.hasPrefix("\"\(key)\"") {
            rest = rest.dropFirst(key.count + 2)
        } else if rest.hasPrefix(key) {
            rest = rest.dropFirst(key.count)
        } else {
            return false
        }
        return rest.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("=")
    }

    static func stripComment(_ line: String) -> String {
        var inString: Character?
        var escaped = false
        for (offset, c) in line.enumerated() {
            if let quote = inString {
                if escaped { escaped = false } else if c == "\\" && quote == "\"" { escaped = true } else if c == quote { inString = nil }
                continue
            }
            if c == "\"" || c == "'" { inString = c }
            if c == "#" { return String(line.prefix(offset)) }
        }
        return line
    }

    /// Tracks whether a line ends inside a multi-line array, inline table or string.
    struct Scanner {
        var depth = 0
        var multiline: String?

        var isInsideValue: Bool { depth > 0 || multiline != nil }

        mutating func consume(_ line: String) {
            let chars = Array(line)
            var i = 0
            var inString: Character?
            var escaped = false
            while i < chars.count {
                let c = chars[i]
                if let fence = multiline {
                    if line[line.index(line.startIndex, offsetBy: i)...].hasPrefix(fence) {
                        multiline = nil
                        i += 3
                    } else {
                        i += 1
                    }
                    continue
                }
                if let quote = inString {
                    if escaped { escaped = false } else if c == "\\" && quote == "\"" { escaped = true } else if c == quote { inString = nil }
                    i += 1
                    continue
                }
                if c == "\"" || c == "'" {
                    let fence = String(repeating: c, count: 3)
                    if line[line.index(line.startIndex, offsetBy: i)...].hasPrefix(fence) {
                        multiline = fence
                        i += 3
                        continue
                    }
                    inString = c
                } else if c == "#" {
                    return
                } else if c == "[" || c == "{" {
                    depth += 1
                } else if c == "]" || c == "}" {
                    depth = max(0, depth - 1)
                }
                i += 1
            }
        }
    }
}
