import Foundation

/// What a unified diff changed: the files, the functions around each hunk, and a representative
/// line pair, for a summary that names the fix.
struct PatchSummary: Sendable, Equatable {
    struct FileChange: Sendable, Equatable {
        var path: String
        /// The function or section headers git printed after `@@ … @@`, first ones first.
        var contexts: [String]
        var added = 0
        var removed = 0
    }

    var files: [FileChange]
    /// The first removed line and the first added line of the first hunk that has both, trimmed.
    var example: (removed: String, added: String)?

    static func == (a: PatchSummary, b: PatchSummary) -> Bool {
        a.files == b.files && a.example?.removed == b.example?.removed && a.example?.added == b.example?.added
    }

    /// Parses a unified diff; nil when the text holds no file change.
    static func parse(_ patch: String) -> PatchSummary? {
        var files: [FileChange] = []
        var example: (String, String)?
        var pendingRemoved: String?
        for raw in patch.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("+++ ") {
                var path = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces)
                if path.hasPrefix("b/") { path.removeFirst(2) }
                if path != "/dev/null" { files.append(FileChange(path: path, contexts: [])) }
                pendingRemoved = nil
            } else if line.hasPrefix("--- ") {
                continue
            } else if line.hasPrefix("@@") {
                pendingRemoved = nil
                let parts = line.components(separatedBy: "@@")
                if parts.count >= 3, !files.isEmpty {
                    let context = parts[2...].joined(separator: "@@").trimmingCharacters(in: .whitespaces)
                    if !context.isEmpty, !files[files.count - 1].contexts.contains(context), files[files.count - 1].contexts.count < 3 {
                        files[files.count - 1].contexts.append(context)
                    }
                }
            } else if line.hasPrefix("+"), !files.isEmpty {
                files[files.count - 1].added += 1
                let text = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if example == nil, let removed = pendingRemoved, !text.isEmpty { example = (removed, text) }
            } else if line.hasPrefix("-"), !files.isEmpty {
                files[files.count - 1].removed += 1
                let text = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if pendingRemoved == nil, !text.isEmpty { pendingRemoved = text }
            }
        }
        guard !files.isEmpty else { return nil }
        return PatchSummary(files: files, example: example)
    }

    /// The change in a sentence: "changed src/x.py (in `def f`) and tests/test_x.py".
    var sentence: String {
        let shown = files.prefix(3).map { file -> String in
            let name = "`\(file.path)`"
            guard let context = file.contexts.first else { return name }
            return name + " (in `\(Self.clip(context, 60))`)"
        }
        var text = "changed " + Self.list(shown)
        if files.count > 3 { text += " and \(files.count - 3) more files" }
        if let (removed, added) = example {
            text += "; for example `\(Self.clip(removed, 80))` became `\(Self.clip(added, 80))`"
        }
        return text
    }

    static func clip(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: ""
        case 1: items[0]
        case 2: items[0] + " and " + items[1]
        default: items.dropLast().joined(separator: ", ") + " and " + (items.last ?? "")
        }
    }
}
