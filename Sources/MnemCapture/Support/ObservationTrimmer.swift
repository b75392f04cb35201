/// Shortens tool output for a trajectory without losing what went wrong.
enum ObservationTrimmer {
    /// Lowercased markers of a line worth keeping from the part of an observation that is cut.
    static let errorMarkers: [String] = [
        "error", "exception", "traceback", "failed", "failure", "fatal", "panic", "assert", "cannot", "not found",
        "denied", "segmentation fault", "undefined", "exit code", "errno",
    ]

    /// At most `limit` characters (plus a marker): the head, then error lines from the cut part, then the tail.
    ///
    /// The head keeps two thirds of the budget and the tail the rest; lines of the middle that
    /// name an error, exception, traceback or failure are kept too (up to the same budget again),
    /// because that is what a later reader of the trajectory most needs.
    /// - Complexity: O(n) in the length of `text`.
    static func trim(_ text: String, limit: Int) -> String {
        guard limit > 0 else { return "" }
        let utf8 = text.utf8
        guard utf8.count > limit else { return text }  // fast path: byte count bounds character count
        guard text.count > limit else { return text }
        let headLength = limit * 2 / 3
        let tailLength = limit - headLength
        let head = text.prefix(headLength)
        let tail = text.suffix(tailLength)
        let middle = text[head.endIndex..<tail.startIndex]
        var kept: [Substring] = []
        var keptLength = 0
        var omitted = 0
        for line in middle.split(separator: "\n", omittingEmptySubsequences: false) {
            if keptLength < limit, isErrorLine(line) {
                let piece = line.count > 300 ? line.prefix(300) : line
                kept.append(piece)
                keptLength += piece.count + 1
            } else {
                omitted += 1
            }
        }
        var out = String(head)
        out += "\n[… \(omitted) lines cut"
        if !kept.isEmpty {
            out += "; \(kept.count) error lines kept:]\n"
            out += kept.joined(separator: "\n")
            out += "\n[…]\n"
        } else {
            out += " …]\n"
        }
        out += tail
        return out
    }

    /// At most `limit` characters with a marker naming how much was cut.
    static func cut(_ text: String, limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard text.utf8.count > limit, text.count > limit else { return text }
        return String(text.prefix(limit)) + "[… \(text.count - limit) characters cut]"
    }

    static func isErrorLine(_ line: Substring) -> Bool {
        // Cheap byte check first: most lines contain none of the marker's first letters in upper case
        // or the words at all.
        let lower = line.lowercased()
        if errorMarkers.contains(where: { lower.contains($0) }) { return true }
        return line.contains("FAIL") || line.contains("ERR!")
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
