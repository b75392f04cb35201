#if canImport(Glibc)
import Glibc
#endif
import CMnemKernels
import Foundation
import MnemCore
import MnemGit

/// What `mnem list` and `mnem stats` read instead of every memory: one row per memory at a
/// commit, with the columns they print or count (id, blob, kind, outcome, domain, agent, model).
///
/// Derived and disposable like the sidecar, but needs no embedder: it lives at
/// `<git dir>/mnem/catalog`, names the commit it reflects, is brought up to date from the tree
/// diff since that commit (only new memory files are read), and is rebuilt when missing or when
/// it fails any check; its checksums are verified on every open (a few ms at 300,000 rows).
/// A memory file that does not validate has a row too, with the reason, so commands report it
/// as they did when they read every file.
///
/// ```
/// 0    header, 128 bytes: magic "MNEMCAT\0", u32 version, u32 string count, u64 count,
///      u64 string bytes, commit (40 hex), u64 body checksum at 112, u64 header checksum at 120
/// 128  ids: count × 20 bytes, ascending; blobs: count × 20 bytes
///      kinds: count × u8 (MemoryKind.abstraction); outcomes: count × u8 (0 success, 1 failure,
///      2 unknown, 255 a file that does not validate), 4-aligned;
///      domains, agents, models: count × u32 each, indexes into the strings (0xFFFFFFFF: none);
///      for a file that does not validate, its domain is the reason
///      strings: the sorted distinct strings, each u32 length + UTF-8 bytes
/// ```
public final class Catalog {
    static let magic = Array("MNEMCAT\0".utf8)
    static let version: UInt32 = 1
    static let headerSize = 128
    static let none: UInt32 = 0xFFFF_FFFF
    /// The outcome code of a row whose file does not validate.
    static let invalid: UInt8 = 0xFF

    let file: MappedFile
    let base: UnsafeRawPointer
    public let count: Int
    /// The commit whose tree the catalog lists (40 hex digits; zeros for an empty pool).
    public let commit: String
    let strings: [String]
    let layout: Layout

    struct Layout {
        var count: Int
        var stringBytes: Int
        var ids: Int { Catalog.headerSize }
        var blobs: Int { ids + count * 20 }
        var kinds: Int { blobs + count * 20 }
        var outcomes: Int { kinds + count }
        var domains: Int { align(outcomes + count, 4) }
        var agents: Int { domains + count * 4 }
        var models: Int { agents + count * 4 }
        var strings: Int { models + count * 4 }
        var length: Int { strings + stringBytes }
    }

    private init(file: MappedFile, base: UnsafeRawPointer, layout: Layout, commit: String, strings: [String]) {
        self.file = file
        self.base = base
        self.layout = layout
        self.count = layout.count
        self.commit = commit
        self.strings = strings
    }

    /// `<git dir>/mnem/catalog`.
    public static func path(gitDirectory: String) -> String {
        (gitDirectory.hasSuffix("/") ? gitDirectory : gitDirectory + "/") + "mnem/catalog"
    }

    // MARK: Rows

