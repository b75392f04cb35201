import Dispatch
import Foundation

/// How far a long piece of work is, for a terminal to show.
///
/// Library code starts one where work may take more than a second (an index build, a large add,
/// a pull, a compaction, a scan) and advances it from any thread; whether anything is shown is
/// the program's choice (`WorkProgress.display`), so the library never writes to a stream itself.
/// With no display installed (tests, `--json`, output that is not a terminal) a progress costs
/// a lock per advance and shows nothing.
public final class WorkProgress: @unchecked Sendable {
    // @unchecked: `done` and `lastShown` are only touched under `lock`; the rest is immutable.
    public let label: String
    public let total: Int?
    private let sink: (any ProgressDisplay)?
    private let started = DispatchTime.now().uptimeNanoseconds
    private let lock = NSLock()
    private var done = 0
    private var lastShown: UInt64 = 0
    private var shown = false

    /// Nothing is shown before this much time has passed: short work stays silent.
    static let quietNanoseconds: UInt64 = 1_000_000_000
    /// At most this many updates a second.
    static let intervalNanoseconds: UInt64 = 100_000_000

    private init(label: String, total: Int?, sink: (any ProgressDisplay)?) {
        self.label = label
        self.total = total
        self.sink = sink
    }

    /// Starts reporting `label` (e.g. "indexing") out of `total` items, if known.
    public static func start(_ label: String, total: Int? = nil) -> WorkProgress {
        WorkProgress(label: label, total: total, sink: Registry.shared.display)
    }

    /// Adds `count` items done.
    public func advance(_ count: Int = 1) {
        guard let sink, count > 0 else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock {
            done += count
            guard now - started >= Self.quietNanoseconds, now - lastShown >= Self.intervalNanoseconds else { return }
            lastShown = now
            shown = true
            sink.show(label: label, done: done, total: total)
        }
    }

    /// Ends the report: a shown line is cleared.
    public func finish() {
        guard let sink else { return }
        lock.withLock {
            if shown { sink.clear() }
            shown = false
        }
    }

    /// Installs (or with nil removes) the display every later `WorkProgress` reports to.
    public static func install(_ display: (any ProgressDisplay)?) { Registry.shared.display = display }

    /// The installed display, if any.
    public static var display: (any ProgressDisplay)? { Registry.shared.display }

    /// The process-wide display. `@unchecked Sendable`: `display` is read and written under `lock`.
    private final class Registry: @unchecked Sendable {
        static let shared = Registry()
        private let lock = NSLock()
        private var stored: (any ProgressDisplay)?
        var display: (any ProgressDisplay)? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }
}

/// Where progress goes: a terminal line, in the command-line program.
public protocol ProgressDisplay: Sendable {
    /// Shows `done` of `total` (nil: unknown) for `label`; called at most ten times a second.
    func show(label: String, done: Int, total: Int?)
    /// Removes what `show` put up.
    func clear()
}
