import MnemCore
import MnemGit

/// An open, validated sidecar: the ids, filter columns and vectors of one (pool, embedder), mapped.
///
/// Opening reads and checks the 256-byte header (its own checksum, and every offset against the
/// file's size); nothing else is parsed. The checksums of the ids and filter columns and of the
/// vectors are verified when asked, or when the file changed since they were last verified (see
/// `VerificationStamp`): once per write, not once per search.
public final class Sidecar {
    let file: MappedFile
    /// The start of the mapping; kept beside `file`, which owns it.
    let base: UnsafeRawPointer
    let layout: SidecarLayout
    public let path: String
    public let embedderID: String
    public let dimension: Int
    public let elementType: VectorElementType
    /// The pool commit whose tree the sidecar indexes (40 hex digits), or all zeros for an empty pool.
    public let commit: String
    public var count: Int { layout.count }
    var stride: Int { layout.stride }
    let stringCount: Int
    let vectorsChecksum: UInt64
    /// The checksum of this file's header: what a delta names as its base.
    let headerChecksum: UInt64
    /// For a delta, the header checksum of the base it follows; 0 for a base.
    let baseLink: UInt64
    /// The kind column a search reads: the file's own, or a copy in which the rows a delta
    /// removed from this base have an invalid code (see `hideRows`).
    private(set) var scanKinds: UnsafeRawPointer
    private var hiddenKinds: UnsafeMutableRawBufferPointer?

    /// The commit an empty pool's sidecar names.
    public static let noCommit = String(repeating: "0", count: 40)

    /// How much of the file is checked on open.
    public enum Verification: Sendable {
        /// The header always; metadata and vectors when the file changed since last verified.
        case standard
        /// Everything, whatever the stamp says.
        case full
        /// The header only: for the file this process has just written, whose checksums were
        /// computed as it was stored.
        case justWritten
    }

    /// Opens and validates the sidecar at `path`.
    ///
    /// - Returns: the sidecar, or the reason it is not to be trusted.
    /// - Throws: `SidecarError` only when an existing file cannot be read at all.
    /// - Complexity: O(1) for the header; O(file) when the checksums are verified.
    static func open(
        path: String, embedderID: String, dimension: Int, verification: Verification = .standard, populate: Bool = false
    ) throws(SidecarError) -> Result<Sidecar, SidecarProblem> {
        guard FileIdentity.current(path) != nil else { return .failure(.missing) }
        let file = try MappedFile(path: path, populate: populate)
        let bytes = file.bytes
        guard bytes.count > 0 else { return .failure(.empty) }
        guard bytes.count >= SidecarLayout.headerSize, let base = bytes.baseAddress else { return .failure(.truncatedHeader(size: bytes.count)) }
        guard Array(UnsafeRawBufferPointer(start: base, count: 8)) == SidecarLayout.magic else { return .failure(.badMagic) }
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        typealias F = SidecarLayout.Field
        let version = u32(F.version)
        guard SidecarLayout.supportedVersions.contains(version) else { return .failure(.unsupportedVersion(version)) }
        let headerHash = SidecarChecksum.hash(UnsafeRawBufferPointer(start: base, count: F.headerChecksum))
        guard headerHash == u64(F.headerChecksum) else { return .failure(.headerChecksumMismatch) }
        guard let elementType = VectorElementType(rawValue: u32(F.elementType)) else { return .failure(.badElementType(u32(F.elementType))) }

        let idLength = Int(u32(F.embedderIDLength))
        guard idLength <= SidecarLayout.maxEmbedderIDBytes else { return .failure(.inconsistentLayout("embedder id of \(idLength) bytes")) }
        let foundID = String(decoding: UnsafeRawBufferPointer(start: base + F.embedderID, count: idLength), as: UTF8.self)
        guard foundID == embedderID else { return .failure(.embedderMismatch(found: foundID, expected: embedderID)) }
        let foundDimension = Int(u32(F.dimension))
        guard foundDimension == dimension else { return .failure(.dimensionMismatch(found: foundDimension, expected: dimension)) }
        guard dimension > 0 else { return .failure(.inconsistentLayout("dimension 0")) }

        // Bound count and the string table by the file size before any multiplication can overflow.
        let count64 = u64(F.count)
        let stringBytes64 = u64(F.stringBytes)
        guard count64 <= UInt64(bytes.count), stringBytes64 <= UInt64(bytes.count) else {
            return .failure(.sizeMismatch(expected: Int.max, actual: bytes.count))
        }
        let stride = SidecarLayout.stride(dimension: dimension, elementType: elementType)
        guard Int(u32(F.stride)) == stride else { return .failure(.inconsistentLayout("stride \(u32(F.stride)), expected \(stride)")) }
        var layout = SidecarLayout(count: Int(count64), stride: stride, stringBytes: Int(stringBytes64))
        layout.version = version
        if version >= 2 {
            // The removed rows' count sits after the string table; bounded by the file like the rest.
            guard layout.removedOffset + 8 <= bytes.count else { return .failure(.sizeMismatch(expected: layout.removedOffset + 8, actual: bytes.count)) }
            let removed = u64(layout.removedOffset)
            guard removed <= UInt64(bytes.count / 4) else { return .failure(.sizeMismatch(expected: Int.max, actual: bytes.count)) }
            layout.removedCount = Int(removed)
        } else if u64(F.base) != 0 {
            return .failure(.inconsistentLayout("a version 1 file names a base"))
        }
        let recorded = [u64(F.idsOffset), u64(F.columnsOffset), u64(F.stringsOffset), u64(F.vectorsOffset), u64(F.fileLength)]
        let expected = [layout.idsOffset, layout.kindsOffset, layout.stringsOffset, layout.vectorsOffset, layout.fileLength].map { UInt64($0) }
        guard recorded == expected else { return .failure(.inconsistentLayout("section offsets do not follow from the count")) }
        guard layout.fileLength == bytes.count else { return .failure(.sizeMismatch(expected: layout.fileLength, actual: bytes.count)) }

        let commitBytes = UnsafeRawBufferPointer(start: base + F.commit, count: 40)
        guard commitBytes.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return .failure(.inconsistentLayout("the commit is not 40 hex digits"))
        }
        let sidecar = Sidecar(
            file: file, base: base, layout: layout, path: path, embedderID: foundID, dimension: dimension, elementType: elementType,
            commit: String(decoding: commitBytes, as: UTF8.self), stringCount: Int(u32(F.stringCount)),
            vectorsChecksum: u64(F.vectorsChecksum), headerChecksum: headerHash, baseLink: u64(F.base))

