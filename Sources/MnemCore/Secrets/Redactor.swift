/// Replaces every credential `SecretScanner` finds with a typed placeholder, `[REDACTED:<kind>]`,
/// and counts what it replaced by kind.
public struct Redactor: Sendable {
    /// Replacements made so far, by kind.
    public private(set) var counts: [String: Int] = [:]

    public init() {}

    public static func placeholder(_ kind: String) -> String { "[REDACTED:\(kind)]" }

    /// The most passes `redact` makes before it gives up on a text and replaces it whole.
    static let maxPasses = 4

    /// `text` with every credential replaced, so that `SecretScanner` finds none in the result.
    ///
    /// Replacing one credential can leave another the scanner now sees (matches that overlapped,
    /// found by fuzzing), so the scan runs again on what was redacted until it finds nothing; a
    /// text still holding one after `maxPasses` is replaced whole.
    /// - Complexity: O(n) in the length of `text` when it holds no credential.
    public mutating func redact(_ text: String) -> String {
        var current = text
        for _ in 0..<Self.maxPasses {
            let found = SecretScanner.findings(in: current)
            if found.isEmpty { return current }
            current = replaced(found, in: current)
        }
        guard let left = SecretScanner.findings(in: current).first else { return current }
        counts[left.kind, default: 0] += 1
        return Self.placeholder(left.kind)
    }

    private mutating func replaced(_ found: [(kind: String, range: Range<Int>)], in text: String) -> String {
        var out: [UInt8] = []
        let utf8 = Array(text.utf8)
        out.reserveCapacity(utf8.count)
        var position = 0
        for f in found {
            out.append(contentsOf: utf8[position..<f.range.lowerBound])
            out.append(contentsOf: Self.placeholder(f.kind).utf8)
            counts[f.kind, default: 0] += 1
            position = f.range.upperBound
        }
        out.append(contentsOf: utf8[position...])
        return String(decoding: out, as: UTF8.self)
    }

    /// Adds another redactor's counts to this one's.
    public mutating func merge(_ other: [String: Int]) {
        for (kind, n) in other { counts[kind, default: 0] += n }
    }
}
