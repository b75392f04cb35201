import Foundation
import MnemGit

/// The activity lock a pool holds while it writes (see `Pool.beginWriting`).
struct WritingState {
    var descriptor: Int32 = -1
    var depth = 0
}

/// A write in progress: ends (and releases the activity lock when it is the outermost) once.
struct WriteSession {
    let pool: Pool
    func end() { pool.endWriting() }
}

extension Pool {
    /// How old a lock file must be before it can be a leftover: longer than any legitimate write
    /// holds one (a reference lock is held for milliseconds, the index for a checkout's length).
    /// `MNEM_LOCK_STALE_SECONDS` overrides it.
    static var staleLockAge: TimeInterval {
        ProcessInfo.processInfo.environment["MNEM_LOCK_STALE_SECONDS"].flatMap(TimeInterval.init) ?? 30
    }

    /// How long a write waits for a lock another live mnem process may hold before it gives up
    /// and says which file it is. `MNEM_LOCK_WAIT_SECONDS` overrides it.
    static var lockWaitLimit: TimeInterval {
        ProcessInfo.processInfo.environment["MNEM_LOCK_WAIT_SECONDS"].flatMap(TimeInterval.init) ?? staleLockAge + 15
    }

    /// The file every live mnem writer holds a shared `flock` on while it writes this pool (named
    /// apart from git's `*.lock` files: an `flock` file is never stale and must stay).
    var activityLockPath: String { repository.gitDirectory + "mnem-active.flock" }

    /// Opens (creating it when needed) one of mnem's own `flock` files.
    func openFlockFile(_ path: String) throws -> Int32 {
        var fd = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            fd = Glibc.open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw PoolError("cannot open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Marks this process as writing the pool until `end()`: a shared lock on `activityLockPath`,
    /// which the kernel drops if the process dies. A lock file left behind is a leftover only
    /// when nobody holds it. Nested sessions share the outermost one's lock.
    func beginWriting() throws -> WriteSession {
        if writing.depth == 0 {
            let fd = try openFlockFile(activityLockPath)
            guard flock(fd, LOCK_SH) == 0 else {
                close(fd)
                throw PoolError("cannot lock \(activityLockPath): \(String(cString: strerror(errno)))")
            }
            writing.descriptor = fd
        }
        writing.depth += 1
        return WriteSession(pool: self)
    }

    func endWriting() {
        guard writing.depth > 0 else { return }
        writing.depth -= 1
        if writing.depth == 0, writing.descriptor >= 0 {
            close(writing.descriptor)
            writing.descriptor = -1
        }
    }

    /// Whether no other live mnem process is writing this pool: the activity lock can be taken
    /// exclusively. Our own shared lock is let go for the test and taken again.
    func noOtherWriters() -> Bool {
        guard let fd = writing.descriptor >= 0 ? writing.descriptor : try? openFlockFile(activityLockPath) else { return false }
        defer { if fd != writing.descriptor { close(fd) } }
        if fd == writing.descriptor { flock(fd, LOCK_UN) }
        let alone = flock(fd, LOCK_EX | LOCK_NB) == 0
        // Back to shared (a conversion when we got it; a new shared lock when we did not).
        if fd == writing.descriptor { flock(fd, LOCK_SH) } else if alone { flock(fd, LOCK_UN) }
        return alone
    }

    /// Runs `body`, healing the lock files libgit2 meets on the way (see `LockWait`).
    func healingLocks<T>(fallbackLock: String, _ body: () throws -> T) throws -> T {
        var wait: LockWait?
        while true {
            do {
                return try body()
            } catch let error as GitError where error.isLocked {
                if wait == nil { wait = LockWait(path: error.lockFile ?? fallbackLock) }
                try wait?.next(self)
            }
        }
    }

    /// Points a reference (remote-tracking, scratch) at `target`, healing a stale lock on it.
    func setReferenceHealing(_ name: String, to target: ObjectID, logMessage: String) throws {
        try healingLocks(fallbackLock: repository.gitDirectory + name + ".lock") {
            try repository.setReference(name, to: target, logMessage: logMessage)
        }
    }
}

/// Waiting on a lock file: until it goes away, or until it is older than any legitimate write
/// and no live mnem process works on the pool (then it is a leftover of a killed process and is
/// removed, with a warning), or until the wait passes `Pool.lockWaitLimit` (then the error names
/// the file and how to clear it).
struct LockWait {
    let path: String
    let started = Date()
    private var pause: useconds_t = 1_000

    init(path: String) { self.path = path }

    /// The age of the lock file, or nil when it is gone.
    static func age(_ path: String) -> TimeInterval? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let modified = TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9
        return Date().timeIntervalSince1970 - modified
    }

    /// Waits a little, or reclaims the lock; returns when the write should be tried again.
    /// - Throws: `PoolError` naming the lock file once the wait is over.
    mutating func next(_ pool: Pool) throws {
        guard let age = Self.age(path) else { return }
        if age >= Pool.staleLockAge, pool.noOtherWriters() {
            if unlink(path) == 0 || errno == ENOENT {
                pool.warn("removed a stale lock \(path) (\(Int(age)) s old, held by no running mnem process)")
                return
            }
            throw PoolError("cannot remove the stale lock \(path): \(String(cString: strerror(errno)))")
        }
        let waited = Date().timeIntervalSince(started)
        if waited > Pool.lockWaitLimit {
            throw PoolError(
                "\(path) has been locked for \(Int(age)) s while another mnem process works on the pool; if no mnem or git process is using \(pool.path), remove it: rm '\(path)'")
        }
        usleep(pause)
        pause = min(pause * 2, 100_000)
    }
}
