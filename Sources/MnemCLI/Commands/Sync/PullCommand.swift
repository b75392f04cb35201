import Foundation
import MnemCore

/// `mnem pull [REMOTE]`: fetch, validate and merge a remote's memories.
struct PullCommand: Command {
    static let name = "pull"
    static let abstract = "Fetch a remote's memories, check them, and merge them in"
    static let help = """
        Usage: mnem pull [REMOTE] [--json]

          REMOTE        a remote added with 'mnem remote add' (default: origin)

        Every file the remote adds or changes is checked first (memory paths only, regular
        files of at most 1 MiB, valid memories whose id matches their content); if any fails,
        nothing changes and each entry is named with its reason. Merges never lose a memory.
        Credentials: ssh-agent or MNEM_SSH_KEY; MNEM_GIT_TOKEN or git's credential helper for https.
        """

    var remote: String
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        remote = try remoteArgument(&args, command: "pull")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        return try reportingRejection(console, json: global.json) {
            let result = try pool.pull(remote: remote, credentials: console.remoteCredentials)
            if global.json { printJSON(result.json, console) } else { result.humanLines.forEach(console.out) }
        }
    }
}
