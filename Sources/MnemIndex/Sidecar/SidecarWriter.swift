#if canImport(Glibc)
import Glibc
#endif
import MnemCore

/// One row to write: a memory's id, its filter columns and where its vector comes from.
struct SidecarEntry {
    enum Vector {
        /// A freshly embedded vector of `dimension` floats.
        case floats([Float])
        /// Row `n` of the sidecar being replaced: its bytes are copied, not re-embedded.
        case previousRow(Int)
        /// Stored element bytes made by the writer's `generate` closure (benchmarks).
        case generated
    }

    var id: PackedID
    /// The git blob of the memory's file.
    var blob: PackedID
    var kind: MemoryKind
    var outcome: Outcome
    var domain: String
    var model: String?
    var vector: Vector
}

/// Writes a complete sidecar to a temporary file in the same directory and renames it into place.
enum SidecarWriter {
    /// Writes `entries` (sorted by id, no duplicates) as the sidecar at `path`.
    ///
    /// The file is built in a mapped temporary file, so a 1M-row sidecar never sits twice in memory;
    /// readers keep the old file's mapping until they close it, since `rename` replaces the name only.
    /// - Parameters:
    ///   - previous: the sidecar the `.previousRow` entries refer to.
    /// - Throws: `SidecarError` when the file cannot be created, sized, mapped or renamed.
    /// - Complexity: O(count × stride).
    static func write(
        entries: [SidecarEntry], commit: String, embedderID: String, dimension: Int, elementType: VectorElementType,
        previous: Sidecar?, to path: String, generate: ((Int, UnsafeMutableRawPointer) -> Void)? = nil
    ) throws(SidecarError) {
        guard embedderID.utf8.count <= SidecarLayout.maxEmbedderIDBytes else {
            throw SidecarError("embedder id '\(embedderID)' is longer than \(SidecarLayout.maxEmbedderIDBytes) bytes")
        }
        // The string table: distinct domains and models, sorted, so equal content gives equal bytes.
        let strings = Array(Set(entries.map(\.domain) + entries.compactMap(\.model))).sorted()
        var stringIndex: [String: UInt32] = [:]
        for (i, s) in strings.enumerated() { stringIndex[s] = UInt32(i) }
        let stringBytes = strings.reduce(0) { $0 + 4 + $1.utf8.count }
        let stride = SidecarLayout.stride(dimension: dimension, elementType: elementType)
        let layout = SidecarLayout(count: entries.count, stride: stride, stringBytes: stringBytes)

        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = Glibc.open(temporary, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SidecarError.system("open", path: temporary, errno: errno) }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        guard ftruncate(fd, off_t(layout.fileLength)) == 0 else { throw SidecarError.system("ftruncate", path: temporary, errno: errno) }
        let mapped = mmap(nil, layout.fileLength, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw SidecarError.system("mmap", path: temporary, errno: errno) }
        defer { munmap(mapped, layout.fileLength) }
        let out = mapped

        for (row, entry) in entries.enumerated() {
            entry.id.store(to: out + layout.idsOffset + row * SidecarLayout.idSize)
            entry.blob.store(to: out + layout.blobsOffset + row * SidecarLayout.idSize)
            out.storeBytes(of: entry.kind.code, toByteOffset: layout.kindsOffset + row, as: UInt8.self)
            out.storeBytes(of: entry.outcome.code, toByteOffset: layout.outcomesOffset + row, as: UInt8.self)
            let domain = stringIndex[entry.domain] ?? SidecarLayout.noString
            let model = entry.model.flatMap { stringIndex[$0] } ?? SidecarLayout.noString
            out.storeBytes(of: domain.littleEndian, toByteOffset: layout.domainsOffset + row * 4, as: UInt32.self)
            out.storeBytes(of: model.littleEndian, toByteOffset: layout.modelsOffset + row * 4, as: UInt32.self)
            let destination = out + layout.vectorsOffset + row * stride
            switch entry.vector {
            case .floats(let values):
                store(values, dimension: dimension, elementType: elementType, to: destination)
            case .generated:
                generate?(row, destination)
            case .previousRow(let previousRow):
                guard let previous, previousRow < previous.count else { continue }
                if previous.elementType == elementType && previous.stride == stride {
                    destination.copyMemory(from: previous.vectorBytes(at: previousRow), byteCount: stride)
                } else {
                    store(previous.vector(at: previousRow), dimension: dimension, elementType: elementType, to: destination)
                }
            }
        }
        var offset = layout.stringsOffset
        for s in strings {
            let utf8 = Array(s.utf8)
            out.storeBytes(of: UInt32(utf8.count).littleEndian, toByteOffset: offset, as: UInt32.self)
            utf8.withUnsafeBytes { (out + offset + 4).copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(out), byteCount: $0.count) }
            offset += 4 + utf8.count
        }

        typealias F = SidecarLayout.Field
        func put32(_ value: UInt32, _ at: Int) { out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt32.self) }
        func put64(_ value: UInt64, _ at: Int) { out.storeBytes(of: value.littleEndian, toByteOffset: at, as: UInt64.self) }
        func put64(_ value: Int, _ at: Int) { put64(UInt64(value), at) }
        for (i, byte) in SidecarLayout.magic.enumerated() { out.storeBytes(of: byte, toByteOffset: i, as: UInt8.self) }
        put32(SidecarLayout.version, F.version)
        put32(elementType.rawValue, F.elementType)
        put32(UInt32(dimension), F.dimension)
        put32(UInt32(stride), F.stride)
        put64(layout.count, F.count)
        put64(stringBytes, F.stringBytes)
        put64(layout.idsOffset, F.idsOffset)
        put64(layout.kindsOffset, F.columnsOffset)
        put64(layout.stringsOffset, F.stringsOffset)
        put64(layout.vectorsOffset, F.vectorsOffset)
        put64(layout.fileLength, F.fileLength)
        let commitBytes = Array(commit.utf8)
        for i in 0..<40 { out.storeBytes(of: i < commitBytes.count ? commitBytes[i] : 0x30, toByteOffset: F.commit + i, as: UInt8.self) }
        let idBytes = Array(embedderID.utf8)
        put32(UInt32(idBytes.count), F.embedderIDLength)
        put32(UInt32(strings.count), F.stringCount)
        for (i, byte) in idBytes.enumerated() { out.storeBytes(of: byte, toByteOffset: F.embedderID + i, as: UInt8.self) }
        let constOut = UnsafeRawPointer(out)
        let metadataChecksum = SidecarChecksum.hash(UnsafeRawBufferPointer(start: constOut + layout.idsOffset, count: layout.vectorsOffset - layout.idsOffset))
        let vectorsChecksum = SidecarChecksum.hash(UnsafeRawBufferPointer(start: constOut + layout.vectorsOffset, count: layout.count * stride))
        put64(metadataChecksum, F.metadataChecksum)
        put64(vectorsChecksum, F.vectorsChecksum)
        let headerChecksum = SidecarChecksum.hash(UnsafeRawBufferPointer(start: constOut, count: F.headerChecksum))
        put64(headerChecksum, F.headerChecksum)

        guard rename(temporary, path) == 0 else { throw SidecarError.system("rename", path: path, errno: errno) }
        renamed = true
        // The vectors were checksummed as they were written: record that, so the next open need not.
        if let identity = FileIdentity.current(path) {
            VerificationStamp(path: path).record(identity, checksum: vectorsChecksum)
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
