import Dispatch
import Foundation
import MnemCore
import MnemIndex
import MnemIntegrations

/// `mnem index --detached`: the updater a hook starts when the index is behind the pool.
///
/// It runs with no terminal and nobody waiting for its exit status, so it reports through the
/// pool's hooks log: a failure, a rebuild forced by a damaged index, or work that took longer
/// than a hook waits (one line each; routine quick updates say nothing). It brings the catalog
/// (`list`, `stats`) up to date as well, after the index. It keeps the index's
/// lock from the hook that started it (descriptor `lockDescriptor`), so no second updater
/// starts while it works, and goes on until the index has caught up with a tip that stopped
/// moving (captures may land while it works).
struct IndexUpdater {
    var embedderName: String?
    var lockDescriptor: Int32?

    /// Past this, an update is worth a log line: hooks did not wait for it.
    static let longRun = 1.0
    /// Rounds of catching up with a moving tip before leaving the rest to the next hook.
    static let maximumRounds = 3

    func run(global: GlobalOptions, _ console: Console) {
        let label = "index updater"
        let pool: Pool
        do {
            pool = try global.openPool(console)
        } catch {
            HookLog.fallback(environment: console.environment).append(label, error.oneLine)
            return
        }
        let log = HookLog.forPool(gitDirectory: pool.repository.gitDirectory)
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            var options = RetrievalOptions()
            options.embedderName = embedderName
            let index = VectorIndex(pool: pool, embedder: try options.embedder(console))
            // A full rebuild (a pool just cloned) reads every memory: the catalog is built from the same read.
            index.onFullRead = { commit, files in try Catalog.write(pool: pool, commit: commit, files: files) }
            let lock = try lockDescriptor.flatMap { IndexLock.inheriting($0, path: index.lockPath) }
                ?? IndexLock.acquire(path: index.lockPath, wait: true)
            guard let lock else { return }
            if let delay = console.environment["MNEM_INDEX_TEST_DELAY_MS"].flatMap({ Int($0) }), delay > 0 {
                usleep(UInt32(min(delay, 60_000)) * 1000)
            }
            var reports: [IndexReport] = []
            for _ in 0..<Self.maximumRounds {
                let (snapshot, report) = try index.open(lock: lock)
                reports.append(report)
                if snapshot.commit == (try pool.tip())?.hex ?? Sidecar.noCommit { break }
            }
            // Hooks waiting for the index may go on; the catalog `list` and `stats` read follows
            // after (a separate file, written by rename like the index).
            lock.release()
            _ = try Catalog.open(pool: pool)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let timing = String(format: "%.1f s", seconds)
            // Invalid memories are reported once, where the index first meets them, as every command does.
            let skipped = reports.flatMap(\.skipped)
            if !skipped.isEmpty { log.append(label, "skipped (not valid memories; see 'mnem doctor'): " + skipped.joined(separator: "; ")) }
            if let forced = reports.lazy.compactMap(\.rebuildProblem).first {
                log.append(label, "index rebuilt (\(forced)), \(reports.last?.count ?? 0) memories, in \(timing)")
            } else if seconds >= Self.longRun, let last = reports.last {
                let added = reports.reduce(0) { $0 + $1.added }
                let removed = reports.reduce(0) { $0 + $1.removed }
                log.append(label, "index brought up to date in the background: +\(added) -\(removed), \(last.count) memories, in \(timing)")
            }
        } catch {
            log.append(label, error.oneLine)
        }
    }
}

extension IndexReport {
    /// The problem that forced a rebuild, when a damaged (not merely missing) index did.
    var rebuildProblem: SidecarProblem? {
        if case .rebuilt(let reason) = action, let reason, reason != .missing { return reason }
        return nil
    }
}
