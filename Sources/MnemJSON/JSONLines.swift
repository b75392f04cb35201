import Foundation

/// Iterates the lines of a buffer without copying them, for JSON lines input.
public enum JSONLines {
    /// Calls `body` with each line's 1-based number and bytes (without the newline or a trailing CR).
    ///
    /// - Complexity: O(n), one `memchr` per line; no allocation per line.
    public static func forEachLine(
        in bytes: UnsafeRawBufferPointer, _ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var start = 0
        var lineNumber = 0
        let count = bytes.count
        while start < count {
            lineNumber += 1
            var end = count
            if let hit = memchr(base + start, 0x0A, count - start) {
                end = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            var lineEnd = end
            if lineEnd > start, base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            try body(lineNumber, UnsafeBufferPointer(start: base + start, count: lineEnd - start))
            start = end + 1
        }
    }

    /// Whether a line holds only JSON whitespace.
    public static func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}
