import Foundation
import MnemCore

/// `mnem forget ID…`: removes memories from the tip; history keeps them.
struct ForgetCommand: Command {
    static let name = "forget"
    static let abstract = "Remove memories from the pool (history keeps them)"
    static let help = """
        Usage: mnem forget ID… [--message TEXT]

          ID            memory ids or unique prefixes; all are removed in one commit
        """

    var ids: [String]
    var message: String?
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        message = try args.option("--message", "-m")
        ids = try args.positionals()
        guard !ids.isEmpty else { throw UsageError("forget needs at least one ID") }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let resolved = try ids.map { try pool.resolve($0) }
        let summary = message ?? "forget \(resolved.count) memor\(resolved.count == 1 ? "y" : "ies")"
        let result = try pool.forget(resolved, info: pool.commitInfo(summary, console))
        if global.json {
            printJSON(["commit": result.commit.map { .string($0.hex) } ?? .null, "removed": .array(result.removed.map { .string($0.rawValue) })], console)
        } else {
            for id in result.removed { console.out("forgot \(id.rawValue)") }
        }
        return 0
    }
}