    public func id(at row: Int) -> MemoryID? { MemoryID(PackedID(base + layout.ids + row * 20).hex) }
    public func blob(at row: Int) -> ObjectID? { ObjectID(bytes: base + layout.blobs + row * 20) }
    public func kind(at row: Int) -> MemoryKind? { MemoryKind.from(code: base.load(fromByteOffset: layout.kinds + row, as: UInt8.self)) }
    func outcomeCode(at row: Int) -> UInt8 { base.load(fromByteOffset: layout.outcomes + row, as: UInt8.self) }
    public func outcome(at row: Int) -> Outcome? { Outcome.from(code: outcomeCode(at: row)) }
    func index(_ column: Int, _ row: Int) -> UInt32 { UInt32(littleEndian: base.load(fromByteOffset: column + row * 4, as: UInt32.self)) }
    func string(_ index: UInt32) -> String? { Int(index) < strings.count ? strings[Int(index)] : nil }
    public func domain(at row: Int) -> String? { isValid(row) ? string(index(layout.domains, row)) : nil }
    public func agent(at row: Int) -> String? { string(index(layout.agents, row)) }
    public func model(at row: Int) -> String? { string(index(layout.models, row)) }
    public func isValid(_ row: Int) -> Bool { outcomeCode(at: row) != Self.invalid }
    /// Why the file of `row` does not validate (its path and the reason), or nil when it does.
    public func problem(at row: Int) -> String? { isValid(row) ? nil : string(index(layout.domains, row)) }
    /// The file of `row` as an invalid memory, when it does not validate.
    public func invalidMemory(at row: Int) -> InvalidMemory? {
        guard let problem = problem(at: row), let path = path(at: row), let blob = blob(at: row) else { return nil }
        return InvalidMemory(path: path, reason: problem, blob: blob)
    }

    /// Rows whose files are valid memories.
    public var validCount: Int { (0..<count).reduce(0) { $0 + (isValid($1) ? 1 : 0) } }

    /// The path of `row`'s file.
    public func path(at row: Int) -> String? {
        guard let kind = kind(at: row), let id = id(at: row) else { return nil }
        return MemoryPath.path(kind: kind, id: id)
    }

    /// The columns `counts` groups by.
    public enum Column: Sendable { case kind, outcome, domain, agent, model }

    /// How many valid rows have each value of `column` (a missing value counted as `none`).
    ///
    /// - Complexity: one pass over the column's bytes, counting by code or string index; a
    ///   string is looked up once per distinct value, not once per row.
    public func counts(_ column: Column, none: String) -> [String: Int] {
        var byCode = [Int](repeating: 0, count: column == .kind || column == .outcome ? 256 : strings.count + 1)
        let offset: Int
        switch column {
        case .kind: offset = layout.kinds
        case .outcome: offset = layout.outcomes
        case .domain: offset = layout.domains
        case .agent: offset = layout.agents
        case .model: offset = layout.models
        }
        for row in 0..<count where isValid(row) {
            if column == .kind || column == .outcome {
                byCode[Int(base.load(fromByteOffset: offset + row, as: UInt8.self))] += 1
            } else {
                byCode[min(Int(index(offset, row)), strings.count)] += 1
            }
        }
        var out: [String: Int] = [:]
        for (code, n) in byCode.enumerated() where n > 0 {
            let name: String?
            switch column {
            case .kind: name = MemoryKind.from(code: UInt8(code))?.rawValue
            case .outcome: name = Outcome.from(code: UInt8(code))?.rawValue
            default: name = code < strings.count ? strings[code] : nil
            }
            out[name ?? none, default: 0] += n
        }
        return out
    }

    // MARK: Opening

    /// The catalog of `pool` at its tip: opened, brought up to date from the tree diff, or rebuilt.
    ///
    /// - Returns: the catalog and how many memory files had to be read to bring it up to date.
    /// - Throws: `GitError`, `SidecarError` when the file cannot be written.
    /// - Complexity: O(1) reads of memory files when up to date, O(change) after new commits,
    ///   O(pool) for a rebuild; the file's checksums are O(rows) on every open.
    public static func open(pool: Pool) throws -> (catalog: Catalog, filesRead: Int) {
        let path = Self.path(gitDirectory: pool.repository.gitDirectory)
        let tip = try pool.tip()
        let tipHex = tip?.hex ?? Sidecar.noCommit
        let existing = try? load(path)
        if let existing, existing.commit == tipHex { return (existing, 0) }
        var rows: [Row] = []
        var read = 0
        if let existing, let previous = try? commitTree(existing.commit, pool), let diff = try? changes(pool, from: previous, to: tip) {
            let fresh = try readRows(diff.added, pool: pool)
            read = diff.added.count
            let leaving = Set(diff.leaving).union(fresh.map(\.id))
            rows.reserveCapacity(existing.count + fresh.count)
            var next = 0
            for row in 0..<existing.count {
                let id = PackedID(existing.base + existing.layout.ids + row * 20)
                if leaving.contains(id) { continue }
                while next < fresh.count && fresh[next].id < id {
                    rows.append(fresh[next])
                    next += 1
                }
                rows.append(existing.row(row, id: id))
            }
            rows.append(contentsOf: fresh[next...])
        } else {
            var files: [(blob: ObjectID, path: String)] = []
            if let tip { files = try pool.entries(tree: try pool.repository.commit(tip).tree).map { ($0.blob, $0.path) } }
            rows = try readRows(files, pool: pool)
            read = files.count
        }
        try write(rows, commit: tipHex, to: path)
        guard let written = try? load(path) else { throw SidecarError("the catalog just written at \(path) does not validate") }
        return (written, read)
    }

