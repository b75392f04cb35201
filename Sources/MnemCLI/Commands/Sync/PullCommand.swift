import Foundation
import MnemCore

/// `mnem pull [REMOTE]`: fetch, validate and merge a remote's memories.
struct PullCommand: Command {
    static let name = "pull"
    static let abstract = "Fetch a remote's memories, check them, and merge them in"
    static let help = """
        Usage: mnem pull [REMOTE | URL] [--accept-forgets] [--json]

          REMOTE            a remote added with 'mnem remote add' (default: origin)
          URL               or a URL or path, pulled from without adding it
          --accept-forgets  take a pull that forgets more than max(10, 10%) of the memories

        Every new commit the remote brings is checked, not only its tip: names (no .git-like
        entries), modes (no symbolic links or submodules), sizes from the object headers (files
        of at most 1 MiB), commits as 'git fsck --strict' checks them, and every file under
        memories/ and feedback/ must be a valid memory or feedback whose id matches its content.
        Other files (a README, a LICENSE, CI workflows) are kept and never read. If anything
        fails, nothing changes (what was fetched is removed) and each entry is named with its
        reason and commit. A pull that would forget more than max(10, 10%) of the pool's
        memories, or all of them, stops and names the commits that do it. Merges never lose a
        memory. Credentials: ssh-agent or MNEM_SSH_KEY; MNEM_GIT_TOKEN or git's credential helper
        for https.
        """

    var remote: String
    var acceptForgets: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        acceptForgets = args.flag("--accept-forgets")
        remote = try remoteArgument(&args, command: "pull")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        return try reportingRejection(console, json: global.json) {
            let result = try pool.pull(remote: remoteOrURL(remote, in: pool, console), credentials: console.remoteCredentials, acceptForgets: acceptForgets)
            if global.json { printJSON(result.json, console) } else { result.humanLines.forEach(console.out) }
        }
    }
}
