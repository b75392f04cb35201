import MnemCore

/// Looks for credentials in the memories already in a pool (for `mnem scan`): whatever wrote
/// them, and whatever the scanner knew when they were captured.
public enum SecretScan {
    /// One credential found: its kind, the memory and the field (a path such as
    /// `trajectory/steps/3/observation`). Never the credential itself.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        public var kind: String
        public var memory: MemoryID
        public var field: String
        public var description: String { "\(memory.short) \(field): \(kind)" }
    }

    /// Scans every string of every memory at the pool's tip.
    /// - Complexity: O(total size of the memories).
    public static func scan(pool: Pool) throws -> [Finding] {
        var out: [Finding] = []
        for memory in try pool.memories() {
            scan(memory.jsonObject(), path: "", memory: memory.id, into: &out)
        }
        return out
    }

    /// Scans the strings of one memory.
    public static func scan(_ memory: Memory) -> [Finding] {
        var out: [Finding] = []
        scan(memory.jsonObject(), path: "", memory: memory.id, into: &out)
        return out
    }

    static func scan(_ value: JSONValue, path: String, memory: MemoryID, into out: inout [Finding]) {
        for finding in SecretCheck.findings(in: value, path: path) { out.append(Finding(kind: finding.kind, memory: memory, field: finding.field)) }
    }
}
