import Foundation
import Synchronization

/// How many blobs each repository has read, once a test asks: so a test can check that a
/// command reads the memory files it prints and no others, with counts rather than times.
///
/// Off by default, when a read costs one atomic load more; counting takes a lock per read.
public enum BlobReads {
    private static let enabled = Atomic<Bool>(false)
    private static let counts = Counts()

    /// Starts counting, for every repository of this process.
    public static func startCounting() { enabled.store(true, ordering: .relaxed) }

    /// The blobs read so far through any handle of the repository at `gitDirectory`.
    public static func count(gitDirectory: String) -> Int { counts.value(gitDirectory) }

    static func record(_ gitDirectory: String) {
        guard enabled.load(ordering: .relaxed) else { return }
        counts.add(gitDirectory)
    }

    /// `@unchecked Sendable`: `byDirectory` is only touched under `lock`.
    private final class Counts: @unchecked Sendable {
        private let lock = NSLock()
        private var byDirectory: [String: Int] = [:]
        func add(_ key: String) { lock.withLock { byDirectory[key, default: 0] += 1 } }
        func value(_ key: String) -> Int { lock.withLock { byDirectory[key] ?? 0 } }
    }
}
