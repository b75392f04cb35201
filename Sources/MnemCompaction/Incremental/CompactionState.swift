import Foundation
import MnemCore

/// What offline compaction knows about a pool at one commit, kept beside the pool so a run
/// reads only what is new: the miner's record of every trajectory and which trajectories
/// already have an offline workflow and summary.
///
/// Derived data, like the vector sidecar: it lives in the pool's git directory (never
/// committed), names the commit it reflects, is brought up to date from the tree diff since that
/// commit, and is rebuilt from the tree when missing, stale, from another version, or failing
/// its checksum. Nothing in it is trusted that its checks do not cover.
///
/// Layout (little-endian): the magic `MNEMCST1`, the format version, flags, the commit (20
/// bytes), the body's length and its SHA-256, then the body: a string table, the records (each
/// string an index into the table), and the two compacted sets.
struct CompactionState: Sendable {
    /// Bump when the analysis that makes records changes: old records would say other things.
    static let formatVersion: UInt32 = 2
    static let magic: [UInt8] = Array("MNEMCST1".utf8)
    static let headerSize = 8 + 4 + 4 + 20 + 4 + 8 + 32

    /// The commit (hex) this state reflects; nil for an empty pool.
    var commit: String?
    /// Whether an offline compaction of every kind finished at `commit`, so nothing is left to do there.
    var complete = false
    var records: [MemoryID: MiningRecord] = [:]
    /// Trajectories that have an offline workflow, and an offline summary.
    var compacted: [MemoryKind: Set<MemoryID>] = [.workflow: [], .summary: []]

    static func path(gitDirectory: String) -> String {
        (gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/") + "mnem/compaction-state"
    }

    // MARK: - Reading

    /// The state at `path`, or nil when it is missing or fails any check (the caller rebuilds it).
    static func load(path: String) -> CompactionState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return decode(Array(data))
    }

