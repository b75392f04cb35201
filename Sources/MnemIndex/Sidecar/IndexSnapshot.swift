import MnemCore
import MnemGit

/// The vector index of one pool for one embedder as of one commit: a base file and, once
/// updates have come since the base was written, a delta beside it.
///
/// The delta holds the rows added since the base (sorted by id, like any sidecar) and lists the
/// base rows it removes; it names its base by the base's header checksum, so a delta left over
/// from an older base is never applied to a newer one (it is ignored, and the index is brought
/// up to date from the base's own commit). An update rewrites only the delta, so it costs what
/// changed plus what earlier deltas added, not the pool; `VectorIndex` folds the delta into a
/// new base once it grows past a fraction of the base.
///
/// A search scans both files exactly and merges their results in the ranking's own order, so it
/// returns what a search of one file holding the same rows returns, hit for hit.
public final class IndexSnapshot {
    public let base: Sidecar
    public let delta: Sidecar?
    /// Why a delta found beside the base was not used (nil when there was none, or it was used).
    public let ignoredDelta: SidecarProblem?

    /// The pool commit the snapshot indexes.
    public var commit: String { delta?.commit ?? base.commit }
    public var embedderID: String { base.embedderID }
    public var dimension: Int { base.dimension }
    public var elementType: VectorElementType { base.elementType }
    /// Memories indexed: the base's rows the delta does not remove, and the delta's own.
    public var count: Int { base.count - (delta?.removedCount ?? 0) + (delta?.count ?? 0) }
    /// Files a search reads: 1 or 2.
    public var segmentCount: Int { delta == nil ? 1 : 2 }
    /// For a snapshot behind the pool: whether a hit is still in the pool (a forgotten memory
    /// must not come back from a stale index). Nil for an up-to-date snapshot.
    public var stillPresent: ((SearchHit) -> Bool)?

    init(base: Sidecar, delta: Sidecar?, ignoredDelta: SidecarProblem? = nil) {
        self.base = base
        self.delta = delta
        self.ignoredDelta = ignoredDelta
        if let delta, delta.removedCount > 0 {
            base.hideRows((0..<delta.removedCount).lazy.map { delta.removedRow($0) })
        }
    }

    /// Opens the base at `path` and the delta at `deltaPath` if one is there and follows it.
    ///
    /// - Returns: the snapshot, or why the base is not to be trusted (a delta that fails its
    ///   checks is left out and named in `ignoredDelta`, never trusted).
    /// - Throws: `SidecarError` only when an existing file cannot be read at all.
    static func open(
        path: String, deltaPath: String, embedderID: String, dimension: Int, verification: Sidecar.Verification, populate: Bool
    ) throws(SidecarError) -> Result<IndexSnapshot, SidecarProblem> {
        let base: Sidecar
        switch try Sidecar.open(path: path, embedderID: embedderID, dimension: dimension, verification: verification, populate: populate) {
        case .success(let found): base = found
        case .failure(let problem): return .failure(problem)
        }
        guard !base.isDelta else { return .failure(.inconsistentLayout("the base file is a delta")) }
        switch try Sidecar.open(path: deltaPath, embedderID: embedderID, dimension: dimension, verification: verification, populate: populate) {
        case .failure(.missing):
            return .success(IndexSnapshot(base: base, delta: nil))
        case .failure(let problem):
            return .success(IndexSnapshot(base: base, delta: nil, ignoredDelta: problem))
        case .success(let delta):
            if let problem = Self.problem(of: delta, following: base) {
                return .success(IndexSnapshot(base: base, delta: nil, ignoredDelta: problem))
            }
            return .success(IndexSnapshot(base: base, delta: delta))
        }
    }

    /// Why `delta` cannot be applied to `base`, or nil when it can.
    static func problem(of delta: Sidecar, following base: Sidecar) -> SidecarProblem? {
        guard delta.baseLink == base.headerChecksum else { return .inconsistentLayout("the delta follows another base") }
        guard delta.elementType == base.elementType else { return .inconsistentLayout("the delta's element type differs from its base's") }
        var previous = -1
        for n in 0..<delta.removedCount {
            let row = delta.removedRow(n)
            guard row > previous, row < base.count else { return .inconsistentLayout("the delta removes rows its base does not have") }
            previous = row
        }
        return nil
    }

    // MARK: Search