    /// The tree of `commit`, nil for the empty pool's zeros; throws when the commit is gone.
    private static func commitTree(_ commit: String, _ pool: Pool) throws -> ObjectID? {
        guard commit != Sidecar.noCommit else { return nil }
        guard let id = ObjectID(hex: commit) else { throw SidecarError("bad commit in the catalog") }
        return try pool.repository.commit(id).tree
    }

    /// The ids whose files left or changed, and the files to read, between two trees.
    private static func changes(_ pool: Pool, from old: ObjectID?, to tip: ObjectID?) throws -> (leaving: [PackedID], added: [(blob: ObjectID, path: String)]) {
        let newTree = try tip.map { (t) throws(GitError) in try pool.repository.commit(t).tree }
        var leaving: [PackedID] = []
        var added: [(blob: ObjectID, path: String)] = []
        for delta in try pool.repository.changedFiles(old, newTree, workers: min(4, ProcessInfo.processInfo.activeProcessorCount)) {
            guard let (_, id) = MemoryPath.parse(delta.path), let packed = PackedID(hex: id.rawValue) else { continue }
            if delta.status != .added { leaving.append(packed) }
            if delta.status != .deleted, delta.newMode == .blob || delta.newMode == .executable { added.append((delta.newID, delta.path)) }
        }
        return (leaving, added)
    }

    /// Writes the catalog of `commit` from memory files already read and validated (by a full
    /// index rebuild), so a pool seen for the first time is read once for both.
    public static func write(pool: Pool, commit: String, files: [(path: String, blob: ObjectID, memory: Result<Memory, PoolError>)]) throws {
        var rows: [Row] = []
        rows.reserveCapacity(files.count)
        for file in files {
            guard let (kind, id) = MemoryPath.parse(file.path), let packed = PackedID(hex: id.rawValue), let blob = PackedID(hex: file.blob.hex) else {
                continue
            }
            switch file.memory {
            case .success(let memory):
                rows.append(
                    Row(id: packed, blob: blob, kind: kind, outcome: memory.outcome.code, domain: memory.domain, agent: memory.source.agent, model: memory.source.model))
            case .failure(let error):
                rows.append(Row(id: packed, blob: blob, kind: kind, outcome: invalid, domain: error.message, agent: nil, model: nil))
            }
        }
        var out: [Row] = []
        out.reserveCapacity(rows.count)
        for row in rows.sorted(by: { $0.id < $1.id }) where out.last?.id != row.id { out.append(row) }
        try write(out, commit: commit, to: path(gitDirectory: pool.repository.gitDirectory))
    }

