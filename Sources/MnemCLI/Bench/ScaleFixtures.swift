import Foundation
import MnemCore
import MnemGit

/// The large pools `mnem bench scale` measures, built once and kept in a cache directory.
///
/// Building 100,000 trajectories and compacting them takes minutes; the cache keeps each pool
/// under a name that says what it holds and which generator made it, so a run reuses what an
/// earlier one built and a changed generator builds anew. Figures that change a pool run on
/// a copy whose objects are hard links (git never rewrites an object file; everything else
/// is copied), so copies are cheap and the cached pool stays as built.
enum ScaleFixtures {
    /// Bumped whenever the generated content changes, so an old cache is not taken for a new one.
    static let generatorVersion = 1

    /// The default cache: `$MNEM_BENCH_CACHE`, else `<temporary directory>/mnem-bench-scale`.
    static func defaultCache(_ console: Console) -> String {
        if let given = console.environment["MNEM_BENCH_CACHE"], !given.isEmpty { return given }
        return FileManager.default.temporaryDirectory.appendingPathComponent("mnem-bench-scale").path
    }

    /// A pool of `count` synthetic trajectories, written in batches of 20,000 through `Pool.add`.
    static func trajectoryPool(count: Int, cache: String, console: Console) throws -> String {
        try cached("trajectories-\(count)-g\(generatorVersion)", cache: cache, console: console) { path in
            try write(count, batch: 20_000, what: "trajectories", to: path, console: console) { range in
                range.map { SyntheticTrajectories.trajectory($0, seed: 1) }
            }
        }
    }

    /// A pool of `count` small memories (as `bench search` uses), for the sidecar figure at a size.
    static func memoryPool(count: Int, cache: String, console: Console) throws -> String {
        try cached("memories-\(count)-g\(generatorVersion)", cache: cache, console: console) { path in
            try write(count, batch: 50_000, what: "memories", to: path, console: console) { range in
                SyntheticMemories.make(range.count, seed: 5000 + UInt64(range.lowerBound), targetBytes: 600)
            }
        }
    }

    /// Creates a pool at `path` and adds `count` memories made by `make`, `batch` to a commit.
    static func write(_ count: Int, batch: Int, what: String, to path: String, console: Console, make: (Range<Int>) -> [Memory]) throws {
        let pool = try Pool.create(at: path)
        var made = 0
        while made < count {
            let range = made..<min(count, made + batch)
            _ = try pool.add(make(range), info: CommitInfo(summary: "bench: \(range.count) \(what)", author: Signature(name: "bench", email: "bench@localhost")))
            made = range.upperBound
            console.err("  … \(made) of \(count) \(what) written")
        }
    }

    /// The pool at `cache/name`, built by `build` (into a temporary name, renamed when complete).
    static func cached(_ name: String, cache: String, console: Console, build: (String) throws -> Void) throws -> String {
        let path = cache + "/" + name
        if FileManager.default.fileExists(atPath: path + "/HEAD") {
            // As its writers' storage maintenance leaves a pool: a cache built by an mnem without
            // it holds loose objects that the first measured write would otherwise pack.
            _ = try Pool.open(at: path).compactStorage(force: false)
            return path
        }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let building = path + ".building-\(getpid())"
        try? FileManager.default.removeItem(atPath: building)
        console.err("bench scale: building \(name) in \(cache) (once; later runs reuse it)")
        try build(building)
        try FileManager.default.moveItem(atPath: building, toPath: path)
        return path
    }

    /// Copies the pool at `source` to `destination`: object files hard-linked, the rest copied;
    /// the derived files under `mnem/` only when `derived`.
    static func copyPool(_ source: String, to destination: String, derived: Bool) throws {
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: source) else { throw PoolError("cannot read \(source)") }
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        while let relative = walker.nextObject() as? String {
            let from = source + "/" + relative
            let to = destination + "/" + relative
            if !derived && (relative == "mnem" || relative.hasPrefix("mnem/")) { continue }
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: from, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try manager.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else if relative.hasPrefix("objects/") && link(from, to) == 0 {
                continue
            } else if relative.hasSuffix("hooks.log") {
                continue
            } else {
                try manager.copyItem(atPath: from, toPath: to)
            }
        }
    }
}
