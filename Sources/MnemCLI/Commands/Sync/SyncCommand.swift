import Foundation
import MnemCore

/// `mnem sync [REMOTE]`: pull, then push.
struct SyncCommand: Command {
    static let name = "sync"
    static let abstract = "Pull from a remote, then push to it"
    static let help = """
        Usage: mnem sync [REMOTE | URL] [--accept-forgets] [--json]

          REMOTE        a remote added with 'mnem remote add' (default: origin)

        Same checks as 'mnem pull'; the push pulls again if the remote moved in between.
        """

    var remote: String
    var acceptForgets: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        acceptForgets = args.flag("--accept-forgets")
        remote = try remoteArgument(&args, command: "sync")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        return try reportingRejection(console, json: global.json) {
            let (pulled, pushed) = try pool.sync(remote: remoteOrURL(remote, in: pool, console), credentials: console.remoteCredentials, acceptForgets: acceptForgets)
            if global.json {
                printJSON(["pull": pulled.json, "push": pushed.json], console)
            } else {
                (pulled.humanLines + pushed.humanLines).forEach(console.out)
            }
        }
    }
}
