import Foundation

/// Starts a process that outlives its parent and is no part of the agent's process group.
public enum DetachedProcess {
    /// glibc's `POSIX_SPAWN_SETSID` (glibc 2.26+); Swift does not import it because the header
    /// only defines it under `_GNU_SOURCE`.
    static let posixSpawnSetsid: Int16 = 0x80

    /// Spawns `executable` with `arguments` in a new session (`setsid`), its standard streams on
    /// `/dev/null`, and does not wait for it: the agent's exit is never delayed by the child, and a
    /// signal sent to the agent's process group does not reach it. The child is re-parented to
    /// init when this process exits, which it does at once, so no zombie is left.
    ///
    /// Wraps `posix_spawn` with `POSIX_SPAWN_SETSID`.
    /// - Returns: the child's process id.
    /// - Throws: `IntegrationError` when the process cannot be started.
    @discardableResult
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, posixSpawnSetsid)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let code = withCStrings(argv) { argvPointers in
            withCStrings(envp) { envPointers in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
            }
        }
        guard code == 0 else {
            throw IntegrationError("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        return pid
    }

    /// A NULL-terminated array of C strings valid for the duration of `body`.
    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    /// The path of the running executable.
    public static func currentExecutable() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return CommandLine.arguments.first ?? "mnem"
    }
}
