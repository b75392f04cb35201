import Foundation

/// Finds the pool a command should use.
///
/// In order: an explicit `--pool PATH`; `MNEM_POOL`; a `.mnem` directory in the current
/// directory or any directory above it; the user's pool under `$XDG_DATA_HOME/mnem`
/// (default `~/.local/share/mnem`), which is created on first use.
public enum PoolLocator {
    public struct Location: Sendable, Equatable {
        public var path: String
        /// How it was found, for messages: "--pool", "MNEM_POOL", ".mnem", "user pool".
        public var origin: String
        /// Only the user's default pool is created on first use.
        public var createIfMissing: Bool
    }

    public static func locate(explicit: String?, environment: [String: String], currentDirectory: String) -> Location {
        if let explicit, !explicit.isEmpty {
            return Location(path: absolute(explicit, from: currentDirectory, environment: environment), origin: "--pool", createIfMissing: false)
        }
        if let fromEnv = environment["MNEM_POOL"], !fromEnv.isEmpty {
            return Location(path: absolute(fromEnv, from: currentDirectory, environment: environment), origin: "MNEM_POOL", createIfMissing: false)
        }
        var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent(".mnem").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return Location(path: candidate, origin: ".mnem", createIfMissing: false)
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        let dataHome: String
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            dataHome = xdg
        } else {
            dataHome = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        }
        return Location(path: dataHome + "/mnem", origin: "user pool", createIfMissing: true)
    }

    static func absolute(_ path: String, from directory: String, environment: [String: String]) -> String {
        if path.hasPrefix("/") { return path }
        if path == "~" || path.hasPrefix("~/") { return (environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst() }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// Opens the located pool, creating the user's default pool on first use.
    public static func open(_ location: Location) throws -> Pool {
        if location.createIfMissing, !FileManager.default.fileExists(atPath: location.path) {
            return try Pool.create(at: location.path)
        }
        return try Pool.open(at: location.path)
    }
}
