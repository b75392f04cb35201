import Foundation
import MnemCore

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

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        var memories = try pool.memories(kinds: kinds)
        if !domains.isEmpty { memories = memories.filter { domains.contains($0.domain) } }
        memories.sort { ($0.kind.abstraction, $1.id) > ($1.kind.abstraction, $0.id) }
        if let limit { memories = Array(memories.prefix(limit)) }
        if global.json {
            printJSON(.array(memories.map { $0.jsonObject() }), console)
        } else {
            for memory in memories { console.out(memory.listLine) }
            if memories.isEmpty { console.err("no memories") }
        }
        return 0
    }
}
