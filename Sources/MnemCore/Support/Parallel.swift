import Foundation

extension Array where Element: Sendable {
    /// `map` over the machine's cores, in order; the first error thrown is rethrown.
    ///
    /// For independent, CPU-bound work per element (parsing, canonicalizing, hashing).
    /// Small arrays run on the calling thread.
    public func parallelMap<Result: Sendable>(minimumCount: Int = 256, _ transform: (Element) throws -> Result) throws -> [Result] {
        if count < minimumCount { return try map(transform) }
        let chunks = Swift.min(count, ProcessInfo.processInfo.activeProcessorCount * 4)
        var results = [Result?](repeating: nil, count: count)
        let failure = FirstError()
        try withoutActuallyEscaping(transform) { transform in
            results.withUnsafeMutableBufferPointer { output in
                nonisolated(unsafe) let output = output
                nonisolated(unsafe) let transform = transform
                self.withUnsafeBufferPointer { input in
                    nonisolated(unsafe) let input = input
                    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                        let start = chunk * input.count / chunks
                        let end = (chunk + 1) * input.count / chunks
                        var i = start
                        do {
                            while i < end {
                                output[i] = try transform(input[i])
                                i += 1
                            }
                        } catch {
                            failure.record(error, at: i)
                        }
                    }
                }
            }
            if let error = failure.error { throw error }
        }
        return results.compactMap { $0 }
    }
}

/// The error of the lowest-numbered element that failed, so the error reported does not
/// depend on how the work was scheduled.
private final class FirstError: @unchecked Sendable {
    // @unchecked: `stored` is only read and written under `lock`.
    private let lock = NSLock()
    private var stored: (index: Int, error: any Error)?
    func record(_ error: any Error, at index: Int) {
        lock.withLock { if stored == nil || index < stored?.index ?? .max { stored = (index, error) } }
    }
    var error: (any Error)? { lock.withLock { stored?.error } }
}

/// Work started on another thread now, whose value is waited for when first asked:
/// for overlapping two independent steps (encoding a state while mining, two halves of a miner).
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is written once before `group.leave()` and read only after `group.wait()`.
    private let group = DispatchGroup()
    private var result: Value?

    public init(_ work: @escaping @Sendable () -> Value) {
        group.enter()
        DispatchQueue.global().async {
            self.result = work()
            self.group.leave()
        }
    }

    /// The work's value, once it is done.
    public var value: Value {
        group.wait()
        return result.unsafelyUnwrapped
    }
}
