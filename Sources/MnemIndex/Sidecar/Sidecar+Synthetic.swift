import MnemCore

extension Sidecar {
    /// Writes a sidecar of `count` random unit vectors (uniform components, normalized), for benchmarks.
    ///
    /// Ids are the row numbers, so they are sorted; kinds, outcomes and domains cycle. The vectors
    /// are generated straight into the writer's buffer, so a million of them never sit in memory at once.
    public static func writeSynthetic(
        count: Int, dimension: Int, elementType: VectorElementType = .float16, seed: UInt64, embedderID: String, to path: String
    ) throws(SidecarError) {
        let kinds = MemoryKind.allCases
        let domains = ["python", "rust", "go", "javascript/react", "swift"]
        var entries: [SidecarEntry] = []
        entries.reserveCapacity(count)
        for row in 0..<count {
            var bytes = [UInt8](repeating: 0, count: 20)
            for i in 0..<8 { bytes[19 - i] = UInt8(truncatingIfNeeded: UInt64(row) >> (8 * UInt64(i))) }
            entries.append(
                SidecarEntry(
                    id: PackedID(bytes: bytes), blob: PackedID(bytes: bytes), kind: kinds[row % 4], outcome: row % 3 == 0 ? .failure : .success,
                    domain: domains[row % domains.count], model: row % 2 == 0 ? "model-a" : nil, vector: .generated))
        }
        var random = RandomVectors(seed: seed, dimension: dimension)
        try SidecarWriter.write(
            entries: entries, commit: Sidecar.noCommit, embedderID: embedderID, dimension: dimension, elementType: elementType,
            previous: [], to: path
        ) { _, destination in
            SidecarWriter.store(random.next(), dimension: dimension, elementType: elementType, to: destination)
        }
    }

    /// Writes a delta of `count` random unit vectors following the synthetic base at `basePath`,
    /// removing `removing` of its rows (spread evenly), for benchmarks of a segmented search.
    ///
    /// Its ids sort after every base id (their first byte is 0xFF); kinds and domains cycle.
    public static func writeSyntheticDelta(
        count: Int, removing: Int, dimension: Int, seed: UInt64, embedderID: String, basePath: String, to path: String
    ) throws {
        let base = try open(path: basePath, embedderID: embedderID, dimension: dimension)
        let kinds = MemoryKind.allCases
        var entries: [SidecarEntry] = []
        entries.reserveCapacity(count)
        for row in 0..<count {
            var bytes = [UInt8](repeating: 0, count: 20)
            bytes[0] = 0xFF
            for i in 0..<8 { bytes[19 - i] = UInt8(truncatingIfNeeded: UInt64(row) >> (8 * UInt64(i))) }
            entries.append(
                SidecarEntry(
                    id: PackedID(bytes: bytes), blob: PackedID(bytes: bytes), kind: kinds[row % 4], outcome: .success, domain: "python",
                    model: nil, vector: .generated))
        }
        let step = max(1, base.count / max(1, removing))
        let removed = Swift.stride(from: 0, to: base.count, by: step).prefix(removing).map { UInt32($0) }
        var random = RandomVectors(seed: seed, dimension: dimension)
        try SidecarWriter.write(
            entries: entries, commit: Sidecar.noCommit, embedderID: embedderID, dimension: dimension, elementType: base.elementType,
            previous: [], removedRows: removed, baseLink: base.headerChecksum, to: path
        ) { _, destination in
            SidecarWriter.store(random.next(), dimension: dimension, elementType: base.elementType, to: destination)
        }
    }

    /// Where the vectors start in the file, and bytes per vector: for tools reading the file directly.
    public var vectorsOffset: Int { layout.vectorsOffset }
    public var vectorStride: Int { layout.stride }

    /// Opens a sidecar for benchmarks and tools, validating it as a search would.
    public static func open(path: String, embedderID: String, dimension: Int) throws -> Sidecar {
        switch try open(path: path, embedderID: embedderID, dimension: dimension, verification: .full, populate: true) {
        case .success(let sidecar): return sidecar
        case .failure(let problem): throw problem
        }
    }
}

extension IndexSnapshot {
    /// Opens a base and the delta beside it for benchmarks, both fully verified and mapped.
    public static func open(path: String, deltaPath: String, embedderID: String, dimension: Int) throws -> IndexSnapshot {
        switch try open(path: path, deltaPath: deltaPath, embedderID: embedderID, dimension: dimension, verification: .full, populate: true) {
        case .success(let snapshot): return snapshot
        case .failure(let problem): throw problem
        }
    }

    /// The memory-read floor of a search of both files (see `VectorScan.readFloor`).
    public func readFloor(prefetching: Bool) -> UInt64 {
        VectorScan.readFloor(base, prefetching: prefetching) &+ (delta.map { VectorScan.readFloor($0, prefetching: prefetching) } ?? 0)
    }

    /// Bytes of vectors a search reads.
    public var vectorBytes: Int { base.count * base.vectorStride + (delta.map { $0.count * $0.vectorStride } ?? 0) }
}

/// Vectors of uniform components in [-1, 1) from SplitMix64, for synthetic sidecars.
struct RandomVectors {
    var random: SplitMix64
    var values: [Float]

    init(seed: UInt64, dimension: Int) {
        random = SplitMix64(seed: seed)
        values = [Float](repeating: 0, count: dimension)
    }

    mutating func next() -> [Float] {
        for i in values.indices { values[i] = Float(random.next() >> 40) * 0x1p-23 - 1 }
        return values
    }
}
