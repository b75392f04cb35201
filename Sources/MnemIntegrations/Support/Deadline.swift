import Foundation

/// Runs work on its own thread and waits for it no longer than a deadline.
///
/// A hook that injects context must answer within the agent's patience; when the work is late the
/// caller gets nil and moves on (the process exits, taking the still-running thread with it).
public enum Deadline {
    /// The result of `work`, or nil when it did not finish within `milliseconds`.
    ///
    /// - Returns: `.some(result)` on time (the result may itself be a failure); nil when late.
    public static func run<T: Sendable>(milliseconds: Int, _ work: @escaping @Sendable () -> T) -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.set(work())
            done.signal()
        }
        // Index updates and git reads use some stack; give the worker as much as the main thread's default.
        thread.stackSize = 8 << 20
        thread.start()
        guard done.wait(timeout: .now() + .milliseconds(max(0, milliseconds))) == .success else { return nil }
        return box.get()
    }
}

/// One value handed from the worker thread to the waiting one.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: T?
    func set(_ new: T) { lock.withLock { value = new } }
    func get() -> T? { lock.withLock { value } }
}
