import Dispatch
import Foundation
import MnemCore
import MnemIndex

/// What a context hook does when the index is behind the pool (after a pull, a clone, a capture).
///
/// A hook never updates the index itself: work done in a hook that runs out of time dies with
/// it, and after a large pull every hook used to start the same update and lose it. Instead one
/// detached updater per index (`mnem index --detached`) does the work: the hook takes the
/// index's lock and hands it down to the updater it starts, so two hooks at once start one
/// updater, and a hook that finds the lock taken knows the work is under way. The hook then
/// waits for the updater as long as its budget allows. Done in time: the hook answers from the
/// fresh index. Not done: from the rows the stale index has (leaving out memories the pool no
/// longer has), or with nothing when there is no index yet; the updater finishes the work and
/// the next hook gets fresh context.
public struct IndexCatchUp: Sendable {
    /// This program, run as the updater.
    public var executable: String
    public var environment: [String: String]
    /// The pool, as the updater is to open it.
    public var poolPath: String
    public var embedderName: String
    /// Until when the hook may wait for the updater: its deadline, less what the search needs.
    public var waitUntil: DispatchTime

    public init(executable: String, environment: [String: String], poolPath: String, embedderName: String, waitUntil: DispatchTime) {
        self.executable = executable
        self.environment = environment
        self.poolPath = poolPath
        self.embedderName = embedderName
        self.waitUntil = waitUntil
    }

    /// The catch-up of a context hook: it may wait until its budget, less `reserve`, is spent.
    init(hook runner: HookRunner, poolPath: String, embedderName: String?) {
        let wait = runner.budgetMilliseconds - Self.reserve(budgetMilliseconds: runner.budgetMilliseconds)
        self.init(
            executable: runner.executable, environment: runner.environment, poolPath: poolPath,
            embedderName: embedderName ?? EmbedderRegistry.defaultName, waitUntil: runner.started + .milliseconds(max(0, wait)))
    }

    /// The time a hook keeps for its search when it waits for the updater: a fifth of its
    /// budget, at least 50 ms and at most 300 ms.
    public static func reserve(budgetMilliseconds: Int) -> Int { max(50, min(300, budgetMilliseconds / 5)) }

    /// Makes `index` hand its updates to a detached updater instead of doing them.
    public func attach(to index: VectorIndex) {
        index.whenBehind = { index, tip in try self.catchUp(index, tip: tip) }
    }

    /// The arguments of the updater for `index`.
    func updaterArguments() -> [String] {
        ["index", "--detached", "--lock-fd", String(DetachedProcess.passedDescriptor), "--pool", poolPath, "--embedder", embedderName]
    }

    /// Starts the updater unless one is running, waits for it within the budget, and returns
    /// what to read.
    ///
    /// - Throws: `IndexNotReady` when there is no index to read; what starting the updater throws.
    func catchUp(_ index: VectorIndex, tip: String) throws -> (IndexSnapshot, IndexReport) {
        let updater: String
        if let lock = try IndexLock.acquire(path: index.lockPath, wait: false) {
            // The child shares the lock's open file description: it holds the lock from its
            // first instruction to its exit, and this process's copy closes with `lock`.
            let pid = try withExtendedLifetime(lock) {
                try DetachedProcess.spawn(executable, updaterArguments(), environment: environment, passing: lock.descriptor)
            }
            updater = "started an updater (pid \(pid))"
        } else {
            updater = "an updater is already at work"
        }

        var pause: UInt32 = 2_000
        var finished = false
        while DispatchTime.now() < waitUntil {
            let left = (waitUntil.uptimeNanoseconds &- DispatchTime.now().uptimeNanoseconds) / 1_000
            usleep(UInt32(min(UInt64(pause), left)))
            pause = min(pause * 2, 50_000)
            if !IndexLock.isHeld(path: index.lockPath) {
                finished = true
                break
            }
        }

        let now = try? index.openAsIs().get()
        let currentTip = (try? index.pool.tip())?.hex ?? tip
        if let now, now.commit == tip || now.commit == currentTip {
            return (now, IndexReport(action: finished ? .updated : .upToDate, path: index.path, commit: now.commit, count: now.count))
        }
        var report = IndexReport(action: .stale, path: index.path, commit: now?.commit ?? Sidecar.noCommit, count: now?.count ?? 0)
        // An updater that finished without bringing the index up to date failed, and said why in the log.
        if !finished {
            report.note =
                now.map { "index behind the pool: answered from the \($0.count) memories it has at \($0.commit.prefix(10)); \(updater) to finish the work" }
                ?? "no index yet, nothing injected; \(updater) to build it"
        }
        guard let now else { throw IndexNotReady(report: report) }
        if let tree = try index.pool.tipTree() {
            let repository = index.pool.repository
            now.stillPresent = { hit in
                (try? repository.treeEntry(atPath: MemoryPath.path(kind: hit.kind, id: hit.id), in: tree))??.id == hit.blob
            }
        } else {
            now.stillPresent = { _ in false }
        }
        return (now, report)
    }
}
