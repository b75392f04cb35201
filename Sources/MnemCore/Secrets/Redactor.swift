/// Replaces every credential `SecretScanner` finds with a typed placeholder, `[REDACTED:<kind>]`,
/// and counts what it replaced by kind.
public struct Redactor: Sendable {
    /// Replacements made so far, by kind.
    public private(set) var counts: [String: Int] = [:]

    public init() {}

    public static func placeholder(_ kind: String) -> String { "[REDACTED:\(kind)]" }

    /// `text` with every credential replaced.
    /// - Complexity: O(n) in the length of `text`.
    public mutating func redact(_ text: String) -> String {
        let found = SecretScanner.findings(in: text)
        guard !found.isEmpty else { return text }
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
