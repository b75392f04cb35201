import Foundation

/// Substring search on UTF-8 bytes (`memchr` for the first byte, `memcmp` for the rest): Foundation's `String.contains`/`range(of:)`
/// go through UTF-16 and locale-aware comparison, which dominated capture time.
enum ByteSearch {
    /// The byte offset of the first `needle` in `haystack`, or nil.
    static func find(_ needle: String, in haystack: String) -> Int? {
        var h = haystack
        var n = needle
        return h.withUTF8 { hb in n.withUTF8 { nb in find(nb, in: hb) } }
    }

    static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !needle.isEmpty else { return 0 }
        guard let h = haystack.baseAddress, let n = needle.baseAddress, haystack.count >= needle.count else { return nil }
        let first = Int32(n.pointee)
        let last = haystack.count - needle.count
        var i = 0
        while i <= last {
            guard let hit = memchr(h + i, first, last - i + 1) else { return nil }
            let at = UnsafeRawPointer(h).distance(to: UnsafeRawPointer(hit))
            if memcmp(h + at, n, needle.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }

    static func contains(_ haystack: String, _ needle: String) -> Bool { find(needle, in: haystack) != nil }

    /// Whether `haystack`, ASCII-lower-cased, contains any of `needles` (given in lower case).
    static func containsAnyFolded(_ haystack: Substring, _ needles: [String]) -> Bool {
        var lowered = Array(haystack.utf8)
        for i in lowered.indices where (lowered[i] &- 65) < 26 { lowered[i] |= 0x20 }
        return lowered.withUnsafeBufferPointer { hb in
            needles.contains { needle in
                var n = needle
                return n.withUTF8 { find($0, in: hb) } != nil
            }
        }
    }
}
