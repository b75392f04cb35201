import MnemCore

/// The state of a pool's sidecar for one embedder, found without changing anything.
public enum IndexHealth: Sendable, Equatable {
    /// Not built yet (the first search builds it).
    case missing
    /// It indexes the pool's tip.
    case current(count: Int)
    /// It indexes an older commit; the next search brings it up to date from the tree diff.
    case behind(commit: String)
    /// It fails a check; the next search rebuilds it.
    case corrupt(SidecarProblem)
}

extension VectorIndex {
    /// Checks the sidecar in full (header, metadata and vector checksums) and compares its
    /// commit with the tip; writes nothing.
    public func health() throws -> IndexHealth {
        switch try openSidecar(verification: .full, populate: false) {
        case .failure(.missing): return .missing
        case .failure(let problem): return .corrupt(problem)
        case .success(let sidecar):
            let tip = try pool.tip()?.hex ?? Sidecar.noCommit
            return sidecar.commit == tip ? .current(count: sidecar.count) : .behind(commit: sidecar.commit)
        }
    }
}
