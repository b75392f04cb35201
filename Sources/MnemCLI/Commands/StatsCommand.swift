import Foundation
import MnemCore
import MnemIndex

/// `mnem stats`: how the pool is made up.
struct StatsCommand: Command {
    static let name = "stats"
    static let abstract = "Count memories by kind, domain, agent and model"
    static let help = """
        Usage: mnem stats [--by kind|domain|agent|model|outcome|author] [--json]

          --by G        only this grouping; 'author' is the commit author who added each memory
                        (one walk of the history)
        """

    static let groupings = ["kind", "domain", "agent", "model", "outcome", "author"]

    var by: String?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        by = try args.option("--by")
        if let by, !Self.groupings.contains(by) {
            throw UsageError("--by takes one of \(Self.groupings.joined(separator: ", ")), not '\(by)'")
        }
        self.global = global
    }

    /// Counts from the catalog's columns: no memory file is read once the catalog is up to date.
    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let (catalog, _) = try Catalog.open(pool: pool)
        // A file that is not a valid memory is reported and left out of the counts, as everywhere.
        for row in 0..<catalog.count where !catalog.isValid(row) {
            if let invalid = catalog.invalidMemory(at: row) { pool.onInvalidMemory?(invalid) }
        }
        var groups: [(String, [String: Int])] = [
            ("kind", catalog.counts(.kind, none: "(none)")), ("domain", catalog.counts(.domain, none: "")),
            ("agent", catalog.counts(.agent, none: "(none)")), ("model", catalog.counts(.model, none: "(none)")),
            ("outcome", catalog.counts(.outcome, none: "(none)")),
        ]
        if by == "author" {
            let authors = try pool.authorsOfMemories()
            var counts: [String: Int] = [:]
            for row in 0..<catalog.count where catalog.isValid(row) {
                let key = catalog.id(at: row).flatMap { authors[$0] }.map { "\($0.name) <\($0.email)>" } ?? "(unknown)"
                counts[key, default: 0] += 1
            }
            groups.append(("author", counts))
        }
        let total = catalog.validCount
        if let by { groups = groups.filter { $0.0 == by } }
        if global.json {
            var object: [String: JSONValue] = ["total": .int(Int64(total))]
            for (name, counts) in groups { object[name] = .object(counts.mapValues { .int(Int64($0)) }) }
            printJSON(.object(object), console)
            return 0
        }
        console.out("\(total) memories in \(pool.path)")
        for (name, counts) in groups {
            console.out("")
            console.out("by \(name):")
            for (key, count) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
                console.out("  \(String(count).leftPadded(6))  \(key)")
            }
        }
        return 0
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
