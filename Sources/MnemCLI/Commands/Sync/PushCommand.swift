import Foundation
import MnemCore

/// `mnem push [REMOTE]`: publish the pool's branch, never forcing.
struct PushCommand: Command {
    static let name = "push"
    static let abstract = "Push the pool to a remote (pulling first if the remote moved on)"
    static let help = """
        Usage: mnem push [REMOTE | URL] [--accept-forgets] [--json]

          REMOTE        a remote added with 'mnem remote add' (default: origin)

        Never forces. The first push to an empty remote goes to the branch its HEAD names, so
        a clone of it checks the memories out. When the remote refuses because it moved on,
        mnem pulls (checking and merging what it gained, see 'mnem pull') and pushes again, up
        to 5 times.
        """

    var remote: String
    var acceptForgets: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        acceptForgets = args.flag("--accept-forgets")
        remote = try remoteArgument(&args, command: "push")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        return try reportingRejection(console, json: global.json) {
            let result = try pool.push(remote: remoteOrURL(remote, in: pool, console), credentials: console.remoteCredentials, acceptForgets: acceptForgets)
            if global.json { printJSON(result.json, console) } else { result.humanLines.forEach(console.out) }
        }
    }
}
