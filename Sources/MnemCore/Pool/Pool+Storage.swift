import Foundation
import MnemGit

/// What one storage compaction did.
public struct StorageReport: Sendable {
    /// Loose objects moved into a new pack (and their files removed).
    public var packedLoose = 0
    /// Packs merged into one (a full repack).
    public var mergedPacks = 0
    /// Objects nothing reaches, older than the grace period, that were dropped.
    public var prunedObjects = 0
    /// Temporary files and quarantines of killed runs, and `refs/mnem/incoming/*` references, removed.
    public var removedLeftovers = 0
}

extension Pool {
    /// Loose objects beyond which a write packs them: each costs a file system block (4 KiB) for
    /// a few hundred bytes, so a pool of single adds grows about 10 times faster loose than packed.
    static let looseObjectLimit = 200
    /// Packs beyond which a write merges the small ones.
    static let packLimit = 12
    /// The most objects a write's own compaction repacks: libgit2's pack builder searches for
    /// deltas afresh (it reuses none); one pack of 100,000 memories took about a minute on a
    /// busy two-core machine.
    static let automaticRepackLimit = 20_000

    /// How long an object nothing reaches is kept, like git's `gc.pruneExpire`: a concurrent
    /// writer may have just written it and be about to name it in a tree or commit (or, for a
    /// pack, have freshened it). `MNEM_PRUNE_GRACE_SECONDS` overrides the hour.
    static var pruneGrace: TimeInterval {
        ProcessInfo.processInfo.environment["MNEM_PRUNE_GRACE_SECONDS"].flatMap(TimeInterval.init) ?? 3600
    }

    /// After a write: packs loose objects once they pass `looseObjectLimit`, cheaply.
    ///
    /// The count is estimated from 8 of the 256 fan-out directories (8 directory reads; a pool of
    /// single adds gains 4 or 5 loose objects per write), then counted exactly before packing.
    /// Never fails the write: compaction is skipped when another process is compacting, and an
    /// error leaves the pool as it was (loose objects are removed only once their pack is written).
    func maintainStorage(after commit: ObjectID?) {
        guard let commit else { return }
        let first = UInt8(truncatingIfNeeded: Int(commit.hex.prefix(2), radix: 16) ?? 0)
        // About 8/256 of the loose objects: 6 stands for about 190.
        guard repository.looseObjectSample(from: first, directories: 8) >= 6 else { return }
        _ = try? compactStorage(force: false)
    }

    /// Compacts the pool's object database with libgit2's pack builder, safe under concurrent writers.
    ///
    /// - Loose objects past `looseObjectLimit` go into one new pack; their files are removed
    ///   once the pack is in place.
    /// - Past `packLimit` packs, the smallest packs are merged into one, git's geometric way
    ///   (`git repack --geometric=2`: what is left forms a progression where each pack holds
    ///   at least twice what all smaller ones hold), up to `automaticRepackLimit` objects.
    /// - When that would take in every object (a small pool), or when `force`: everything the
    ///   references reach, plus every object younger than `pruneGrace`, goes into one pack. What
    ///   nothing reaches and is older than the grace period (lost-race commits, objects of refused
    ///   pulls from older versions) is dropped.
    /// - Temporary files of killed runs (`tmp_object_git2_*`, `pack_git2_*`, packs without an
    ///   index), quarantines of killed pulls older than the grace period (or whose process is
    ///   gone) and `refs/mnem/incoming/*` references are removed.
    ///
    /// Replaced packs are marked superseded and removed `supersededDelay` seconds later (see
    /// `removeSupersededPacks`). Objects written after the listing are never touched; an object a
    /// writer reuses is freshened by libgit2 (its file or pack gets a new time) and so counts as young.
    /// - Returns: what was done, or nil when another process is compacting the pool.
    @discardableResult
    public func compactStorage(force: Bool, supersededDelay: TimeInterval = 10) throws -> StorageReport? {
        let fd = try openFlockFile(repository.gitDirectory + "mnem-storage.flock")
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        defer { flock(fd, LOCK_UN) }

        var report = StorageReport()
        let now = Date()
        let grace = Self.pruneGrace
        var superseded = removeSupersededPacks(now: now, delay: supersededDelay)
        let listing = repository.storageListing()
        report.removedLeftovers += removeLeftovers(listing, now: now, grace: grace)

        let live = listing.packs.filter { superseded[$0.base] == nil }
        let merge = force ? live : Self.geometricMerge(live, adding: listing.loose.count)
        var replaced: [PackFile] = []
        if force || (merge.count == live.count && live.count + 1 > Self.packLimit) {
            try repackEverything(listing, now: now, grace: grace, report: &report)
            replaced = listing.packs
        } else if merge.count >= 2 {
            var ids = listing.loose.map(\.id)
            for pack in merge { ids += try repository.objectIDs(inPack: pack) }
            try repository.writePack(objects: ids)
            for object in listing.loose { unlink(object.file.path) }
            report.packedLoose = listing.loose.count
            report.mergedPacks = merge.count
            replaced = merge
        } else if listing.loose.count >= Self.looseObjectLimit {
            try repository.writePack(objects: listing.loose.map(\.id))
            for object in listing.loose { unlink(object.file.path) }
            report.packedLoose = listing.loose.count
        }
        if !replaced.isEmpty {
            for pack in replaced where superseded[pack.base] == nil { superseded[pack.base] = now }
            if supersededDelay <= 0 { superseded = removeSupersededPacks(superseded, now: now, delay: 0) }
            writeSuperseded(superseded)
        }
        return report
    }

