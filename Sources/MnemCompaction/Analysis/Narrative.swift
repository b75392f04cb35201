import Foundation

/// Sentences from what the agent said (its reasoning before steps, its final message) that name
/// the root cause of a problem and the fix, for summaries a teammate can act on.
enum Narrative {
    /// Words that introduce a cause.
    static let causeMarkers = [
        "root cause", "the issue is", "the issue was", "the problem is", "the problem was", "the bug is", "the bug was", "caused by",
        "because", "is due to", "was due to", "happens when", "occurs when", "the reason", "the culprit", "this means", "i see the issue",
        "i found the issue", "the error is", "the error was", "fails because", "failed because",
    ]
    /// Words that introduce a fix.
    static let fixMarkers = [
        "i fixed", "fixed by", "the fix", "i changed", "i've changed", "i updated", "i've updated", "i added", "i've added", "i replaced",
        "i've replaced", "i modified", "i've modified", "now uses", "now returns", "now handles", "changed the", "updated the", "added a",
        "replaced the", "modified the", "the solution", "i implemented", "i've implemented",
    ]
    /// Words that introduce a fix only when the sentence also names code: "the file we intended
    /// to fix" says nothing, "to fix it, pass `prog` to `CommandParser`" does.
    static let weakFixMarkers = ["to fix"]

    /// The sentences of `text`, markdown markers and code fences left out, each at most `limit` characters.
    static func sentences(_ text: String, limit: Int = 300) -> [String] {
        var out: [String] = []
        var inFence = false
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmedASCII
            if line.hasPrefix("```") {
                inFence.toggle()
                continue
            }
            if inFence || line.isEmpty || line.hasPrefix("|") { continue }
            let cleaned = line.drop(while: { "#*->• ".contains($0) })
            // A sentence ends at . ! or ? followed by a space or the line's end (`xterm.js` goes on).
            // Over UTF-8 bytes: the marks are ASCII, and a byte never starts a scalar it is not.
            var current: [UInt8] = []
            var length = 0
            var ended = false
            for byte in cleaned.utf8 where byte != UInt8(ascii: "*") {
                if ended, byte == UInt8(ascii: " "), length > 20 {
                    out.append(String(decoding: current, as: UTF8.self).trimmedASCII)
                    current.removeAll(keepingCapacity: true)
                    length = 0
                }
                ended = byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
                current.append(byte)
                // Scalars are counted, not bytes: continuation bytes (10xxxxxx) start none.
                if byte & 0xC0 != 0x80 { length += 1 }
            }
            let rest = String(decoding: current, as: UTF8.self).trimmedASCII
            if rest.count > 20 { out.append(rest) }
        }
        return out.map { $0.count > limit ? String($0.prefix(limit - 1)) + "…" : $0 }
    }

    /// The first sentence in `texts` (in order) that contains one of `markers`.
    static func first(in texts: [String], markers: [String]) -> String? {
        for text in texts {
            for sentence in sentences(text) {
                let lower = sentence.lowercased()
                if markers.contains(where: { lower.contains($0) }) { return sentence }
            }
        }
        return nil
    }

    static func cause(in texts: [String]) -> String? { first(in: texts, markers: causeMarkers) }
    static func fix(in texts: [String]) -> String? {
        for text in texts {
            for sentence in sentences(text) {
                let lower = sentence.lowercased()
                if fixMarkers.contains(where: { lower.contains($0) }) { return sentence }
                if weakFixMarkers.contains(where: { lower.contains($0) }), namesCode(sentence) { return sentence }
            }
        }
        return nil
    }

    /// Whether a sentence names code: something quoted as code, or a call, path or dotted name.
    static func namesCode(_ sentence: String) -> Bool {
        if sentence.contains("`") { return true }
        return sentence.split(separator: " ").contains { word in
            let w = word.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?\"'"))
            return w.contains("(") || w.contains("_") || w.contains("/") || (w.contains(".") && !w.hasSuffix("."))
        }
    }

    /// The last line of an error output that names the error (`ValueError: …`), for a root cause
    /// when the agent said none.
    static func errorLine(_ observation: String) -> String? {
        let lines = observation.split(separator: "\n").map(\.trimmedASCII).filter { !$0.isEmpty }
        let named = lines.last { line in
            line.contains("Error") || line.contains("error:") || line.contains("Exception") || line.contains("FAILED") || line.hasPrefix("E ")
        }
        return named.map { $0.count > 200 ? String($0.prefix(199)) + "…" : $0 }
    }
}
