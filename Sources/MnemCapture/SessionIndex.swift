import Foundation
import MnemCore
import MnemGit

/// Which trajectories at a commit belong to which session, so capture finds the earlier captures
/// of a session without reading the pool.
///
/// Derived data, like the vector sidecar: one file in the pool's git directory, beside the
/// sidecar's `mnem/` (`mnem-sessions.idx`, never committed), that names the commit it reflects.
/// It is brought up to date from the tree diff since that commit (reading only the trajectories
/// added since), and rebuilt from the tree when it is missing, when its commit is gone, or when
/// it fails any check (size, magic, checksum, order) — never trusted blindly.
///
/// Layout (little-endian): `MNEMSIX1`, the entry count (UInt64), the commit (40 hex digits,
/// zeros for an empty pool), a 64-bit checksum of the header before it and of the entries
/// (`checksum`) and 24 zero bytes, then the entries sorted: 12 bytes of SHA-256 of the session
/// key (`SessionIdentity.key`), then the memory id's 20 bytes. A collision of the key's bytes
/// costs one extra read: capture reads the memories the index names and checks their key.
public final class SessionIndex {
    public struct Entry: Hashable, Comparable, Sendable {
        /// The first 12 bytes of SHA-256 of the session key.
        var key: (UInt64, UInt32)
        /// The memory id, 20 bytes.
        var id: (UInt64, UInt64, UInt32)

        public static func == (a: Entry, b: Entry) -> Bool { a.key == b.key && a.id == b.id }
        public func hash(into hasher: inout Hasher) {
            hasher.combine(key.0)
            hasher.combine(key.1)
            hasher.combine(id.0)
            hasher.combine(id.1)
            hasher.combine(id.2)
        }
        public static func < (a: Entry, b: Entry) -> Bool {
            if a.key != b.key { return a.key < b.key }
            return a.id < b.id
        }
        public var memoryID: MemoryID? { MemoryID(SessionIndex.hex(id)) }
    }

    /// What opening the index did, for a log line.
    public enum Action: Equatable, Sendable {
        case upToDate
        case updated(added: Int, removed: Int)
        case rebuilt(reason: String)
    }

    public let pool: Pool
    /// `<git dir>/mnem-sessions.idx` (never committed).
    public let path: String

    static let magic: [UInt8] = Array("MNEMSIX1".utf8)
    static let headerSize = 8 + 8 + 40 + 32
    static let entrySize = 32
    static let noCommit = String(repeating: "0", count: 40)

    public init(pool: Pool) {
        self.pool = pool
        let directory = pool.repository.gitDirectory.hasSuffix("/") ? pool.repository.gitDirectory : pool.repository.gitDirectory + "/"
        path = directory + "mnem-sessions.idx"
    }

    // MARK: - Reading

    /// The entries at the pool's tip, bringing the file up to date first.
    /// - Returns: the commit they reflect, the sorted entries, and what was done.
    public func current() throws -> (commit: ObjectID?, entries: [Entry], action: Action) {
        let tip = try pool.tip()
        switch load() {
        case .trusted(let commit, let entries):
            if commit == tip { return (tip, entries, .upToDate) }
            if let commit, (try? pool.repository.commit(commit)) == nil {
                return try rebuild(at: tip, reason: "its commit \(commit.hex.prefix(10)) is not in the pool")
            }
            let (updated, added, removed) = try applyDiff(entries, from: commit, to: tip, known: [:])
            try write(updated, commit: tip)
            return (tip, updated, .updated(added: added, removed: removed))
        case .untrusted(let problem):
            return try rebuild(at: tip, reason: problem)
        }
    }

    /// The ids of the trajectories whose session key is one of `keys`, in `entries`.
    /// - Complexity: O(k log n) for k keys.
    public static func ids(for keys: Set<String>, in entries: [Entry]) -> [String: [MemoryID]] {
        var out: [String: [MemoryID]] = [:]
        for key in keys {
            let hash = keyHash(key)
            var low = 0
            var high = entries.count
            while low < high {
                let mid = (low + high) / 2
                if entries[mid].key < hash { low = mid + 1 } else { high = mid }
            }
            while low < entries.count, entries[low].key == hash {
                if let id = entries[low].memoryID { out[key, default: []].append(id) }
                low += 1
            }
        }
        return out
    }

