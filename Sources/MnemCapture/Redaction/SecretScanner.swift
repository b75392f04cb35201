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
        let n = bytes.count
        guard n >= 2 else { return [] }
        var raw: [RawFinding] = []
        var i = 0
        while i < n - 1 {
            let b0 = fold(bytes[i])
            if table.first[Int(b0)] {
                let key = Int(b0) << 8 | Int(fold(bytes[i + 1]))
                for entry in table.bigram[key] {
                    let anchor = table.anchors[Int(entry)]
                    guard i + anchor.bytes.count <= n, matchesFolded(bytes, at: i, anchor.bytes) else { continue }
                    let rule = SecretRules.all[anchor.rule]
                    if let hit = rule.match(Text(bytes: bytes), i, anchor.bytes.count) {
                        raw.append(RawFinding(kind: hit.kind, range: hit.range, priority: rule.priority))
                    }
                }
            }
            i += 1
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

/// The anchors of every rule, indexed by their first two (case-folded) bytes.
final class AnchorTable: Sendable {
    struct Anchor: Sendable {
        var bytes: [UInt8]
        var rule: Int
    }

    static let shared = AnchorTable()

    let anchors: [Anchor]
    let first: [Bool]
    let bigram: [[Int32]]

    private init() {
        var anchors: [Anchor] = []
        var first = [Bool](repeating: false, count: 256)
        var bigram = [[Int32]](repeating: [], count: 65536)
        for (r, rule) in SecretRules.all.enumerated() {
            for text in rule.anchors {
                let bytes = Array(text.lowercased().utf8)
                guard bytes.count >= 2 else { continue }
                first[Int(bytes[0])] = true
                bigram[Int(bytes[0]) << 8 | Int(bytes[1])].append(Int32(anchors.count))
                anchors.append(Anchor(bytes: bytes, rule: r))
            }
        }
        self.anchors = anchors
        self.first = first
        self.bigram = bigram
    }
}
