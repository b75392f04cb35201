import Foundation
import MnemCore

/// `mnem push [REMOTE]`: publish the pool's branch, never forcing.
struct PushCommand: Command {
    static let name = "push"
    static let abstract = "Push the pool to a remote (pulling first if the remote moved on)"
    static let help = """
        Usage: mnem push [REMOTE] [--json]

          REMOTE        a remote added with 'mnem remote add' (default: origin)

        Never forces. When the remote refuses because it moved on, mnem pulls (checking and
        merging what it gained) and pushes again, up to 5 times.
        """

    var remote: String
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        remote = try remoteArgument(&args, command: "push")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        return try reportingRejection(console, json: global.json) {
            let result = try pool.push(remote: remote, credentials: console.remoteCredentials)
            if global.json { printJSON(result.json, console) } else { result.humanLines.forEach(console.out) }
        }
    }
}
