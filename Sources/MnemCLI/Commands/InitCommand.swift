import Foundation
import MnemCore

/// `mnem init [PATH]`: creates a pool.
struct InitCommand: Command {
    static let name = "init"
    static let abstract = "Create a pool (a git repository of memories)"
    static let help = """
        Usage: mnem init [PATH] [--work-tree]

          PATH          where to create the pool (default: --pool, $MNEM_POOL, or the user's pool)
          --work-tree   give the pool a work tree that follows every commit (default: bare)
        """

    var path: String?
    var workTree: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        workTree = args.flag("--work-tree")
        let rest = try args.positionals()
        guard rest.count <= 1 else { throw UsageError("init takes one PATH at most") }
        path = rest.first
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let target: String
        if let path {
            target = console.absolute(path)
        } else {
            target = PoolLocator.locate(explicit: global.pool, environment: console.environment, currentDirectory: console.currentDirectory).path
        }
        let existed = FileManager.default.fileExists(atPath: target)
        if existed, let contents = try? FileManager.default.contentsOfDirectory(atPath: target), !contents.isEmpty,
            (try? Pool.open(at: target)) == nil
        {
            throw PoolError("cannot create a pool at \(target): the directory is not empty and is not a git repository")
        }
        let pool = try Pool.create(at: target, workTree: workTree)
        if global.json {
            let empty = try pool.tip() == nil
            printJSON(["pool": .string(target), "created": .bool(!existed || empty), "bare": .bool(pool.repository.isBare)], console)
        } else {
            console.out(existed ? "Pool at \(target) is ready." : "Created a \(workTree ? "" : "bare ")pool at \(target).")
        }
        return 0
    }
}
