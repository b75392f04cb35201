import Foundation
import MnemCore

/// `mnem log [ID]`: the pool's history, or one memory's.
struct LogCommand: Command {
    static let name = "log"
    static let abstract = "Show the history of the pool or of one memory"
    static let help = """
        Usage: mnem log [ID] [--limit N] [--json]

          ID            only the commits that added, changed or removed this memory
          --limit N     at most N commits
        """

    var id: String?
    var limit: Int?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        limit = try args.intOption("--limit", "-n", range: 1...Int.max)
        let rest = try args.positionals()
        guard rest.count <= 1 else { throw UsageError("log takes one ID at most") }
        id = rest.first
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        var memoryID: MemoryID?
        if let id {
            // A forgotten memory is no longer at the tip, but its history is still asked for by full id.
            if let full = MemoryID(id.lowercased()) { memoryID = full } else { memoryID = try pool.resolve(id) }
        }
        let entries = try pool.history(of: memoryID, limit: limit ?? .max)
        if let id, entries.isEmpty { throw PoolError("no history for '\(id)'") }
        // Through which remote the memory arrived: the pull merges that brought it in.
        let arrivals = try memoryID.map { try pool.arrivals(of: $0) } ?? []
        if global.json {
            var items = entries.map { $0.commit.json(change: $0.change) }
            for arrival in arrivals {
                guard case .object(var m) = arrival.commit.json(change: "arrived") else { continue }
                m["remote"] = .string(arrival.remote)
                m["url"] = .string(arrival.url)
                items.append(.object(m))
            }
            printJSON(.array(items), console)
            return 0
        }
        for arrival in arrivals {
            let c = arrival.commit
            console.out("\(c.id.hex.prefix(10))  \(isoDate(c.author.time))  \(c.author.name) <\(c.author.email)>  [arrived via \(arrival.remote) \(arrival.url)] \(c.summaryLine)")
        }
        for entry in entries {
            let c = entry.commit
            let change = entry.change.map { "[\($0)] " } ?? ""
            console.out("\(c.id.hex.prefix(10))  \(isoDate(c.author.time))  \(c.author.name) <\(c.author.email)>  \(change)\(c.summaryLine)")
        }
        return 0
    }
}