    /// Reads and validates memory files into rows sorted by id (one row per id).
    private static func readRows(_ files: [(blob: ObjectID, path: String)], pool: Pool) throws -> [Row] {
        let progress = WorkProgress.start("cataloguing", total: files.count)
        defer { progress.finish() }
        let paths = files.map(\.path)
        let rows = try pool.mapBlobs(files.map(\.blob), progress: progress) { i, bytes -> Row? in
            guard let (kind, id) = MemoryPath.parse(paths[i]), let packed = PackedID(hex: id.rawValue) else { return nil }
            guard let blob = PackedID(hex: files[i].blob.hex) else { return nil }
            do {
                let memory = try Pool.parseMemory(bytes.get(), path: paths[i])
                return Row(
                    id: packed, blob: blob, kind: kind, outcome: memory.outcome.code, domain: memory.domain, agent: memory.source.agent,
                    model: memory.source.model)
            } catch {
                return Row(id: packed, blob: blob, kind: kind, outcome: Self.invalid, domain: error.oneLine, agent: nil, model: nil)
            }
        }
        var out: [Row] = []
        out.reserveCapacity(rows.count)
        for row in rows.compactMap({ $0 }).sorted(by: { $0.id < $1.id }) where out.last?.id != row.id { out.append(row) }
        return out
    }

    /// Maps and checks the file at `path`.
    static func load(_ path: String) throws -> Catalog {
        let file = try MappedFile(path: path, populate: false)
        let bytes = file.bytes
        guard bytes.count >= headerSize, let base = bytes.baseAddress else { throw SidecarError("catalog \(path) is truncated") }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == magic, u32(8) == version else { throw SidecarError("\(path) is not a catalog") }
        guard SidecarChecksum.hash(UnsafeRawBufferPointer(start: base, count: 120)) == u64(120) else { throw SidecarError("catalog header checksum") }
        let count = u64(16)
        let stringBytes = u64(24)
        guard count <= UInt64(bytes.count), stringBytes <= UInt64(bytes.count) else { throw SidecarError("catalog size") }
        let layout = Layout(count: Int(count), stringBytes: Int(stringBytes))
        guard layout.length == bytes.count else { throw SidecarError("catalog size") }
        let body = UnsafeRawBufferPointer(start: base + headerSize, count: bytes.count - headerSize)
        guard SidecarChecksum.hash(body) == u64(112) else { throw SidecarError("catalog body checksum") }
        let commitBytes = UnsafeRawBufferPointer(start: base + 32, count: 40)
        guard commitBytes.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { throw SidecarError("catalog commit") }
        var strings: [String] = []
        var offset = layout.strings
        let stringCount = Int(u32(12))
        strings.reserveCapacity(min(stringCount, layout.stringBytes / 4))
        while strings.count < stringCount, offset + 4 <= bytes.count {
            let length = Int(u32(offset))
            offset += 4
            guard length <= bytes.count - offset else { throw SidecarError("catalog strings") }
            strings.append(String(decoding: UnsafeRawBufferPointer(start: base + offset, count: length), as: UTF8.self))
            offset += length
        }
        guard strings.count == stringCount, offset == bytes.count else { throw SidecarError("catalog strings") }
        return Catalog(file: file, base: base, layout: layout, commit: String(decoding: commitBytes, as: UTF8.self), strings: strings)
    }

    // MARK: Writing

    /// One row to write.
    struct Row: Sendable {
        var id: PackedID
        var blob: PackedID
        var kind: MemoryKind
        var outcome: UInt8
        var domain: String
        var agent: String?
        var model: String?
    }

    /// Row `row` of this catalog, as a row to write again.
    func row(_ row: Int, id: PackedID) -> Row {
        Row(
            id: id, blob: PackedID(base + layout.blobs + row * 20), kind: kind(at: row) ?? .trajectory, outcome: outcomeCode(at: row),
            domain: string(index(layout.domains, row)) ?? "", agent: agent(at: row), model: model(at: row))
    }

