/// A credential found in a JSON document: its kind and the field that holds it (a path such as
/// `insight/content` or `trajectory/steps/3/observation`). Never the credential itself.
public struct SecretFinding: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var field: String

    public init(kind: String, field: String) {
        self.kind = kind
        self.field = field
    }

    public var description: String { field.isEmpty ? kind : "\(field): \(kind)" }
}

/// Every door into the pool asks the same question of what it is handed: does it hold a
/// credential? The answer names fields and kinds, never values, so it can be printed.
public enum SecretCheck {
    /// The credentials in every string of `value` (keys included), in document order.
    /// - Parameter path: the field `value` is, prefixed to the fields found.
    /// - Complexity: O(total length of the strings).
    public static func findings(in value: JSONValue, path: String = "") -> [SecretFinding] {
        var out: [SecretFinding] = []
        walk(value, path: path, into: &out)
        return out
    }

    /// The credentials in `text`, as findings for `field`.
    public static func findings(in text: String, field: String) -> [SecretFinding] {
        SecretScanner.findings(in: text).map { SecretFinding(kind: $0.kind, field: field) }
    }

    static func walk(_ value: JSONValue, path: String, into out: inout [SecretFinding]) {
        switch value {
        case .string(let s):
            for finding in SecretScanner.findings(in: s) { out.append(SecretFinding(kind: finding.kind, field: path)) }
        case .array(let items):
            for (n, item) in items.enumerated() { walk(item, path: path.isEmpty ? "\(n)" : "\(path)/\(n)", into: &out) }
        case .object(let members):
            for key in members.keys.sorted() {
                guard let item = members[key] else { continue }
                let field = path.isEmpty ? key : "\(path)/\(key)"
                for finding in SecretScanner.findings(in: key) { out.append(SecretFinding(kind: finding.kind, field: field)) }
                walk(item, path: field, into: &out)
            }
        default:
            return
        }
    }

    /// Throws `SecretRefusedError` when `value` holds a credential.
    /// - Parameter label: what is being checked, for the message (`memories.json: item 3`, `add_insight`).
    public static func refuse(_ value: JSONValue, label: String) throws(SecretRefusedError) {
        let found = findings(in: value)
        if !found.isEmpty { throw SecretRefusedError(label: label, findings: found) }
    }

    /// Throws `SecretRefusedError` when one of `fields` (name, text) holds a credential.
    public static func refuse(fields: [(name: String, text: String)], label: String) throws(SecretRefusedError) {
        let found = fields.flatMap { findings(in: $0.text, field: $0.name) }
        if !found.isEmpty { throw SecretRefusedError(label: label, findings: found) }
    }

    /// `text` with every credential replaced by `[REDACTED:<kind>]`.
    public static func redacted(_ text: String) -> String {
        var redactor = Redactor()
        return redactor.redact(text)
    }

    /// `value` with every string redacted, for memories handed to an agent.
    public static func redacted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(redacted(s))
        case .array(let items): return .array(items.map(redacted))
        case .object(let members): return .object(members.mapValues(redacted))
        default: return value
        }
    }
}

/// Something refused at a door because it holds credentials: what it was, and the fields and
/// kinds found (never the values).
public struct SecretRefusedError: Error, Sendable, CustomStringConvertible {
    public var label: String
    public var findings: [SecretFinding]

    public init(label: String, findings: [SecretFinding]) {
        self.label = label
        self.findings = findings
    }

    /// The fields and kinds, the first few of them: `insight/content holds a github-token`.
    public var what: String {
        var parts: [String] = []
        for finding in findings.prefix(5) {
            parts.append(finding.field.isEmpty ? "a \(finding.kind)" : "\(finding.field) holds a \(finding.kind)")
        }
        if findings.count > 5 { parts.append("… \(findings.count - 5) more") }
        return parts.joined(separator: ", ")
    }

    public var description: String {
        "\(label): \(what); secrets are not let into the pool (remove the value or replace it with a placeholder such as $TOKEN)"
    }
}

extension Memory {
    /// The credentials in this memory's strings, by field.
    public func secretFindings() -> [SecretFinding] { SecretCheck.findings(in: jsonObject()) }
}
