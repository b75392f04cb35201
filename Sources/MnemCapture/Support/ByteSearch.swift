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

/// A small set of phrases found in one pass over a text's bytes, ignoring ASCII case.
///
/// Built in microseconds (one bucket per first byte), for the phrase lists of the evidence
/// readers: a process that captures one session pays for the tables it uses, and no more.
struct ByteAnchors: Sendable {
    /// The phrases, lower-cased, one after the other; phrase `n` is `bytes[offsets[n]..<offsets[n + 1]]`.
    let bytes: [UInt8]
    let offsets: [Int32]
    /// The phrases starting with folded byte `b` are `entries[starts[b]..<starts[b + 1]]`.
    let starts: [Int32]
    let entries: [Int32]

    init(_ texts: [String]) {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        var buckets = [[Int32]](repeating: [], count: 256)
        for (n, text) in texts.enumerated() {
            let phrase = Array(text.lowercased().utf8)
            if let first = phrase.first { buckets[Int(first)].append(Int32(n)) }
            bytes += phrase
            offsets.append(Int32(bytes.count))
        }
        var starts: [Int32] = []
        var entries: [Int32] = []
        for bucket in buckets {
            starts.append(Int32(entries.count))
            entries += bucket
        }
        starts.append(Int32(entries.count))
        self.bytes = bytes
        self.offsets = offsets
        self.starts = starts
        self.entries = entries
    }

    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { (b &- 65) < 26 ? b | 0x20 : b }

    /// Calls `body` with the position and index of every phrase occurrence, in order; stops when it returns false.
    /// - Complexity: O(n) positions, each comparing the few phrases that start with its byte.
    func forEachHit(in text: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Bool) {
        bytes.withUnsafeBufferPointer { phrases in
            offsets.withUnsafeBufferPointer { offsets in
                starts.withUnsafeBufferPointer { starts in
                    entries.withUnsafeBufferPointer { entries in
                        let n = text.count
                        var i = 0
                        while i < n {
                            let b = Int(Self.fold(text[i]))
                            var e = Int(starts[b])
                            let stop = Int(starts[b + 1])
                            while e < stop {
                                let index = Int(entries[e])
                                let from = Int(offsets[index])
                                let length = Int(offsets[index + 1]) - from
                                if i + length <= n {
                                    var k = 1
                                    while k < length, Self.fold(text[i + k]) == phrases[from + k] { k += 1 }
                                    if k == length, !body(i, index) { return }
                                }
                                e += 1
                            }
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// Whether any phrase occurs.
    func occurs(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        forEachHit(in: bytes) { _, _ in
            found = true
            return false
        }
        return found
    }
}
