import Foundation
import MnemCore

/// Unified diffs of the edits a session shows, so a trajectory keeps its result where the format
/// records no final patch.
///
/// Paths are made relative to the session's working directory when they lie under it, so a
/// patch names `src/app.ts`, not a home directory. A replacement without line numbers (an
/// `old_string`/`new_string` pair) becomes a hunk with an empty range (`@@ @@`): it still reads
/// as a diff and says what changed, though `git apply` needs the file to place it.
enum PatchText {
    /// `path` relative to `root` when it lies under it; else as given.
    static func relative(_ path: String, to root: String?) -> String {
        guard let root, !root.isEmpty, root != "/" else { return path }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    static func header(_ path: String, new: Bool = false) -> String {
        let p = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return new
            ? "diff --git a/\(p) b/\(p)\nnew file\n--- /dev/null\n+++ b/\(p)\n"
            : "diff --git a/\(p) b/\(p)\n--- a/\(p)\n+++ b/\(p)\n"
    }

    /// Every line of `text` with `prefix` in front, each ending in a newline.
    static func lines(_ text: String, prefix: Character) -> String {
        guard !text.isEmpty, let mark = prefix.asciiValue else { return "" }
        var copy = text
        return copy.withUTF8 { b -> String in
            guard let base = b.baseAddress else { return "" }
            var out: [UInt8] = []
            out.reserveCapacity(b.count + b.count / 16 + 2)
            var start = 0
            while start < b.count {
                let end = memchr(base + start, 0x0A, b.count - start).map { UnsafeRawPointer(base).distance(to: UnsafeRawPointer($0)) } ?? b.count
                out.append(mark)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[start..<end]))
                out.append(0x0A)
                start = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// A replacement of `old` by `new` in `path`.
    static func replacement(path: String, old: String, new: String, root: String?) -> String {
        header(relative(path, to: root)) + "@@ @@\n" + lines(old, prefix: "-") + lines(new, prefix: "+")
    }

    /// A file written whole.
    static func creation(path: String, content: String, root: String?) -> String {
        let count = content.split(separator: "\n", omittingEmptySubsequences: false).count - (content.hasSuffix("\n") ? 1 : 0)
        return header(relative(path, to: root), new: true) + "@@ -0,0 +1,\(max(count, 0)) @@\n" + lines(content, prefix: "+")
    }

    /// The change from `old` (nil for a new file) to `new`, as one hunk: the lines both share at
    /// the start and the end are left out but for three of context.
    /// - Complexity: O(n) in the lines of the two versions.
    static func change(path: String, old: String?, new: String, root: String?) -> String? {
        guard let old else { return creation(path: path, content: new, root: root) }
        guard old != new else { return nil }
        let a = old.split(separator: "\n", omittingEmptySubsequences: false)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let context = 3
        let start = max(0, prefix - context)
        let aEnd = min(a.count, a.count - suffix + context)
        let bEnd = min(b.count, b.count - suffix + context)
        var out = header(relative(path, to: root)) + "@@ -\(start + 1),\(aEnd - start) +\(start + 1),\(bEnd - start) @@\n"
        for line in a[start..<prefix] { out += " \(line)\n" }
        for line in a[prefix..<(a.count - suffix)] { out += "-\(line)\n" }
        for line in b[prefix..<(b.count - suffix)] { out += "+\(line)\n" }
        for line in a[(a.count - suffix)..<aEnd] { out += " \(line)\n" }
        return out
    }

    /// Claude Code's `structuredPatch`: `[{oldStart, oldLines, newStart, newLines, lines}]`, lines already prefixed.
    static func structured(path: String, hunks: [JSONValue], root: String?) -> String? {
        var out = header(relative(path, to: root))
        var any = false
        for hunk in hunks {
            guard let lines = hunk["lines"]?.arrayValue else { continue }
            let oldStart = hunk["oldStart"]?.intValue ?? 0
            let oldLines = hunk["oldLines"]?.intValue ?? 0
            let newStart = hunk["newStart"]?.intValue ?? 0
            let newLines = hunk["newLines"]?.intValue ?? 0
            out += "@@ -\(oldStart),\(oldLines) +\(newStart),\(newLines) @@\n"
            for line in lines { out += (line.stringValue ?? "") + "\n" }
            any = true
        }
        return any ? out : nil
    }

    /// Codex's `apply_patch` envelope (`*** Begin Patch`, `*** Update File: p`, `*** Add File: p`,
    /// `*** Delete File: p`, hunks of ` `/`-`/`+` lines after `@@`) as a unified diff.
    static func fromApplyPatch(_ text: String, root: String?) -> String? {
        guard text.contains("*** Begin Patch") || text.contains("*** Update File:") || text.contains("*** Add File:") else { return nil }
        var out = ""
        var adding = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("*** Begin Patch") || line.hasPrefix("*** End Patch") || line.hasPrefix("*** End of File") { continue }
            if line.hasPrefix("*** Update File: ") {
                out += header(relative(String(line.dropFirst("*** Update File: ".count)), to: root))
                adding = false
            } else if line.hasPrefix("*** Add File: ") {
                out += header(relative(String(line.dropFirst("*** Add File: ".count)), to: root), new: true) + "@@ @@\n"
                adding = true
            } else if line.hasPrefix("*** Delete File: ") {
                let p = relative(String(line.dropFirst("*** Delete File: ".count)), to: root)
                out += "diff --git a/\(p) b/\(p)\ndeleted file\n--- a/\(p)\n+++ /dev/null\n"
            } else if line.hasPrefix("*** Move to: ") {
                out += "rename to \(line.dropFirst("*** Move to: ".count))\n"
            } else if line.hasPrefix("@@") {
                out += line.count > 2 ? "@@ @@ \(String(line.dropFirst(2)).trimmingWhitespace)\n" : "@@ @@\n"
            } else if !out.isEmpty {
                out += (adding && !line.hasPrefix("+") ? "+" : "") + line + "\n"
            }
        }
        return out.isEmpty ? nil : out
    }

    /// The diff of a file-editing tool call, from its arguments, whatever the agent names them:
    /// `path`/`file_path`/`filePath`/`filename` with `old_str`/`old_string` and
    /// `new_str`/`new_string` (a replacement), `content`/`file_text` (a whole file), or `edits[]`
    /// of replacements; `command: create|str_replace|insert` for editors that take one.
    static func fromToolArguments(_ args: JSONValue, root: String?) -> String? {
        guard let path = args.string("path") ?? args.string("file_path") ?? args.string("filePath") ?? args.string("filename")
            ?? args.string("absolute_path")
        else { return nil }
        let command = args.string("command")
        if command == "view" || command == "undo_edit" { return nil }
        if let old = args["old_str"]?.stringValue ?? args["old_string"]?.stringValue,
            let new = args["new_str"]?.stringValue ?? args["new_string"]?.stringValue
        {
            return replacement(path: path, old: old, new: new, root: root)
        }
        if command == "insert", let new = args["new_str"]?.stringValue ?? args["text"]?.stringValue {
            return replacement(path: path, old: "", new: new, root: root)
        }
        if let content = args["content"]?.stringValue ?? args["file_text"]?.stringValue {
            return creation(path: path, content: content, root: root)
        }
        if let edits = args["edits"]?.arrayValue {
            let pieces = edits.compactMap { edit -> String? in
                guard let old = edit["old_string"]?.stringValue ?? edit["old_str"]?.stringValue,
                    let new = edit["new_string"]?.stringValue ?? edit["new_str"]?.stringValue
                else { return nil }
                return "@@ @@\n" + lines(old, prefix: "-") + lines(new, prefix: "+")
            }
            return pieces.isEmpty ? nil : header(relative(path, to: root)) + pieces.joined()
        }
        return nil
    }

    /// Whether text looks like a unified diff (a submission may be a CTF flag or prose instead).
    static func looksLikeDiff(_ text: String) -> Bool {
        text.hasPrefix("diff --git") || text.hasPrefix("--- ") || text.contains("\ndiff --git ") || (text.contains("\n--- ") && text.contains("\n+++ ") && text.contains("\n@@"))
    }
}