    /// The packs a write's compaction merges once there are more than `packLimit`: the smallest,
    /// as `git repack --geometric=2` picks them, within `automaticRepackLimit` objects (with the
    /// loose ones). Empty when there are few packs or nothing small enough to merge.
    static func geometricMerge(_ packs: [PackFile], adding loose: Int) -> [PackFile] {
        guard packs.count + 1 > packLimit else { return [] }
        let sorted = packs.sorted { $0.objects < $1.objects }
        // From the top, the first pair out of progression: everything below it merges…
        var split = sorted.count - 1
        while split > 0 && sorted[split].objects >= 2 * sorted[split - 1].objects { split -= 1 }
        if split > 0 { split += 1 }
        // …and so does every pack the merged one would outgrow.
        var total = sorted[..<split].reduce(0) { $0 + $1.objects }
        while split < sorted.count && sorted[split].objects < 2 * total {
            total += sorted[split].objects
            split += 1
        }
        // Within what a write may spend.
        var taken = 0
        var budget = loose
        while taken < split && budget + sorted[taken].objects <= automaticRepackLimit {
            budget += sorted[taken].objects
            taken += 1
        }
        return taken >= 2 ? Array(sorted[..<taken]) : []
    }

    /// One pack of everything reachable from the references plus everything young; the listed
    /// loose objects go (the caller marks the listed packs superseded).
    private func repackEverything(_ listing: StorageListing, now: Date, grace: TimeInterval, report: inout StorageReport) throws {
        var tips: [ObjectID] = []
        for name in try repository.referenceNames() where !name.hasPrefix("refs/mnem/incoming/") {
            if let id = try repository.resolveReference(name), (try? repository.objectHeader(id).kind) == .commit { tips.append(id) }
        }
        var young: Set<ObjectID> = []
        var listed: Set<ObjectID> = []
        for object in listing.loose {
            listed.insert(object.id)
            if now.timeIntervalSince(object.file.modified) < grace { young.insert(object.id) }
        }
        for pack in listing.packs {
            let ids = try repository.objectIDs(inPack: pack)
            listed.formUnion(ids)
            if now.timeIntervalSince(pack.modified) < grace { young.formUnion(ids) }
        }
        let kept = try repository.writePack(objects: Array(young), reachableFrom: tips)
        // The emptied fan-out directories stay: a writer may be about to rename an object into one.
        for object in listing.loose { unlink(object.file.path) }
        report.mergedPacks = listing.packs.count
        report.packedLoose = listing.loose.count
        report.prunedObjects = max(0, listed.count - kept)
    }

    /// Where the packs a full repack replaced wait to be removed: `<seconds since 1970> <pack path>` lines.
    private var supersededListPath: String { repository.gitDirectory + "mnem-superseded-packs" }

    /// Removes the packs a full repack replaced at least `delay` seconds ago, and returns the
    /// others still waiting.
    ///
    /// A replaced pack is not removed at once: another process that looks for an object just as
    /// the new pack appears and the old one goes could miss both in one scan of the pack
    /// directory (a directory read does not promise entries created or removed meanwhile), and
    /// libgit2 scans once before it reports an object missing. A few seconds later every scan
    /// that could have missed the new pack is over.
    private func removeSupersededPacks(_ given: [String: Date]? = nil, now: Date, delay: TimeInterval) -> [String: Date] {
        var waiting: [String: Date] = [:]
        if let given {
            waiting = given
        } else if let text = try? String(contentsOfFile: supersededListPath, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, let seconds = TimeInterval(parts[0]) else { continue }
                waiting[String(parts[1])] = Date(timeIntervalSince1970: seconds)
            }
        }
        for (base, since) in waiting where now.timeIntervalSince(since) >= delay {
            // The index first: git and libgit2 never use a pack without it.
            unlink(base + ".idx")
            unlink(base + ".pack")
            waiting[base] = nil
        }
        if given == nil { writeSuperseded(waiting) }
        return waiting
    }

    private func writeSuperseded(_ waiting: [String: Date]) {
        let text = waiting.sorted { $0.key < $1.key }.map { "\(Int($0.value.timeIntervalSince1970)) \($0.key)\n" }.joined()
        try? Data(text.utf8).write(to: URL(fileURLWithPath: supersededListPath), options: .atomic)
    }

    /// Removes what killed runs left: temporary object files, quarantines, incoming references.
    private func removeLeftovers(_ listing: StorageListing, now: Date, grace: TimeInterval) -> Int {
        var removed = 0
        for file in listing.temporary where now.timeIntervalSince(file.modified) >= grace {
            if unlink(file.path) == 0 { removed += 1 }
        }
        let root = Quarantine.root(of: repository)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            let path = root + "/" + name
            let age = LockWait.age(path) ?? 0
            let owner = name.split(separator: "-").first.flatMap { Int32($0) }
            let ownerGone = owner.map { kill($0, 0) != 0 && errno == ESRCH } ?? true
            if (ownerGone && age >= 60) || age >= grace {
                if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
            }
        }
        // Pulls no longer park anything in references; these are left by older versions.
        for name in (try? repository.referenceNames(prefix: "refs/mnem/incoming/")) ?? [] {
            if (try? repository.removeReference(name)) != nil { removed += 1 }
        }
        return removed
    }
}