    /// The best `k` memories for `query` over both files, in the order `Sidecar.search` gives.
    ///
    /// - Complexity: one exact scan of each file, and a merge of at most 2k hits.
    public func search(_ query: [Float], k: Int, filter: SearchFilter = SearchFilter(), ranking: RankingPolicy = RankingPolicy()) -> [SearchHit] {
        guard let stillPresent else { return searchFiles(query, k: k, filter: filter, ranking: ranking) }
        // A few more than asked, for the ones the pool no longer has.
        let found = searchFiles(query, k: k + 16, filter: filter, ranking: ranking)
        return Array(found.lazy.filter(stillPresent).prefix(k))
    }

    /// `search` with each file's scan split in `parts` (nil: by its size), for benchmarks
    /// comparing one thread with the one-thread read floor.
    public func search(_ query: [Float], k: Int, filter: SearchFilter, ranking: RankingPolicy, parts: Int?) -> [SearchHit] {
        searchFiles(query, k: k, filter: filter, ranking: ranking, parts: parts)
    }

    private func searchFiles(_ query: [Float], k: Int, filter: SearchFilter, ranking: RankingPolicy, parts: Int? = nil) -> [SearchHit] {
        let fromBase = base.search(query, k: k, filter: filter, ranking: ranking, parts: parts)
        guard let delta, delta.count > 0 else { return fromBase }
        return ranking.merge(fromBase, delta.search(query, k: k, filter: filter, ranking: ranking, parts: parts), k: k)
    }

    // MARK: Rows

    /// The file and row that hold `id`, if the snapshot indexes it.
    public func location(of id: MemoryID) -> (file: Sidecar, row: Int)? {
        guard let packed = PackedID(hex: id.rawValue) else { return nil }
        if let delta, let row = delta.row(of: packed) { return (delta, row) }
        if let row = base.row(of: packed), !base.isHidden(row) { return (base, row) }
        return nil
    }

    /// Every row the snapshot indexes (the base's that the delta does not remove, and the
    /// delta's), by ascending id: the rows one rebuilt file would have, in its order.
    public func rows() -> [(file: Sidecar, row: Int)] {
        var out: [(file: Sidecar, row: Int)] = []
        out.reserveCapacity(count)
        var next = 0
        let deltaCount = delta?.count ?? 0
        for row in 0..<base.count where !base.isHidden(row) {
            let id = base.packedID(at: row)
            while next < deltaCount, let delta, delta.packedID(at: next) < id {
                out.append((delta, next))
                next += 1
            }
            out.append((base, row))
        }
        while next < deltaCount, let delta {
            out.append((delta, next))
            next += 1
        }
        return out
    }

    /// Every memory id the snapshot indexes, ascending.
    public func ids() -> [MemoryID] { rows().compactMap { $0.file.id(at: $0.row) } }
}

extension Sidecar {
    /// The row of `id`, by binary search over the sorted ids.
    func row(of id: PackedID) -> Int? {
        var lo = 0
        var hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if packedID(at: mid) < id { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && packedID(at: lo) == id ? lo : nil
    }
}

extension RankingPolicy {
    /// Merges two result lists, each in a search's order, into the first `k` of their union in
    /// that order.
    ///
    /// The order is `RankingPolicy`'s rule: with `.kindFirst`, the kind's rank, then similarity
    /// descending, then id; with `.score`, similarity, then id. Within one file a lower row is a
    /// lower id, so each file's own top k, merged by this order, is the top k of both files
    /// together, exactly as a search of one file holding both would return it.
    /// - Complexity: O(k).
    func merge(_ a: [SearchHit], _ b: [SearchHit], k: Int) -> [SearchHit] {
        let ranks = order == .kindFirst ? rankByKindCode() : [0, 0, 0, 0]
        func precedes(_ x: SearchHit, _ y: SearchHit) -> Bool {
            let (rx, ry) = (ranks[Int(x.kind.code)], ranks[Int(y.kind.code)])
            if rx != ry { return rx < ry }
            if x.score != y.score { return x.score > y.score }
            return x.id < y.id
        }
        var out: [SearchHit] = []
        out.reserveCapacity(min(k, a.count + b.count))
        var i = 0
        var j = 0
        while out.count < k, i < a.count || j < b.count {
            if j == b.count || i < a.count && precedes(a[i], b[j]) {
                out.append(a[i])
                i += 1
            } else {
                out.append(b[j])
                j += 1
            }
        }
        return out
    }
}
