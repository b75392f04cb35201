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
        for memory in try pool.memories() { out += scan(memory) }
        return out
    }

    /// Scans the strings of one memory.
    public static func scan(_ memory: Memory) -> [Finding] {
        memory.secretFindings().map { Finding(kind: $0.kind, memory: memory.id, field: $0.field) }
    }
}
