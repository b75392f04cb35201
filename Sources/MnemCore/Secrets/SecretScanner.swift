/// Finds credentials in text: API keys and tokens of known providers, private keys, passwords
/// in URLs and assignments, authorization headers, and high-entropy values assigned to names
/// like `key`, `token` or `secret`.
///
/// It runs over every string of every transcript, megabytes at a time, so it does not run one
/// regular expression per rule. Each rule names short literal anchors (`ghp_`, `-----begin`,
/// `password`); one pass over the bytes looks up each position's two-byte pair (case-folded)
/// in a table of anchors and runs a rule's hand-written matcher only where its anchor occurs.
/// - Complexity: O(n) in the length of the text, with a small constant per anchor hit.
public enum SecretScanner {
    /// A credential found in a text: its kind (`github-token`, `aws-access-key`, …) and where.
    /// Carries no copy of the secret itself.
    public struct Finding: Sendable, Hashable {
        public var kind: String
        public var range: Range<String.Index>
        /// The same range as UTF-8 byte offsets.
        public var utf8Range: Range<Int>
    }

    /// Every credential in `text`, in order, non-overlapping.
    public static func scan(_ text: String) -> [Finding] {
        let raw = findings(in: text)
        guard !raw.isEmpty else { return [] }
        let utf8 = text.utf8
        return raw.map { f in
            let lower = utf8.index(utf8.startIndex, offsetBy: f.range.lowerBound)
            let upper = utf8.index(lower, offsetBy: f.range.count)
            return Finding(kind: f.kind, range: lower..<upper, utf8Range: f.range)
        }
    }

    /// Every kind of credential the scanner knows, for documentation and tests.
    public static var kinds: [String] {
        var seen = Set<String>()
        var out: [String] = []
        for rule in SecretRules.all {
            for kind in rule.kinds where seen.insert(kind).inserted { out.append(kind) }
        }
        return out
    }

    struct RawFinding {
        var kind: String
        var range: Range<Int>
        var priority: Int
    }

    static func findings(in text: String) -> [(kind: String, range: Range<Int>)] {
        if text.utf8.count < 8 { return [] }
        if let result = text.utf8.withContiguousStorageIfAvailable({ findings(in: $0) }) { return result }
        let copy = Array(text.utf8)
        return copy.withUnsafeBufferPointer { findings(in: $0) }
    }

    static func findings(in bytes: UnsafeBufferPointer<UInt8>) -> [(kind: String, range: Range<Int>)] {
        let table = AnchorTable.shared
        guard bytes.count >= 2 else { return [] }
        var raw: [RawFinding] = []
        let text = Text(bytes: bytes)
        table.anchors.forEachHit(in: bytes, 0..<bytes.count) { position, anchor in
            let rule = SecretRules.all[table.rules[anchor]]
            if let hit = rule.match(text, position, table.anchorLengths[anchor]) {
                raw.append(RawFinding(kind: hit.kind, range: hit.range, priority: rule.priority))
            }
            return true
        }
        return resolve(raw)
    }

    /// Orders findings and merges overlaps, so every byte of every finding is covered once;
    /// where two start together the more specific rule names the kind.
    static func resolve(_ raw: [RawFinding]) -> [(kind: String, range: Range<Int>)] {
        guard !raw.isEmpty else { return [] }
        let sorted = raw.sorted {
            if $0.range.lowerBound != $1.range.lowerBound { return $0.range.lowerBound < $1.range.lowerBound }
            if $0.priority != $1.priority { return $0.priority > $1.priority }
            return $0.range.count > $1.range.count
        }
        var out: [(kind: String, range: Range<Int>)] = []
        for f in sorted {
            if let last = out.last, f.range.lowerBound < last.range.upperBound {
                if f.range.upperBound > last.range.upperBound {
                    out[out.count - 1].range = last.range.lowerBound..<f.range.upperBound
                }
                continue
            }
            out.append((f.kind, f.range))
        }
        return out
    }

