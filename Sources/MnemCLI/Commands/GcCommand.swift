import Foundation
import MnemCore

/// `mnem gc`: one pack of what the pool still reaches; old unreachable objects and leftovers go.
struct GcCommand: Command {
    static let name = "gc"
    static let abstract = "Pack the pool's objects and drop what nothing reaches"
    static let help = """
        Usage: mnem gc [--json]

        Writes keep the pool packed on their own, merging small packs within a budget. This makes
        one pack of everything the pool's references reach plus everything written in the last
        hour (MNEM_PRUNE_GRACE_SECONDS), and drops the rest: commits that lost a race, objects a
        refused pull of an older mnem left, temporary files of killed runs. Safe beside running
        writers; on a large pool it takes a while (libgit2 searches for deltas afresh).
        """

    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        guard try args.positionals().isEmpty else { throw UsageError("gc takes no arguments") }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        guard let report = try pool.compactStorage(force: true) else {
            throw PoolError("another mnem process is compacting \(pool.path); try again when it is done")
        }
        if global.json {
            printJSON(
                [
                    "packedLoose": .int(Int64(report.packedLoose)), "mergedPacks": .int(Int64(report.mergedPacks)),
                    "prunedObjects": .int(Int64(report.prunedObjects)), "removedLeftovers": .int(Int64(report.removedLeftovers)),
                ], console)
        } else {
            console.out(
                "Packed \(report.packedLoose) loose objects and \(report.mergedPacks) packs into one; dropped \(report.prunedObjects) objects nothing reaches and \(report.removedLeftovers) leftovers of killed runs.")
        }
        return 0
    }
}
