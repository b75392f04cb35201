import Foundation
import MnemCore

/// Shortens tool output for a trajectory without losing what went wrong.
///
/// Lengths are UTF-8 bytes (characters, for ASCII output); cuts fall on character boundaries.
enum ObservationTrimmer {
    /// Markers (case-insensitive) of a line worth keeping from the part of an observation that is cut.
    static let errorMarkers = FoldedAnchors([
        "error", "exception", "traceback", "fail", "fatal", "panic", "assert", "cannot", "not found", "denied",
        "segmentation fault", "undefined", "exit code", "errno", "err!",
    ])

    /// At most about `limit` bytes: the head, then error lines from the cut part, then the tail.
    ///
    /// The head keeps two thirds of the budget and the tail the rest; lines of the middle that
    /// name an error, exception, traceback or failure are kept too (up to the same budget again,
    /// 300 bytes a line), because that is what a later reader of the trajectory most needs.
    /// - Complexity: O(n) in the length of `text`, one pass.
    static func trim(_ text: String, limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard text.utf8.count > limit else { return text }
        var copy = text
        return copy.withUTF8 { trim($0, limit: limit) }
    }

    static func trim(_ b: UnsafeBufferPointer<UInt8>, limit: Int) -> String {
        let headEnd = boundary(b, limit * 2 / 3)
        let tailStart = max(headEnd, boundary(b, b.count - (limit - limit * 2 / 3)))
        var kept: [Range<Int>] = []
        var keptLength = 0
        var omitted = 0
        var i = headEnd
        while i < tailStart {
            let lineEnd = nextNewline(b, from: i, before: tailStart)
            let line = i..<lineEnd
            if keptLength < limit, errorMarkers.occurs(in: b, line) {
                let end = line.count > 300 ? boundary(b, line.lowerBound + 300) : line.upperBound
                kept.append(line.lowerBound..<end)
                keptLength += end - line.lowerBound + 1
            } else if !line.isEmpty {
                omitted += 1
            }
            i = lineEnd + 1
        }
        var out: [UInt8] = []
        out.reserveCapacity(limit + keptLength + 80)
        out.append(contentsOf: b[0..<headEnd])
        if kept.isEmpty {
            out.append(contentsOf: "\n[… \(omitted) lines cut …]\n".utf8)
        } else {
            out.append(contentsOf: "\n[… \(omitted) lines cut; \(kept.count) error lines kept:]\n".utf8)
            for line in kept {
                out.append(contentsOf: b[line])
                out.append(0x0A)
            }
            out.append(contentsOf: "[…]\n".utf8)
        }
        out.append(contentsOf: b[tailStart..<b.count])
        return String(decoding: out, as: UTF8.self)
    }

    /// At most `limit` bytes (on a character boundary) with a marker naming how much was cut.
    static func cut(_ text: String, limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard text.utf8.count > limit else { return text }
        var copy = text
        return copy.withUTF8 { b in
            let end = boundary(b, limit)
            return String(decoding: b[0..<end], as: UTF8.self) + "[… \(b.count - end) bytes cut]"
        }
    }

    /// At most about `limit` bytes: two thirds from the head, a marker, the rest from the tail.
    ///
    /// For prose (reasoning, messages), where the conclusion is at the end and error lines of
    /// the middle are not what matters.
    static func headAndTail(_ text: String, limit: Int) -> String {
        guard limit > 0 else { return "" }
        guard text.utf8.count > limit else { return text }
        var copy = text
        return copy.withUTF8 { b in
            let headEnd = boundary(b, limit * 2 / 3)
            let tailStart = max(headEnd, boundary(b, b.count - (limit - limit * 2 / 3)))
            var out: [UInt8] = []
            out.reserveCapacity(limit + 40)
            out.append(contentsOf: b[0..<headEnd])
            out.append(contentsOf: " [… \(tailStart - headEnd) bytes cut …] ".utf8)
            out.append(contentsOf: b[tailStart..<b.count])
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `offset` moved back to the start of the UTF-8 sequence it falls in.
    static func boundary(_ b: UnsafeBufferPointer<UInt8>, _ offset: Int) -> Int {
        var i = min(max(offset, 0), b.count)
        while i > 0, i < b.count, b[i] & 0xC0 == 0x80 { i -= 1 }
        return i
    }

    static func nextNewline(_ b: UnsafeBufferPointer<UInt8>, from: Int, before end: Int) -> Int {
        guard let base = b.baseAddress, from < end, let hit = memchr(base + from, 0x0A, end - from) else { return end }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let utf8 = self.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        if first == utf8.startIndex, utf8.index(after: last) == utf8.endIndex { return self }
        return String(self[first...last])
    }
}

extension Substring {
    /// The substring without leading and trailing characters of `set`.
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return s
    }
}
