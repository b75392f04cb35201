import Foundation
import MnemCore
import MnemGit

/// `mnem remote add|remove|list`: the remotes a pool shares through.
struct RemoteCommand: Command {
    static let name = "remote"
    static let abstract = "Add, remove or list the remotes the pool syncs with"
    static let help = """
        Usage: mnem remote add NAME URL
               mnem remote remove NAME
               mnem remote list [--json]

          URL           a path, file://, git://, ssh://, user@host:path or https:// URL
        """

    enum Action: Equatable {
        case add(name: String, url: String)
        case remove(name: String)
        case list
    }

    var action: Action
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let rest = try args.positionals()
        switch rest.first {
        case "add":
            guard rest.count == 3 else { throw UsageError("remote add needs NAME and URL") }
            action = .add(name: rest[1], url: rest[2])
        case "remove", "rm":
            guard rest.count == 2 else { throw UsageError("remote remove needs NAME") }
            action = .remove(name: rest[1])
        case "list", nil:
            guard rest.count <= 1 else { throw UsageError("remote list takes no arguments") }
            action = .list
        case let other?:
            throw UsageError("unknown remote action '\(other)' (add, remove or list)")
        }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        switch action {
        case .add(let name, let url):
            let resolved = Self.resolveLocal(url, console)
            do {
                try pool.repository.addRemote(name: name, url: resolved)
            } catch {
                if error.isExists { throw PoolError("a remote named '\(name)' already exists in \(pool.path)") }
                throw PoolError("cannot add remote '\(name)' (\(Pool.redacted(url))): \(error.description)")
            }
            if global.json {
                printJSON(["name": .string(name), "url": .string(Pool.redacted(resolved))], console)
            } else {
                console.out("Added remote \(name): \(Pool.redacted(resolved))")
            }
        case .remove(let name):
            guard try pool.repository.remote(named: name) != nil else { throw PoolError("no remote '\(name)' in \(pool.path)") }
            do { try pool.repository.removeRemote(name: name) } catch { throw PoolError("cannot remove remote '\(name)': \(error.description)") }
            if !global.json { console.out("Removed remote \(name).") } else { printJSON(["removed": .string(name)], console) }
        case .list:
            let remotes = try pool.repository.remotes()
            if global.json {
                printJSON(.array(remotes.map { .object(["name": .string($0.name), "url": .string(Pool.redacted($0.url))]) }), console)
            } else {
                for remote in remotes { console.out("\(remote.name)\t\(Pool.redacted(remote.url))") }
            }
        }
        return 0
    }

    /// A relative path that exists is made absolute, so the remote works from any directory.
    static func resolveLocal(_ url: String, _ console: Console) -> String {
        if url.contains("://") || url.hasPrefix("/") { return url }
        let absolute = console.absolute(url)
        return FileManager.default.fileExists(atPath: absolute) ? URL(fileURLWithPath: absolute).standardizedFileURL.path : url
    }
}
