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
struct FoldedAnchors: Sendable {
    let anchors: [[UInt8]]
    let first: [Bool]
    let bigram: [[Int32]]

    init(_ texts: [String]) {
        var first = [Bool](repeating: false, count: 256)
        var bigram = [[Int32]](repeating: [], count: 65536)
        let anchors = texts.map { Array($0.lowercased().utf8) }
        for (n, bytes) in anchors.enumerated() where bytes.count >= 2 {
            first[Int(bytes[0])] = true
            bigram[Int(bytes[0]) << 8 | Int(bytes[1])].append(Int32(n))
        }
        self.anchors = anchors
        self.first = first
        self.bigram = bigram
    }

    /// Calls `body` with the position and index of every anchor occurrence in `range`, in order;
    /// stops when `body` returns false.
    func forEachHit(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Int, Int) -> Bool) {
        let end = min(range.upperBound, bytes.count)
        var i = range.lowerBound
        while i < end - 1 {
            let b0 = SecretScanner.fold(bytes[i])
            if first[Int(b0)] {
                for entry in bigram[Int(b0) << 8 | Int(SecretScanner.fold(bytes[i + 1]))] {
                    let anchor = anchors[Int(entry)]
                    guard i + anchor.count <= end, SecretScanner.matchesFolded(bytes, at: i, anchor) else { continue }
                    if !body(i, Int(entry)) { return }
                }
            }
            i += 1
        }
    }

    /// Whether any anchor occurs in `range`.
    func occurs(in bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
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
