import Foundation

/// Starts a process that outlives its parent and is no part of the agent's process group.
public enum DetachedProcess {
    /// glibc's `POSIX_SPAWN_SETSID` (glibc 2.26+); Swift does not import it because the header
    /// only defines it under `_GNU_SOURCE`.
    static let posixSpawnSetsid: Int16 = 0x80
    /// The descriptor number a passed descriptor has in the child.
    public static let passedDescriptor: Int32 = 3

    /// Spawns `executable` with `arguments` in a new session (`setsid`), its standard streams on
    /// `/dev/null`, and does not wait for it: the agent's exit is never delayed by the child, and a
    /// signal sent to the agent's process group does not reach it. The child is re-parented to
    /// init when this process exits, which it does at once, so no zombie is left.
    ///
    /// Wraps `posix_spawn` with `POSIX_SPAWN_SETSID`.
    /// - Parameters:
    ///   - passing: a descriptor the child gets as its descriptor 3 (a lock it takes over).
    /// - Returns: the child's process id.
    /// - Throws: `IntegrationError` when the process cannot be started.
    @discardableResult
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String], passing descriptor: Int32? = nil) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, posixSpawnSetsid)

        closeOnExec(except: descriptor)
        var closeAfterSpawn: Int32 = -1
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        if let descriptor {
            // dup2 onto 3 clears close-on-exec; a descriptor that is 3 already would keep it, so
            // it is first moved out of the way.
            let source = descriptor == passedDescriptor ? fcntl(descriptor, F_DUPFD_CLOEXEC, 10) : descriptor
            guard source >= 0 else { throw IntegrationError("cannot pass descriptor \(descriptor) to \(executable)") }
            if source != descriptor { closeAfterSpawn = source }
            posix_spawn_file_actions_adddup2(&actions, source, passedDescriptor)
        }
        defer { if closeAfterSpawn >= 0 { close(closeAfterSpawn) } }

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

    /// Marks every descriptor above 2 but `kept` close-on-exec, so the child inherits none of them.
    ///
    /// A descriptor this process inherited without the flag (the write end of the pipe a caller
    /// reads our output from, say) would otherwise stay open in the child for as long as it runs,
    /// and that caller would wait for the detached work as if it were ours. glibc's
    /// `posix_spawn_file_actions_addclosefrom_np` does this in the child, but Swift does not
    /// import it; the hook process exits right after, so setting the flag here changes nothing else.
    static func closeOnExec(except kept: Int32?) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let fd = Int32(name), fd > 2, fd != kept else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
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