        let stamp = VerificationStamp(path: path)
        if verification == .full || verification == .standard && !stamp.matches(file.identity, checksum: sidecar.vectorsChecksum) {
            let metadata = UnsafeRawBufferPointer(start: base + layout.idsOffset, count: layout.vectorsOffset - layout.idsOffset)
            guard SidecarChecksum.hash(metadata) == u64(F.metadataChecksum) else { return .failure(.metadataChecksumMismatch) }
            guard sidecar.computeVectorsChecksum() == sidecar.vectorsChecksum else { return .failure(.vectorChecksumMismatch) }
            stamp.record(file.identity, checksum: sidecar.vectorsChecksum)
        }
        return .success(sidecar)
    }

    private init(
        file: MappedFile, base: UnsafeRawPointer, layout: SidecarLayout, path: String, embedderID: String, dimension: Int,
        elementType: VectorElementType, commit: String, stringCount: Int, vectorsChecksum: UInt64, headerChecksum: UInt64, baseLink: UInt64
    ) {
        self.file = file
        self.base = base
        self.layout = layout
        self.path = path
        self.embedderID = embedderID
        self.dimension = dimension
        self.elementType = elementType
        self.commit = commit
        self.stringCount = stringCount
        self.vectorsChecksum = vectorsChecksum
        self.headerChecksum = headerChecksum
        self.baseLink = baseLink
        self.scanKinds = base + layout.kindsOffset
    }

    deinit { hiddenKinds?.deallocate() }

    /// Whether this file is a delta (it names a base).
    public var isDelta: Bool { baseLink != 0 }

    // MARK: Removed rows

    /// How many rows of its base a delta removes.
    public var removedCount: Int { layout.removedCount }

    /// The `n`th row of the base this delta removes (ascending in `n`).
    func removedRow(_ n: Int) -> Int {
        Int(UInt32(littleEndian: base.load(fromByteOffset: layout.removedOffset + 8 + n * 4, as: UInt32.self)))
    }

    /// Makes the search skip `rows`: it reads a copy of the kind column with those rows set to a
    /// code that is no kind, which the scan kernels' thresholds (+∞) and the row filter both
    /// refuse. Costs one copy of the column (a byte per row), once per opened base.
    func hideRows<S: Sequence<Int>>(_ rows: S) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 64)
        copy.copyMemory(from: UnsafeRawBufferPointer(start: base + layout.kindsOffset, count: count))
        for row in rows where row >= 0 && row < count { copy[row] = Self.hiddenKindCode }
        hiddenKinds?.deallocate()
        hiddenKinds = copy
        scanKinds = UnsafeRawPointer(copy.baseAddress ?? UnsafeMutableRawPointer(mutating: base + layout.kindsOffset))
    }

    /// The kind code of a removed row in the column a search reads: no kind has it.
    static let hiddenKindCode: UInt8 = 0xFF

    /// Whether `row` is hidden from searches (removed by a delta).
    func isHidden(_ row: Int) -> Bool {
        hiddenKinds.map { $0[row] == Self.hiddenKindCode } ?? false
    }

    func computeVectorsChecksum() -> UInt64 {
        SidecarChecksum.hash(vectorRegion)
    }

    var vectorRegion: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + layout.vectorsOffset, count: layout.count * layout.stride)
    }

    // MARK: Rows

    func packedID(at row: Int) -> PackedID { PackedID(base + layout.idsOffset + row * SidecarLayout.idSize) }
    func packedBlob(at row: Int) -> PackedID { PackedID(base + layout.blobsOffset + row * SidecarLayout.idSize) }

    /// The git blob of `row`'s memory file.
    public func blob(at row: Int) -> ObjectID? { ObjectID(bytes: base + layout.blobsOffset + row * SidecarLayout.idSize) }

    /// The memory id of `row`.
    public func id(at row: Int) -> MemoryID? { MemoryID(packedID(at: row).hex) }

    func kindCode(at row: Int) -> UInt8 { base.load(fromByteOffset: layout.kindsOffset + row, as: UInt8.self) }
    func outcomeCode(at row: Int) -> UInt8 { base.load(fromByteOffset: layout.outcomesOffset + row, as: UInt8.self) }
    func domainIndex(at row: Int) -> UInt32 { UInt32(littleEndian: base.load(fromByteOffset: layout.domainsOffset + row * 4, as: UInt32.self)) }
    func modelIndex(at row: Int) -> UInt32 { UInt32(littleEndian: base.load(fromByteOffset: layout.modelsOffset + row * 4, as: UInt32.self)) }

    public func kind(at row: Int) -> MemoryKind? { MemoryKind.from(code: kindCode(at: row)) }
    public func outcome(at row: Int) -> Outcome? { Outcome.from(code: outcomeCode(at: row)) }
    public func domain(at row: Int) -> String? { string(domainIndex(at: row)) }
    public func model(at row: Int) -> String? { string(modelIndex(at: row)) }

    /// The raw bytes of `row`'s vector (stride bytes, zero-padded).
    func vectorBytes(at row: Int) -> UnsafeRawPointer { base + layout.vectorsOffset + row * layout.stride }

    /// `row`'s vector as floats.
    public func vector(at row: Int) -> [Float] {
        let pointer = vectorBytes(at: row)
        return (0..<dimension).map { i in
            switch elementType {
            case .float16: Float(Float16(bitPattern: pointer.load(fromByteOffset: i * 2, as: UInt16.self)))
            case .float32: pointer.load(fromByteOffset: i * 4, as: Float.self)
            }
        }
    }

    // MARK: Strings

    /// The string table: distinct domains and models, sorted. Parsed on first use.
    public private(set) lazy var strings: [String] = parseStrings()

    private func parseStrings() -> [String] {
        var out: [String] = []
        out.reserveCapacity(min(stringCount, layout.stringBytes / 4))
        var offset = layout.stringsOffset
        let end = layout.stringsOffset + layout.stringBytes
        // The metadata checksum vouches for the table; the bounds checks keep a forged one harmless.
        while out.count < stringCount, offset + 4 <= end {
            let length = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= end - offset else { break }
            out.append(String(decoding: UnsafeRawBufferPointer(start: base + offset, count: length), as: UTF8.self))
            offset += length
        }
        return out
    }

    func string(_ index: UInt32) -> String? {
        index == SidecarLayout.noString || Int(index) >= strings.count ? nil : strings[Int(index)]
    }

    /// The index of `text` in the string table, if it is there.
    func stringIndex(_ text: String) -> UInt32? {
        var lo = 0
        var hi = strings.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if strings[mid] < text { lo = mid + 1 } else { hi = mid }
        }
        return lo < strings.count && strings[lo] == text ? UInt32(lo) : nil
    }
}

extension MemoryKind {
    /// The kind stored as `code` (its abstraction), by a switch: a search decodes one per hit and
    /// per scanned bar, and `allCases` allocates.
    static func from(code: UInt8) -> MemoryKind? {
        switch code {
        case 0: .trajectory
        case 1: .workflow
        case 2: .summary
        case 3: .insight
        default: nil
        }
    }
    var code: UInt8 { UInt8(abstraction) }
}

extension Outcome {
    static func from(code: UInt8) -> Outcome? {
        switch code {
        case 0: .success
        case 1: .failure
        case 2: .unknown
        default: nil
        }
    }
    var code: UInt8 {
        switch self {
        case .success: 0
        case .failure: 1
        case .unknown: 2
        }
    }
}
