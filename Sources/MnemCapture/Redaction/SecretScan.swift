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

    /// Scans every string of every memory file at the pool's tip.
    ///
    /// Each file is read once, on every core (`Pool.mapBlobs`), and scanned as the JSON it
    /// holds: a file that is not a valid memory is reported once (`pool.onInvalidMemory`, as
    /// every command does) and scanned all the same, since a secret does not need a valid memory
    /// around it; one that is not even JSON is scanned as a single string.
    /// - Complexity: O(total size of the memories) / cores.
    public static func scan(pool: Pool) throws -> [Finding] {
        let entries = try pool.entries()
        let progress = WorkProgress.start("scanning", total: entries.count)
        defer { progress.finish() }
        let ids = entries.map(\.id)
        let paths = entries.map(\.path)
        let found = try pool.mapBlobs(entries.map(\.blob), progress: progress) { i, read -> Result<(findings: [Finding], invalid: String?), PoolError> in
            switch read {
            case .success(let bytes):
                var out: [Finding] = []
                var invalid: String?
                let value: JSONValue
                do {
                    value = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
                    do { _ = try Pool.validateMemory(value, path: paths[i]) } catch { invalid = (error as? PoolError)?.message ?? "\(paths[i]): \(error)" }
                } catch {
                    value = .string(String(decoding: bytes, as: UTF8.self))
                    invalid = "\(paths[i]): \(error)"
                }
                scan(value, path: "", memory: ids[i], into: &out)
                return .success((out, invalid))
            case .failure(let error):
                return .failure(PoolError("\(paths[i]): \(error)"))
            }
        }
        var out: [Finding] = []
        for (entry, result) in zip(entries, found) {
            let (findings, invalid) = try result.get()
            if let invalid { pool.onInvalidMemory?(InvalidMemory(path: entry.path, reason: invalid, blob: entry.blob)) }
            out += findings
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
