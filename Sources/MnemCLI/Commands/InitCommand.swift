import Foundation
import MnemCore
import MnemIndex

/// `mnem init [PATH]`: creates a pool.
struct InitCommand: Command {
    static let name = "init"
    static let abstract = "Create a pool (a git repository of memories)"
    static let help = """
        Usage: mnem init [PATH] [--work-tree] [--from URL [--no-index]]

          PATH          where to create the pool (default: --pool, $MNEM_POOL, or the user's pool)
          --work-tree   give the pool a work tree that follows every commit (default: bare)
          --from URL    start from a shared pool: add it as remote 'origin' and pull it, with the
                        same checks as 'mnem pull' (a clone that trusted the remote would skip them),
                        then build its vector index, so the first hook of the next session has
                        context (a hook cannot wait for a large pool's index)
          --no-index    with --from: leave the index to the hooks, which build it in the background
        """

    var path: String?
    var workTree: Bool
    var from: String?
    var noIndex: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        workTree = args.flag("--work-tree")
        from = try args.option("--from")
        noIndex = args.flag("--no-index")
        if noIndex && from == nil { throw UsageError("--no-index goes with --from") }
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
        if !pool.hasChosenIdentity(environment: console.environment) {
            let author = pool.defaultAuthor(environment: console.environment)
            console.err(
                "mnem: no git identity is set, so commits will be authored as \(author.name) <\(author.email)>; set one with: git config --global user.name \"Your Name\" && git config --global user.email you@example.org (or MNEM_AUTHOR_NAME and MNEM_AUTHOR_EMAIL)")
        }
        if let from { return try initFrom(from, pool: pool, target: target, existed: existed, console) }
        if global.json {
            let empty = try pool.tip() == nil
            printJSON(["pool": .string(target), "created": .bool(!existed || empty), "bare": .bool(pool.repository.isBare)], console)
        } else {
            console.out(existed ? "Pool at \(target) is ready." : "Created a \(workTree ? "" : "bare ")pool at \(target).")
        }
        return 0
    }

    /// Adds `url` as `origin` and pulls it; a pool this command created is removed again if that fails.
    private func initFrom(_ url: String, pool: Pool, target: String, existed: Bool, _ console: Console) throws -> Int32 {
        let resolved = RemoteCommand.resolveLocal(url, console)
        let status: Int32
        do {
            if try pool.repository.remote(named: "origin") == nil {
                try pool.repository.addRemote(name: "origin", url: resolved)
            }
            status = try reportingRejection(console, json: global.json) {
                let result = try pool.pull(remote: "origin", credentials: console.remoteCredentials)
                if global.json {
                    printJSON(["pool": .string(target), "created": .bool(!existed), "bare": .bool(pool.repository.isBare), "pull": result.json], console)
                } else {
                    console.out("Created a \(workTree ? "" : "bare ")pool at \(target) from \(Pool.redacted(resolved)).")
                    result.humanLines.forEach(console.out)
                }
            }
        } catch {
            if !existed { try? FileManager.default.removeItem(atPath: target) }
            throw error
        }
        if status != 0 && !existed { try? FileManager.default.removeItem(atPath: target) }
        if status == 0 && !noIndex { buildIndex(pool, console) }
        return status
    }

    /// Builds the joined pool's index while the user waits for the clone anyway: a hook answers
    /// within its budget from whatever index there is, so without this a large pool gives no
    /// context until a background update finishes. A failure is a warning: the hooks and
    /// `mnem search` build the index themselves.
    private func buildIndex(_ pool: Pool, _ console: Console) {
        do {
            let index = VectorIndex(pool: pool, embedder: try RetrievalOptions().embedder(console))
            let (_, report) = try index.open()
            InvalidMemoryReport.skipped(report, console)
            if !global.json { console.out("Indexed \(report.count) memor\(report.count == 1 ? "y" : "ies") for search.") }
        } catch {
            console.err("mnem: warning: the index was not built (\(error)); search and the hooks will build it")
        }
    }
}