    /// Writes `rows` (sorted by id) to a temporary file beside `path` and renames it into place.
    static func write(_ rows: [Row], commit: String, to path: String) throws {
        var distinct = Set<String>()
        for row in rows {
            distinct.insert(row.domain)
            if let agent = row.agent { distinct.insert(agent) }
            if let model = row.model { distinct.insert(model) }
        }
        let strings = distinct.sorted()
        var position: [String: UInt32] = [:]
        for (i, string) in strings.enumerated() { position[string] = UInt32(i) }
        let stringBytes = strings.reduce(0) { $0 + 4 + $1.utf8.count }
        let layout = Layout(count: rows.count, stringBytes: stringBytes)
        var out = [UInt8](repeating: 0, count: layout.length)
        out.withUnsafeMutableBytes { raw in
            guard let p = raw.baseAddress else { return }
            func put32(_ value: UInt32, _ at: Int) { p.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt32.self) }
            func put64(_ value: UInt64, _ at: Int) { p.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self) }
            for (i, byte) in magic.enumerated() { p.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
            put32(version, 8)
            put32(UInt32(strings.count), 12)
            put64(UInt64(rows.count), 16)
            put64(UInt64(stringBytes), 24)
            for (i, byte) in commit.utf8.prefix(40).enumerated() { p.storeBytes(of: byte, toByteOffset: 32 + i, as: UInt8.self) }
            for (r, row) in rows.enumerated() {
                row.id.store(to: p + layout.ids + r * 20)
                row.blob.store(to: p + layout.blobs + r * 20)
                p.storeBytes(of: row.kind.code, toByteOffset: layout.kinds + r, as: UInt8.self)
                p.storeBytes(of: row.outcome, toByteOffset: layout.outcomes + r, as: UInt8.self)
                put32(position[row.domain] ?? none, layout.domains + r * 4)
                put32(row.agent.flatMap { position[$0] } ?? none, layout.agents + r * 4)
                put32(row.model.flatMap { position[$0] } ?? none, layout.models + r * 4)
            }
            var offset = layout.strings
            for string in strings {
                let utf8 = Array(string.utf8)
                put32(UInt32(utf8.count), offset)
                offset += 4
                for byte in utf8 {
                    p.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
                    offset += 1
                }
            }
            put64(SidecarChecksum.hash(UnsafeRawBufferPointer(start: p + headerSize, count: layout.length - headerSize)), 112)
            put64(SidecarChecksum.hash(UnsafeRawBufferPointer(start: p, count: 120)), 120)
        }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = Glibc.open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SidecarError.system("open", path: temporary, errno: errno) }
        defer { close(fd) }
        do {
            try out.withUnsafeBytes { raw in try Result { () throws(SidecarError) in try SidecarWriter.writeAll(fd, raw, at: 0, path: temporary) }.get() }
        } catch {
            unlink(temporary)
            throw error
        }
        // As the sidecar: exchanged with the old file (no forced flush), a plain rename otherwise.
        if mnem_exchange(temporary, path) == 0 {
            unlink(temporary)
        } else if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw SidecarError.system("rename", path: path, errno: code)
        }
    }
}

extension Catalog {
    /// Reads and validates the memories of `rows`, in that order (in parallel for many); one that
    /// does not validate after all (the catalog said it did) goes to `pool.onInvalidMemory` and
    /// is left out.
    public func memories(_ rows: [Int], pool: Pool) throws -> [Memory] {
        var blobs: [ObjectID] = []
        var paths: [String] = []
        for row in rows {
            guard let blob = blob(at: row), let path = path(at: row) else { throw PoolError("the catalog has an unreadable row \(row)") }
            blobs.append(blob)
            paths.append(path)
        }
        let names = paths
        let read = try pool.mapBlobs(blobs) { i, bytes -> Result<Memory, PoolError> in
            do {
                return .success(try Pool.parseMemory(bytes.get(), path: names[i]))
            } catch let error as PoolError {
                return .failure(error)
            } catch {
                return .failure(PoolError("\(names[i]): \(error.oneLine)"))
            }
        }
        var out: [Memory] = []
        out.reserveCapacity(read.count)
        for (i, result) in read.enumerated() {
            switch result {
            case .success(let memory): out.append(memory)
            case .failure(let error): pool.onInvalidMemory?(InvalidMemory(path: paths[i], reason: error.message, blob: blobs[i]))
            }
        }
        return out
    }
}
