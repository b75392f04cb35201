import Foundation
import MnemCore
import MnemIndex

/// `mnem list`: the memories at the tip.
struct ListCommand: Command {
    static let name = "list"
    static let abstract = "List memories, most abstract kind first"
    static let help = """
        Usage: mnem list [--kind K]… [--domain D]… [--limit N] [--json]

          --kind K      only this kind (trajectory, workflow, summary, insight); repeatable
          --domain D    only this domain; repeatable
          --limit N     at most N memories
        """

    var kinds: Set<MemoryKind>?
    var domains: Set<String>
    var limit: Int?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let kindNames = try args.options("--kind")
        var kinds: Set<MemoryKind> = []
        for name in kindNames {
            guard let kind = MemoryKind(rawValue: name) else {
                throw UsageError("unknown kind '\(name)' (expected trajectory, workflow, summary or insight)")
            }
            kinds.insert(kind)
        }
        self.kinds = kinds.isEmpty ? nil : kinds
        domains = Set(try args.options("--domain"))
        limit = try args.intOption("--limit", "-n", range: 1...Int.max)
        self.global = global
    }

    /// Reads only the memories it prints: the catalog says which they are (most abstract kind
    /// first, then by id) without reading the others.
    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let (catalog, _) = try Catalog.open(pool: pool)
        // A file of a listed kind that is not a valid memory is reported and left out, as everywhere.
        for row in 0..<catalog.count where !catalog.isValid(row) && kinds?.contains(catalog.kind(at: row) ?? .trajectory) ?? true {
            if let invalid = catalog.invalidMemory(at: row) { pool.onInvalidMemory?(invalid) }
        }
        var rows: [Int] = []
        let wanted = limit ?? .max
        listing: for kind in MemoryKind.allCases.sorted(by: { $0.abstraction > $1.abstraction }) where kinds?.contains(kind) ?? true {
            for row in 0..<catalog.count where catalog.isValid(row) && catalog.kind(at: row) == kind {
                guard domains.isEmpty || catalog.domain(at: row).map(domains.contains) == true else { continue }
                guard rows.count < wanted else { break listing }
                rows.append(row)
            }
        }
        let memories = try catalog.memories(rows, pool: pool)
        if global.json {
            printJSON(.array(memories.map { $0.jsonObject() }), console)
        } else {
            for memory in memories { console.out(memory.listLine) }
            if memories.isEmpty { console.err("no memories") }
        }
        return 0
    }
}