    @inline(__always) static func fold(_ b: UInt8) -> UInt8 { (b &- 65) < 26 ? b | 0x20 : b }

    @inline(__always) static func matchesFolded(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, _ anchor: [UInt8]) -> Bool {
        var k = 0
        while k < anchor.count {
            if fold(bytes[i + k]) != anchor[k] { return false }
            k += 1
        }
        return true
    }
}

/// Literal anchors found case-insensitively in one pass: each position's two (ASCII-folded)
/// bytes index a table of the anchors that start with them.
public struct FoldedAnchors: Sendable {
    let anchors: [[UInt8]]
    /// Anchors starting with bigram `k` are `entries[starts[k]..<starts[k + 1]]`.
    let starts: [Int32]
    let entries: [Int32]
    /// Folded byte → whether some anchor starts with it.
    let first: [Bool]

    public init(_ texts: [String]) {
        var first = [Bool](repeating: false, count: 256)
        let anchors = texts.map { Array($0.lowercased().utf8) }
        // A counting sort by bigram: 65,536 small arrays, one per bucket, cost 2 ms of every
        // process that scans for secrets (every hook); two flat arrays cost a tenth of that.
        func key(_ bytes: [UInt8]) -> Int { Int(bytes[0]) << 8 | Int(bytes[1]) }
        var starts = [Int32](repeating: 0, count: 65537)
        for bytes in anchors where bytes.count >= 2 {
            first[Int(bytes[0])] = true
            starts[key(bytes) + 1] += 1
        }
        for k in 0..<65536 { starts[k + 1] += starts[k] }
        var next = starts
        var entries = [Int32](repeating: 0, count: Int(starts[65536]))
        for (n, bytes) in anchors.enumerated() where bytes.count >= 2 {
            entries[Int(next[key(bytes)])] = Int32(n)
            next[key(bytes)] += 1
        }
        self.anchors = anchors
        self.starts = starts
        self.entries = entries
        self.first = first
    }

    /// Calls `body` with the position and index of every anchor occurrence in `range`, in order;
    /// stops when `body` returns false.
    func forEachHit(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Int, Int) -> Bool) {
        let end = min(range.upperBound, bytes.count)
        guard end - range.lowerBound >= 2 else { return }
        first.withUnsafeBufferPointer { first in
            starts.withUnsafeBufferPointer { starts in
                entries.withUnsafeBufferPointer { entries in
                    var i = range.lowerBound
                    var b0 = SecretScanner.fold(bytes[i])
                    while i < end - 1 {
                        let b1 = SecretScanner.fold(bytes[i + 1])
                        if first[Int(b0)] {
                            let key = Int(b0) << 8 | Int(b1)
                            var e = Int(starts[key])
                            let stop = Int(starts[key + 1])
                            while e < stop {
                                let index = Int(entries[e])
                                let anchor = anchors[index]
                                if i + anchor.count <= end, SecretScanner.matchesFolded(bytes, at: i, anchor), !body(i, index) { return }
                                e += 1
                            }
                        }
                        b0 = b1
                        i += 1
                    }
                }
            }
        }
    }

    /// Whether any anchor occurs in `range`.
    public func occurs(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var found = false
        forEachHit(in: bytes, range) { _, _ in
            found = true
            return false
        }
        return found
    }
}

/// The anchors of every secret rule, and which rule each belongs to.
final class AnchorTable: Sendable {
    static let shared = AnchorTable()

    let anchors: FoldedAnchors
    let rules: [Int]
    let anchorLengths: [Int]

    private init() {
        var texts: [String] = []
        var rules: [Int] = []
        for (r, rule) in SecretRules.all.enumerated() {
            for text in rule.anchors where text.utf8.count >= 2 {
                texts.append(text)
                rules.append(r)
            }
        }
        anchors = FoldedAnchors(texts)
        self.rules = rules
        anchorLengths = texts.map(\.utf8.count)
    }
}