    /// What reading the file gave: its commit and entries, or why it cannot be trusted.
    enum Loaded {
        case trusted(ObjectID?, [Entry])
        case untrusted(String)
    }

    /// The file's commit and entries, or why it cannot be trusted.
    func load() -> Loaded {
        guard FileManager.default.fileExists(atPath: path) else { return .untrusted("missing") }
        guard let data = FileManager.default.contents(atPath: path) else { return .untrusted("unreadable") }
        return data.withUnsafeBytes { raw -> Loaded in
            guard raw.count >= Self.headerSize, raw.prefix(8).elementsEqual(Self.magic) else { return .untrusted("not a session index") }
            let count = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian
            guard count <= UInt64(raw.count), raw.count == Self.headerSize + Int(count) * Self.entrySize else {
                return .untrusted("its size does not match its count")
            }
            let stored = raw.loadUnaligned(fromByteOffset: 56, as: UInt64.self).littleEndian
            guard Self.checksum(raw) == stored, raw[64..<88].allSatisfy({ $0 == 0 }) else { return .untrusted("its checksum does not match") }
            let hex = String(decoding: raw[16..<56], as: UTF8.self)
            let commit: ObjectID?
            if hex == Self.noCommit {
                commit = nil
            } else {
                guard let parsed = ObjectID(hex: hex) else { return .untrusted("its commit is not a commit id") }
                commit = parsed
            }
            var entries: [Entry] = []
            entries.reserveCapacity(Int(count))
            var offset = Self.headerSize
            for _ in 0..<Int(count) {
                entries.append(Entry(
                    key: (raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self), raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)),
                    id: (raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt64.self), raw.loadUnaligned(fromByteOffset: offset + 20, as: UInt64.self),
                         raw.loadUnaligned(fromByteOffset: offset + 28, as: UInt32.self))))
                offset += Self.entrySize
            }
            for i in entries.indices.dropFirst() where !(entries[i - 1] < entries[i]) { return .untrusted("its entries are out of order") }
            return .trusted(commit, entries)
        }
    }

    // MARK: - Building

    /// Every trajectory at `tip` read again (each blob scanned for its agent and session, not parsed whole).
    func rebuild(at tip: ObjectID?, reason: String) throws -> (commit: ObjectID?, entries: [Entry], action: Action) {
        var entries: [Entry] = []
        if let tip {
            let tree = try pool.repository.commit(tip).tree
            let files = try pool.entries(kinds: [.trajectory], tree: tree)
            // Inflating the blobs is most of the work: in chunks, one repository handle per chunk
            // (libgit2 handles are not shared across threads).
            let gitDirectory = pool.repository.gitDirectory
            let chunkCount = files.count < 512 ? 1 : ProcessInfo.processInfo.activeProcessorCount * 2
            let chunks = (0..<chunkCount).map { n in Array(files[(n * files.count / chunkCount)..<((n + 1) * files.count / chunkCount)]) }
            entries = try chunks.parallelMap(minimumCount: 2) { chunk -> [Entry] in
                let repository = try Repository.open(at: gitDirectory)
                return try chunk.compactMap { try Self.entry(id: $0.id, blob: $0.blob, repository: repository) }
            }.flatMap { $0 }
            entries.sort()
        }
        try write(entries, commit: tip)
        return (tip, entries, .rebuilt(reason: reason))
    }

    /// `entries` (at `old`) brought to `new` by the tree diff between them: the trajectories
    /// removed since are dropped, those added are read (or taken from `known`) and inserted.
    func applyDiff(_ entries: [Entry], from old: ObjectID?, to new: ObjectID?, known: [MemoryID: Memory]) throws -> ([Entry], Int, Int) {
        let repository = pool.repository
        let oldTree = try old.map { (c) throws(GitError) in try repository.commit(c).tree }
        let newTree = try new.map { (c) throws(GitError) in try repository.commit(c).tree }
        var removed = Set<MemoryID>()
        var added: [Entry] = []
        let deltas = try repository.changedFiles(oldTree, newTree, workers: min(4, ProcessInfo.processInfo.activeProcessorCount))
        for delta in deltas {
            guard let (kind, id) = MemoryPath.parse(delta.path), kind == .trajectory else { continue }
            if delta.status != .added { removed.insert(id) }
            guard delta.status != .deleted, delta.newMode == .blob || delta.newMode == .executable else { continue }
            if let memory = known[id] {
                if let key = SessionIdentity.key(memory) { added.append(Entry(key: Self.keyHash(key), id: Self.pack(id))) }
            } else if let entry = try Self.entry(id: id, blob: delta.newID, repository: repository) {
                added.append(entry)
            }
        }
        guard !removed.isEmpty || !added.isEmpty else { return (entries, 0, 0) }
        let removedPacked = Set(removed.map { Self.packKey(Self.pack($0)) })
        added.sort()
        // Both sides sorted: one merge, dropping the removed and the duplicates (a file re-added
        // under the same id appears once). O(n + k log k), not a sort of the whole index.
        var out: [Entry] = []
        out.reserveCapacity(entries.count + added.count)
        var j = 0
        var dropped = 0
        func push(_ entry: Entry) { if out.last != entry { out.append(entry) } }
        for entry in entries {
            if !removedPacked.isEmpty, removedPacked.contains(Self.packKey(entry.id)) {
                dropped += 1
                continue
            }
            while j < added.count, added[j] < entry {
                push(added[j])
                j += 1
            }
            push(entry)
        }
        while j < added.count {
            push(added[j])
            j += 1
        }
        return (out, added.count, dropped)
    }

    /// Moves the index from `base` (what `current()` returned) to `commit`, a commit this process
    /// just made on top of it with `memories`: nothing is read back. When another writer moved
    /// the branch in between, the diff covers its work too.
    public func advance(from base: (commit: ObjectID?, entries: [Entry]), to commit: ObjectID, adding memories: [Memory]) throws {
        let known = Dictionary(memories.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let (entries, _, _) = try applyDiff(base.entries, from: base.commit, to: commit, known: known)
        try write(entries, commit: commit)
    }

    /// The entry of one trajectory blob, or nil when it names no session.
    static func entry(id: MemoryID, blob: ObjectID, repository: Repository) throws -> Entry? {
        let bytes = try repository.readBlob(blob)
        guard let key = sessionKey(canonicalJSON: bytes) else { return nil }
        return Entry(key: keyHash(key), id: pack(id))
    }

    /// The session key of a memory file, read from its `"agent"` and `"sessionId"` members
    /// without parsing the rest: in a memory's canonical JSON those keys occur only in `source`
    /// (a quote inside any string value is escaped), so the first occurrence of each is it.
    static func sessionKey(canonicalJSON bytes: [UInt8]) -> String? {
        func member(_ name: String) -> String? {
            let pattern = Array("\"\(name)\": \"".utf8)
            return bytes.withUnsafeBufferPointer { b -> String? in
                guard let at = pattern.withUnsafeBufferPointer({ ByteSearch.find($0, in: b) }) else { return nil }
                let start = at + pattern.count - 1  // the opening quote
                var i = start + 1
                while i < b.count {
                    if b[i] == UInt8(ascii: "\\") { i += 2; continue }
                    if b[i] == UInt8(ascii: "\"") { break }
                    i += 1
                }
                guard i < b.count, let value = try? JSONParser.parse(UnsafeBufferPointer(rebasing: b[start...i])) else { return nil }
                return value.stringValue
            }
        }
        guard let agent = member("agent"), let session = member("sessionId"), !SessionIdentity.isPlaceholder(session) else { return nil }
        return "\(agent)\u{0}\(session)"
    }

    // MARK: - Writing

    /// Writes the index to a temporary file and renames it into place: a reader sees the old or the new file whole.
    func write(_ entries: [Entry], commit: ObjectID?) throws {
        var bytes = [UInt8](repeating: 0, count: Self.headerSize + entries.count * Self.entrySize)
        bytes.withUnsafeMutableBytes { raw in
            for (i, b) in Self.magic.enumerated() { raw[i] = b }
            raw.storeBytes(of: UInt64(entries.count).littleEndian, toByteOffset: 8, as: UInt64.self)
            for (i, b) in (commit?.hex ?? Self.noCommit).utf8.enumerated() where i < 40 { raw[16 + i] = b }
            var offset = Self.headerSize
            for entry in entries {
                raw.storeBytes(of: entry.key.0, toByteOffset: offset, as: UInt64.self)
                raw.storeBytes(of: entry.key.1, toByteOffset: offset + 8, as: UInt32.self)
                raw.storeBytes(of: entry.id.0, toByteOffset: offset + 12, as: UInt64.self)
                raw.storeBytes(of: entry.id.1, toByteOffset: offset + 20, as: UInt64.self)
                raw.storeBytes(of: entry.id.2, toByteOffset: offset + 28, as: UInt32.self)
                offset += Self.entrySize
            }
            raw.storeBytes(of: Self.checksum(UnsafeRawBufferPointer(raw)).littleEndian, toByteOffset: 56, as: UInt64.self)
        }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = directory + "/mnem-sessions.idx.tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw PoolError("cannot write the session index at \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return "nothing to write" }
            while written < raw.count {
                let n = Foundation.write(fd, base + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return nil
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw PoolError("cannot write the session index at \(temporary): \(failure)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PoolError("cannot move the session index into place at \(path): \(reason)")
        }
    }

    /// A checksum of the header before it (bytes 0..<56) and of the entries: a 64-bit hash in
    /// four lanes, fast enough that checking a 100,000-entry index costs less than reading it.
    /// It finds damage (a flipped bit, a cut file); the directory it lives in is trusted as much
    /// as the pool's own objects.
    static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let prime: UInt64 = 0x9E37_79B9_7F4A_7C15
        var lanes: (UInt64, UInt64, UInt64, UInt64) = (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344, 0xA409_3822_299F_31D0, 0x082E_FA98_EC4E_6C89)
        func mix(_ h: UInt64, _ w: UInt64) -> UInt64 {
            let x = (h ^ w) &* prime
            return x ^ (x >> 29)
        }
        func fold(_ range: Range<Int>) {
            var i = range.lowerBound
            while i + 32 <= range.upperBound {
                lanes.0 = mix(lanes.0, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                lanes.1 = mix(lanes.1, raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                lanes.2 = mix(lanes.2, raw.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))
                lanes.3 = mix(lanes.3, raw.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))
                i += 32
            }
            while i < range.upperBound {
                lanes.0 = mix(lanes.0, UInt64(raw[i]) | UInt64(i) << 8)
                i += 1
            }
        }
        fold(0..<56)
        fold(headerSize..<raw.count)
        return mix(mix(mix(mix(UInt64(raw.count), lanes.0), lanes.1), lanes.2), lanes.3)
    }

    // MARK: - Packing

    static func keyHash(_ key: String) -> (UInt64, UInt32) {
        var hasher = SHA256()
        hasher.update(Array(key.utf8))
        let digest = hasher.finalize()
        return digest.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
    }

    static func pack(_ id: MemoryID) -> (UInt64, UInt64, UInt32) {
        var bytes = [UInt8](repeating: 0, count: 20)
        var i = 0
        for (n, c) in id.rawValue.utf8.enumerated() where n < 40 {
            let v = c <= 0x39 ? c &- 0x30 : (c | 0x20) &- 0x61 &+ 10
            if n % 2 == 0 { bytes[i] = v << 4 } else { bytes[i] |= v; i += 1 }
        }
        return bytes.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
    }

    static func hex(_ id: (UInt64, UInt64, UInt32)) -> String {
        var value = id
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(40)
        withUnsafeBytes(of: &value) { raw in
            for byte in raw.prefix(20) {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A hashable form of a packed id.
    struct PackedKey: Hashable {
        var a: UInt64
        var b: UInt64
        var c: UInt32
    }

    static func packKey(_ id: (UInt64, UInt64, UInt32)) -> PackedKey { PackedKey(a: id.0, b: id.1, c: id.2) }
}