    /// Reads only the header: the commit and whether compaction was complete there, without
    /// reading or checking the body. For the question "is there anything to do?", which a
    /// wrong answer cannot make unsafe: a run that finds work reads and checks the whole file.
    static func peek(path: String) -> (commit: String?, complete: Bool, trajectories: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: headerSize), data.count == headerSize else { return nil }
        var reader = Reader(Array(data))
        guard let header = try? reader.header() else { return nil }
        return (header.commit, header.complete, header.records)
    }

    static func decode(_ bytes: [UInt8]) -> CompactionState? {
        var reader = Reader(bytes)
        do {
            let header = try reader.header()
            guard UInt64(bytes.count - headerSize) == header.length, SHA256.hash(bytes[headerSize...]) == header.checksum else { return nil }
            var state = CompactionState(commit: header.commit, complete: header.complete)
            let stringCount = try reader.u32()
            var strings: [String] = []
            strings.reserveCapacity(Int(stringCount))
            for _ in 0..<stringCount { strings.append(try reader.string()) }
            func string() throws -> String {
                let index = Int(try reader.u32())
                guard index < strings.count else { throw Reader.Malformed() }
                return strings[index]
            }
            let recordCount = try reader.u32()
            guard Int(recordCount) == header.records else { return nil }
            state.records.reserveCapacity(Int(recordCount))
            for _ in 0..<recordCount {
                let id = try reader.id()
                let source = try string()
                let agent = try string()
                let domain = try string()
                let outcome: Outcome? = try [nil, .success, .failure, .unknown][Int(reader.u8(max: 3))]
                let edits = try reader.u8(max: 1) == 1
                let firstCheck: Bool? = try [nil, true, false][Int(reader.u8(max: 2))]
                var habits: [String] = []
                for _ in 0..<(try reader.count()) { habits.append(try string()) }
                var episodes: [Episode] = []
                for _ in 0..<(try reader.count()) {
                    let situation = try string()
                    let failing = try string()
                    let progressed = try reader.u8(max: 1) == 1
                    var techniques: [String] = []
                    for _ in 0..<(try reader.count()) { techniques.append(try string()) }
                    episodes.append(Episode(situation: situation, failing: failing, techniques: techniques, progressed: progressed))
                }
                state.records[id] = MiningRecord(
                    id: id, source: source, agent: agent, domain: domain, outcome: outcome, episodes: episodes, habits: habits, edits: edits, firstCheckPassed: firstCheck)
            }
            for kind in [MemoryKind.workflow, .summary] {
                let count = try reader.u32()
                guard Int(count) <= (bytes.count - reader.offset) / 20 else { return nil }
                var set = Set<MemoryID>(minimumCapacity: Int(count))
                for _ in 0..<count { set.insert(try reader.id()) }
                state.compacted[kind] = set
            }
            guard reader.atEnd else { return nil }
            return state
        } catch {
            return nil
        }
    }

    // MARK: - Writing

    func encode() -> [UInt8] { encode(body: encodeBody()) }

    /// The body: the string table, the records and the compacted sets (what takes the time;
    /// a compaction encodes it beside its mining, before the commit the header names is known).
    func encodeBody() -> [UInt8] {
        var table: [String: UInt32] = [:]
        var strings: [String] = []
        func index(_ text: String) -> UInt32 {
            if let i = table[text] { return i }
            let i = UInt32(strings.count)
            table[text] = i
            strings.append(text)
            return i
        }
        // In the dictionaries' own order: the file is derived, read whole, and sorting 300,000
        // ids on every save was a fifth of a compaction with three new trajectories.
        var records = Writer()
        records.u32(UInt32(self.records.count))
        for (id, record) in self.records {
            records.id(id)
            records.u32(index(record.source))
            records.u32(index(record.agent))
            records.u32(index(record.domain))
            let outcome: UInt8 =
                switch record.outcome {
                case nil: 0
                case .success: 1
                case .failure: 2
                case .unknown: 3
                }
            records.u8(outcome)
            records.u8(record.edits ? 1 : 0)
            records.u8(record.firstCheckPassed.map { $0 ? 1 : 2 } ?? 0)
            records.u32(UInt32(record.habits.count))
            for habit in record.habits { records.u32(index(habit)) }
            records.u32(UInt32(record.episodes.count))
            for episode in record.episodes {
                records.u32(index(episode.situation))
                records.u32(index(episode.failing))
                records.u8(episode.progressed ? 1 : 0)
                records.u32(UInt32(episode.techniques.count))
                for technique in episode.techniques { records.u32(index(technique)) }
            }
        }
        for kind in [MemoryKind.workflow, .summary] {
            let ids = compacted[kind] ?? []
            records.u32(UInt32(ids.count))
            for id in ids { records.id(id) }
        }
        var body = Writer()
        body.u32(UInt32(strings.count))
        for text in strings { body.string(text) }
        body.bytes += records.bytes
        return body.bytes
    }

    /// The state whole: the header (commit, flags, checksum) and `body` from `encodeBody()`.
    func encode(body: [UInt8]) -> [UInt8] {
        var header = Writer()
        header.bytes += Self.magic
        header.u32(Self.formatVersion)
        header.u32((complete ? 1 : 0) | (commit != nil ? 2 : 0))
        header.bytes += Self.commitBytes(commit)
        header.u32(UInt32(self.records.count))
        header.u64(UInt64(body.count))
        header.bytes += SHA256.hash(body)
        return header.bytes + body
    }

    /// Writes the state to `path` through a temporary file and a rename, so a reader never sees half of it.
    func save(path: String, body: [UInt8]? = nil) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(body.map { encode(body: $0) } ?? encode())) else {
            throw PoolError("cannot write the compaction state \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PoolError("cannot replace the compaction state \(path): \(reason)")
        }
    }

    static func commitBytes(_ hex: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        appendBytes(ofHex: hex, to: &out)
        return out
    }

    /// The 20 bytes 40 hex digits stand for, appended to `out` (zeros for nil or another length).
    static func appendBytes(ofHex hex: String?, to out: inout [UInt8]) {
        guard var hex, hex.utf8.count == 40 else { return out.append(contentsOf: repeatElement(0, count: 20)) }
        hex.withUTF8 { digits in
            for i in stride(from: 0, to: 40, by: 2) {
                let (h, l) = (digits[i], digits[i + 1])
                let high: UInt8 = h <= 0x39 ? h &- 0x30 : (h | 0x20) &- 0x61 &+ 10
                let low: UInt8 = l <= 0x39 ? l &- 0x30 : (l | 0x20) &- 0x61 &+ 10
                out.append(high << 4 | low)
            }
        }
    }

    static func hex(_ bytes: ArraySlice<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    struct Writer {
        var bytes: [UInt8] = []
        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func string(_ text: String) {
            u32(UInt32(text.utf8.count))
            bytes += text.utf8
        }
        mutating func id(_ id: MemoryID) { CompactionState.appendBytes(ofHex: id.rawValue, to: &bytes) }
    }

    struct Reader {
        struct Malformed: Error {}
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { offset == bytes.count }

        mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, offset + n <= bytes.count else { throw Malformed() }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }
        mutating func u8(max: UInt8) throws -> UInt8 {
            let v = try take(1).first ?? 0
            guard v <= max else { throw Malformed() }
            return v
        }
        mutating func u32() throws -> UInt32 {
            guard offset + 4 <= bytes.count else { throw Malformed() }
            defer { offset += 4 }
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }
        mutating func u64() throws -> UInt64 {
            let low = UInt64(try u32())
            return low | UInt64(try u32()) << 32
        }
        /// A count of items that follow; more than the bytes left could hold is malformed.
        mutating func count() throws -> Int {
            let n = Int(try u32())
            guard n <= (bytes.count - offset) / 4 else { throw Malformed() }
            return n
        }
        mutating func string() throws -> String {
            let n = Int(try u32())
            let slice = try take(n)
            guard let text = String(validating: slice, as: UTF8.self) else { throw Malformed() }
            return text
        }
        mutating func id() throws -> MemoryID {
            guard offset + 20 <= bytes.count else { throw Malformed() }
            defer { offset += 20 }
            let start = offset
            let id = bytes.withUnsafeBytes { MemoryID(bytes: UnsafeRawBufferPointer(rebasing: $0[start..<(start + 20)])) }
            guard let id else { throw Malformed() }
            return id
        }
        mutating func header() throws -> (commit: String?, complete: Bool, records: Int, length: UInt64, checksum: [UInt8]) {
            guard Array(try take(8)) == CompactionState.magic, try u32() == CompactionState.formatVersion else { throw Malformed() }
            let flags = try u32()
            let commit = CompactionState.hex(try take(20))
            let records = Int(try u32())
            let length = try u64()
            let checksum = Array(try take(32))
            return (flags & 2 != 0 ? commit : nil, flags & 1 != 0, records, length, checksum)
        }
    }
}
