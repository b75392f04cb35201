import Foundation

extension String {
    /// Whether `other` occurs in the string, compared byte for byte over UTF-8 (`memchr` for the
    /// first byte, `memcmp` for the rest).
    ///
    /// Foundation's `contains` bridges every call to `NSString` (`CFStringFind`), which was a
    /// fifth of a compaction's time: error classes, edit failures and narrative markers are
    /// dozens of needles tried against every observation. This overload is more specific than
    /// Foundation's generic one, so it is what `text.contains("…")` calls in this module. The
    /// needles are ASCII, where bytes and characters agree.
    func contains(_ other: String) -> Bool {
        if other.isEmpty { return true }
        var haystack = self
        var needle = other
        return haystack.withUTF8 { h in
            needle.withUTF8 { n in
                guard n.count <= h.count, let hb = h.baseAddress, let nb = n.baseAddress else { return false }
                let first = Int32(nb.pointee)
                var offset = 0
                let last = h.count - n.count
                while offset <= last {
                    guard let found = memchr(hb + offset, first, last - offset + 1) else { return false }
                    let at = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self))
                    if memcmp(at, nb, n.count) == 0 { return true }
                    offset = at - hb + 1
                }
                return false
            }
        }
    }
}

extension Substring {
    /// The text without leading and trailing ASCII spaces, tabs and line breaks.
    ///
    /// Foundation's `trimmingCharacters(in:)` builds an `NSString` of the whole text first; a
    /// step's input can be a long here-document, trimmed on every step of every trajectory.
    var trimmedASCII: String {
        let isSpace: (UInt8) -> Bool = { byte in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let start = utf8.firstIndex(where: { !isSpace($0) }), let end = utf8.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

extension String {
    /// See `Substring.trimmedASCII`.
    var trimmedASCII: String { self[...].trimmedASCII }
}
