#if canImport(Glibc)
import Glibc
#endif
import CMnemKernels
import MnemCore

/// One row to write: a memory's id, and where its columns and vector come from.
struct SidecarEntry {
    /// A memory embedded now (or made up by a benchmark).
    struct NewRow {
        /// The git blob of the memory's file.
        var blob: PackedID
        var kind: MemoryKind
        var outcome: Outcome
        var domain: String
        var model: String?
        var vector: NewVector
    }

    enum NewVector {
        /// A freshly embedded vector of `dimension` floats.
        case floats([Float])
        /// Stored element bytes made by the writer's `generate` closure (benchmarks).
        case generated
    }

    enum Source {
        case new(NewRow)
        /// A row of one of the files the writer copies from (`segment` indexes its `previous`):
        /// its columns and vector bytes are copied, not re-embedded.
        case copied(segment: Int, row: Int)
    }

    var id: PackedID
    var source: Source

    init(id: PackedID, source: Source) {
        self.id = id
        self.source = source
    }

    init(id: PackedID, blob: PackedID, kind: MemoryKind, outcome: Outcome, domain: String, model: String?, vector: NewVector) {
        self.init(id: id, source: .new(NewRow(blob: blob, kind: kind, outcome: outcome, domain: domain, model: model, vector: vector)))
    }
}

/// Writes a complete sidecar to a temporary file in the same directory and renames it into place.
///
/// The file is written front to back through one buffer, a section at a time, with both
/// checksums computed on the bytes as they pass: no page of the new file is faulted, zeroed or
/// read back, which is what an index update of 1,000 memories into 100,000 mostly paid for
/// when the file was built in a writable mapping. Rows copied from the previous sidecar keep
/// their columns' bytes; only their string indexes are translated to the new string table.
enum SidecarWriter {
    /// Writes `entries` (sorted by id, no duplicates) as the sidecar at `path`.
    ///
    /// Readers keep the old file's mapping until they close it, since `rename` replaces the name only.
    /// - Parameters:
    ///   - previous: the files the `.copied` entries refer to, by position.
    ///   - removedRows: for a delta, the rows of its base it removes (ascending); empty for a base.
    ///   - baseLink: for a delta, its base's header checksum; 0 for a base.
    /// - Returns: the new file's header checksum (what a delta of it names as its base).
    /// - Throws: `SidecarError` when the file cannot be created, written or renamed, or an entry
    ///   names a row a previous file does not have.
    /// - Complexity: O(count × stride).
    @discardableResult
    static func write(
        entries: [SidecarEntry], commit: String, embedderID: String, dimension: Int, elementType: VectorElementType,
        previous: [Sidecar], removedRows: [UInt32] = [], baseLink: UInt64 = 0, to path: String,
        generate: ((Int, UnsafeMutableRawPointer) -> Void)? = nil
    ) throws(SidecarError) -> UInt64 {
        guard embedderID.utf8.count <= SidecarLayout.maxEmbedderIDBytes else {
            throw SidecarError("embedder id '\(embedderID)' is longer than \(SidecarLayout.maxEmbedderIDBytes) bytes")
        }
        let table = try StringTable(entries, previous: previous)
        let stride = SidecarLayout.stride(dimension: dimension, elementType: elementType)
        var layout = SidecarLayout(count: entries.count, stride: stride, stringBytes: table.byteCount)
        layout.removedCount = removedRows.count

        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = Glibc.open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SidecarError.system("open", path: temporary, errno: errno) }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        let out = SectionWriter(fd: fd, path: temporary, start: layout.idsOffset)
        defer { out.deallocate() }

        // Each row as where it comes from: a fresh row (segment -1, index into `fresh`) or a row
        // of a previous file, so the passes below copy no entry (an entry with Strings costs a
        // retain and release per copy).
        var sources: [RowSource] = []
        sources.reserveCapacity(entries.count)
        var fresh: [SidecarEntry.NewRow] = []
        for entry in entries {
            switch entry.source {
            case .new(let row):
                sources.append(RowSource(segment: -1, row: fresh.count))
                fresh.append(row)
            case .copied(let segment, let row):
                guard segment >= 0, segment < previous.count, row >= 0, row < previous[segment].count else {
                    throw SidecarError("an index update referred to row \(row) of a previous file that does not have it")
                }
                sources.append(RowSource(segment: segment, row: row))
            }
        }

