import Dispatch
import Foundation
import MnemGit

extension Pool {
    /// Threads for reading many memory files: one per core, at most 8.
    public static var readWorkers: Int { max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Reads each blob of `blobs` once and hands its bytes (or why it could not be read) to
    /// `transform` on the thread that read it; the results come back in the order of `blobs`.
    ///
    /// Each thread opens its own repository handle (libgit2 handles are not shared across
    /// threads) and takes the next 64 blobs when it is done with its last, so a slow stretch does
    /// not hold the others up. Inflating and parsing is most of what reading a pool costs, and it
    /// runs on every core. Fewer than `parallelMinimum` blobs are read on the calling thread.
    /// - Parameters:
    ///   - progress: advanced as blobs are read.
    /// - Throws: `GitError` when a thread cannot open the repository.
    /// - Complexity: O(total size of the blobs) / workers.
    public func mapBlobs<T: Sendable>(
        _ blobs: [ObjectID], workers: Int = Pool.readWorkers, progress: WorkProgress? = nil,
        _ transform: @Sendable (Int, Result<[UInt8], GitError>) -> T
    ) throws -> [T] {
        let parallelMinimum = 512
        if blobs.count < parallelMinimum || workers <= 1 {
            var out: [T] = []
            out.reserveCapacity(blobs.count)
            for (i, blob) in blobs.enumerated() {
                out.append(transform(i, Result { () throws(GitError) in try repository.readBlob(blob) }))
                if i & 63 == 63 { progress?.advance(64) }
            }
            progress?.advance(blobs.count & 63)
            return out
        }
        let chunk = 64
        let chunks = (blobs.count + chunk - 1) / chunk
        let shared = ParallelReadState<T>(count: blobs.count)
        let directory = repository.gitDirectory
        let threads = min(workers, chunks)
        try withoutActuallyEscaping(transform) { transform in
            blobs.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let input = input
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    let handle: Repository
                    do throws(GitError) {
                        handle = try Repository.open(at: directory)
                    } catch {
                        shared.fail(error)
                        return
                    }
                    while let c = shared.nextChunk(of: chunks) {
                        let range = (c * chunk)..<min(input.count, (c + 1) * chunk)
                        var results: [T] = []
                        results.reserveCapacity(range.count)
                        for i in range {
                            results.append(transform(i, Result { () throws(GitError) in try handle.readBlob(input[i]) }))
                        }
                        shared.store(results, at: range.lowerBound)
                        progress?.advance(range.count)
                    }
                }
            }
            if let error = shared.error { throw error }
        }
        return shared.results()
    }
}

/// The shared state of one `mapBlobs`: the next chunk to take, the results, the first failure.
///
/// `@unchecked Sendable`: every field is read and written under `lock`.
private final class ParallelReadState<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var slots: [T?]
    private(set) var error: GitError?

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func nextChunk(of total: Int) -> Int? {
        lock.withLock {
            guard error == nil, next < total else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ values: [T], at start: Int) {
        lock.withLock {
            for (offset, value) in values.enumerated() { slots[start + offset] = value }
        }
    }

    func fail(_ failure: GitError) { lock.withLock { if error == nil { error = failure } } }

    func results() -> [T] { lock.withLock { slots.compactMap { $0 } } }
}