        // Metadata: ids, blobs, kinds, outcomes, domains, models, strings, removed rows, each padded to its offset.
        for entry in entries { entry.id.store(to: try out.reserve(SidecarLayout.idSize)) }
        for source in sources {
            let blob = source.segment < 0 ? fresh[source.row].blob : previous[source.segment].packedBlob(at: source.row)
            blob.store(to: try out.reserve(SidecarLayout.idSize))
        }
        for source in sources { try out.put(source.segment < 0 ? fresh[source.row].kind.code : previous[source.segment].kindCode(at: source.row)) }
        for source in sources {
            try out.put(source.segment < 0 ? fresh[source.row].outcome.code : previous[source.segment].outcomeCode(at: source.row))
        }
        try out.pad(to: layout.domainsOffset)
        for source in sources {
            try out.put(
                source.segment < 0
                    ? table.index(of: fresh[source.row].domain)
                    : table.translate(previous[source.segment].domainIndex(at: source.row), from: source.segment))
        }
        for source in sources {
            let model = source.segment < 0
                ? fresh[source.row].model.map { table.index(of: $0) } ?? SidecarLayout.noString
                : table.translate(previous[source.segment].modelIndex(at: source.row), from: source.segment)
            try out.put(model)
        }
        try out.pad(to: layout.stringsOffset)
        for string in table.strings {
            let utf8 = Array(string.utf8)
            try out.put(UInt32(utf8.count))
            try utf8.withUnsafeBytes { raw in Result { () throws(SidecarError) in try out.put(raw) } }.get()
        }
        try out.pad(to: layout.removedOffset)
        try out.put(UInt64(removedRows.count))
        for row in removedRows { try out.put(row) }
        try out.pad(to: layout.vectorsOffset)
        let metadataChecksum = try out.endSection()

        // Vectors, each zero-padded to the stride.
        for (row, source) in sources.enumerated() {
            let destination = try out.reserve(stride)
            if source.segment < 0 {
                destination.initializeMemory(as: UInt8.self, repeating: 0, count: stride)
                switch fresh[source.row].vector {
                case .floats(let values): store(values, dimension: dimension, elementType: elementType, to: destination)
                case .generated: generate?(row, destination)
                }
            } else if previous[source.segment].elementType == elementType && previous[source.segment].stride == stride {
                destination.copyMemory(from: previous[source.segment].vectorBytes(at: source.row), byteCount: stride)
            } else {
                destination.initializeMemory(as: UInt8.self, repeating: 0, count: stride)
                store(previous[source.segment].vector(at: source.row), dimension: dimension, elementType: elementType, to: destination)
            }
        }
        let vectorsChecksum = try out.endSection()

        var header = [UInt8](repeating: 0, count: SidecarLayout.headerSize)
        let headerChecksum = header.withUnsafeMutableBytes { raw -> UInt64 in
            guard let base = raw.baseAddress else { return 0 }
            return writeHeader(
                to: base, layout: layout, commit: commit, embedderID: embedderID, dimension: dimension, elementType: elementType,
                stringCount: table.strings.count, metadataChecksum: metadataChecksum, vectorsChecksum: vectorsChecksum, baseLink: baseLink)
        }
        try header.withUnsafeBytes { raw in Result { () throws(SidecarError) in try writeAll(fd, raw, at: 0, path: temporary) } }.get()

        // Exchanged with the old file, then the old one removed; a plain rename where there is
        // none or the file system cannot exchange (see mnem_exchange).
        if mnem_exchange(temporary, path) == 0 {
            unlink(temporary)
        } else {
            guard rename(temporary, path) == 0 else { throw SidecarError.system("rename", path: path, errno: errno) }
        }
        renamed = true
        // Both checksums were computed as the file was written: record that, so the next open need not.
        if let identity = FileIdentity.current(path) {
            VerificationStamp(path: path).record(identity, checksum: vectorsChecksum)
        }
        return headerChecksum
    }

    /// Where one row of a new file comes from: `fresh[row]` when `segment` is -1, else row `row`
    /// of `previous[segment]`.
    private struct RowSource {
        var segment: Int
        var row: Int
    }

    private static func writeHeader(
        to out: UnsafeMutableRawPointer, layout: SidecarLayout, commit: String, embedderID: String, dimension: Int,
        elementType: VectorElementType, stringCount: Int, metadataChecksum: UInt64, vectorsChecksum: UInt64, baseLink: UInt64
    ) -> UInt64 {
        typealias F = SidecarLayout.Field
        func put32(_ value: UInt32, _ at: Int) { out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt32.self) }
        func put64(_ value: UInt64, _ at: Int) { out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self) }
        func put64(_ value: Int, _ at: Int) { put64(UInt64(value), at) }
        for (i, byte) in SidecarLayout.magic.enumerated() { out.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        put32(SidecarLayout.version, F.version)
        put32(elementType.rawValue, F.elementType)
        put32(UInt32(dimension), F.dimension)
        put32(UInt32(layout.stride), F.stride)
        put64(layout.count, F.count)
        put64(layout.stringBytes, F.stringBytes)
        put64(layout.idsOffset, F.idsOffset)
        put64(layout.kindsOffset, F.columnsOffset)
        put64(layout.stringsOffset, F.stringsOffset)
        put64(layout.vectorsOffset, F.vectorsOffset)
        put64(layout.fileLength, F.fileLength)
        let commitBytes = Array(commit.utf8)
        for i in 0..<40 { out.storeBytes(of: i < commitBytes.count ? commitBytes[i] : 0x30, toByteOffset: F.commit + i, as: UInt8.self) }
        let idBytes = Array(embedderID.utf8)
        put32(UInt32(idBytes.count), F.embedderIDLength)
        put32(UInt32(stringCount), F.stringCount)
        for (i, byte) in idBytes.enumerated() { out.storeBytes(of: byte, toByteOffset: F.embedderID + i, as: UInt8.self) }
        put64(metadataChecksum, F.metadataChecksum)
        put64(vectorsChecksum, F.vectorsChecksum)
        put64(baseLink, F.base)
        let checksum = SidecarChecksum.hash(UnsafeRawBufferPointer(start: UnsafeRawPointer(out), count: F.headerChecksum))
        put64(checksum, F.headerChecksum)
        return checksum
    }

    /// `pwrite` until every byte is written (a short write is retried, EINTR too).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int, path: String) throws(SidecarError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw SidecarError.system("write", path: path, errno: n < 0 ? errno : EIO) }
            done += n
        }
    }

    /// Stores a vector L2-normalized, in the element type, zero-padded to the stride.
    ///
    /// float16 values below 2⁻¹⁴ in magnitude (fp16 subnormals) are stored as 0: the scan's
    /// conversion would turn them into float32 subnormals, which cost a microcode assist each on
    /// x86 and change a cosine by less than 10⁻⁴. Non-finite values are stored as 0.
    static func store(_ values: [Float], dimension: Int, elementType: VectorElementType, to destination: UnsafeMutableRawPointer) {
        var norm: Float = 0
        for x in values.prefix(dimension) where x.isFinite { norm += x * x }
        let scale: Float = norm > 0 && norm.isFinite ? 1 / norm.squareRoot() : 0
        for i in 0..<min(dimension, values.count) {
            let x = values[i].isFinite ? values[i] * scale : 0
            switch elementType {
            case .float16:
                destination.storeBytes(of: halfBits(x).littleEndian, toByteOffset: i * 2, as: UInt16.self)
            case .float32:
                destination.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
    }

    static func halfBits(_ x: Float) -> UInt16 {
        guard x.magnitude >= 0x1p-14 else { return 0 }
        return Float16(max(-65504, min(65504, x))).bitPattern
    }
}

/// The string table of a new sidecar: the distinct domains and models of its rows, sorted, so
/// equal content gives equal bytes. Copied rows bring their strings by index: only the previous
/// tables' strings some kept row still uses are taken, and their indexes translated.
struct StringTable {
    let strings: [String]
    let byteCount: Int
    private let indexOfNew: [String: UInt32]
    /// Per previous file: its index → the new index (`noString` for an index its table does not have).
    private let translations: [[UInt32]]

    init(_ entries: [SidecarEntry], previous: [Sidecar]) throws(SidecarError) {
        let old = previous.map(\.strings)
        var used = old.map { [Bool](repeating: false, count: $0.count) }
        var fresh = Set<String>()
        for entry in entries {
            switch entry.source {
            case .new(let row):
                fresh.insert(row.domain)
                if let model = row.model { fresh.insert(model) }
            case .copied(let segment, let r):
                guard segment >= 0, segment < previous.count, r >= 0, r < previous[segment].count else { continue }
                let domain = Int(previous[segment].domainIndex(at: r))
                let model = Int(previous[segment].modelIndex(at: r))
                if domain < used[segment].count { used[segment][domain] = true }
                if model < used[segment].count { used[segment][model] = true }
            }
        }
        var all = fresh
        for (segment, strings) in old.enumerated() {
            for (i, string) in strings.enumerated() where used[segment][i] { all.insert(string) }
        }
        strings = all.sorted()
        var position: [String: UInt32] = [:]
        for (i, string) in strings.enumerated() { position[string] = UInt32(i) }
        indexOfNew = position
        translations = old.enumerated().map { segment, strings in
            strings.enumerated().map { i, string in used[segment][i] ? position[string] ?? SidecarLayout.noString : SidecarLayout.noString }
        }
        byteCount = strings.reduce(0) { $0 + 4 + $1.utf8.count }
    }

    func index(of string: String) -> UInt32 { indexOfNew[string] ?? SidecarLayout.noString }

    /// The new index of string `previousIndex` of previous file `segment`.
    func translate(_ previousIndex: UInt32, from segment: Int) -> UInt32 {
        let table = translations[segment]
        return Int(previousIndex) < table.count ? table[Int(previousIndex)] : SidecarLayout.noString
    }
}

/// Sequential writes through a 1 MB buffer, checksummed section by section as they are flushed.
final class SectionWriter {
    static let capacity = 1 << 20
    private let fd: Int32
    private let path: String
    private let buffer = UnsafeMutableRawPointer.allocate(byteCount: SectionWriter.capacity, alignment: 64)
    private var used = 0
    /// The file offset of the buffer's first byte.
    private var offset: Int
    private var checksum = SidecarChecksum.Stream()

    init(fd: Int32, path: String, start: Int) {
        self.fd = fd
        self.path = path
        self.offset = start
    }

    func deallocate() { buffer.deallocate() }

    /// The file offset the next byte goes to.
    var position: Int { offset + used }

    /// Room for `count` bytes (at most the capacity), to be filled by the caller.
    func reserve(_ count: Int) throws(SidecarError) -> UnsafeMutableRawPointer {
        if used + count > Self.capacity { try flush() }
        let at = buffer + used
        used += count
        return at
    }

    func put(_ byte: UInt8) throws(SidecarError) { try reserve(1).storeBytes(of: byte, as: UInt8.self) }
    func put(_ value: UInt32) throws(SidecarError) { try reserve(4).storeBytes(of: value.littleEndian, as: UInt32.self) }
    func put(_ value: UInt64) throws(SidecarError) { try reserve(8).storeBytes(of: value.littleEndian, as: UInt64.self) }

    /// Any number of bytes, a buffer's worth at a time.
    func put(_ bytes: UnsafeRawBufferPointer) throws(SidecarError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            if used == Self.capacity { try flush() }
            let n = min(bytes.count - done, Self.capacity - used)
            try reserve(n).copyMemory(from: base + done, byteCount: n)
            done += n
        }
    }

    /// Zeros up to the file offset `target`.
    func pad(to target: Int) throws(SidecarError) {
        while position < target {
            let n = min(target - position, Self.capacity - used)
            if n == 0 { try flush(); continue }
            try reserve(n).initializeMemory(as: UInt8.self, repeating: 0, count: n)
        }
    }

    /// Flushes and returns the checksum of everything written since the last section ended.
    func endSection() throws(SidecarError) -> UInt64 {
        try flush()
        let value = checksum.finish()
        checksum = SidecarChecksum.Stream()
        return value
    }

    private func flush() throws(SidecarError) {
        guard used > 0 else { return }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: used)
        checksum.update(bytes)
        try SidecarWriter.writeAll(fd, bytes, at: offset, path: path)
        offset += used
        used = 0
    }
}
