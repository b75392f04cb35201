#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The one writer of a sidecar: an exclusive `flock` on `<sidecar>.lock`, held while its files
/// are updated or rebuilt, released when this object goes (or its process ends, however it ends).
///
/// Readers take no lock: files are replaced by rename and a delta names its base. Writers take
/// it so two processes never do the same update twice: the second waits, then finds the index
/// up to date. A hook does not wait: it hands the lock to a detached updater (see
/// `inheriting`) and answers from what is there. The lock file stays; removing a lock file
/// others may be waiting on would let two writers in.
public final class IndexLock {
    public let descriptor: Int32
    public let path: String
    private var released = false

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { release() }

    /// Gives the lock up now (it is given up when this object goes, or the process ends, anyway).
    public func release() {
        guard !released else { return }
        released = true
        close(descriptor)
    }

    /// Takes the lock at `path`, creating the file and its directory if needed.
    ///
    /// - Parameter wait: wait for the current holder; otherwise return nil when it is held.
    /// - Throws: `SidecarError` when the file cannot be created or locked.
    public static func acquire(path: String, wait: Bool) throws(SidecarError) -> IndexLock? {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw SidecarError("cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SidecarError.system("open", path: path, errno: errno) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw SidecarError.system("flock", path: path, errno: code)
        }
        return IndexLock(descriptor: fd, path: path)
    }

    /// The lock a parent process took and handed down as descriptor `fd`, or nil when `fd` is not
    /// an open descriptor of the file at `path` holding its lock.
    ///
    /// `flock` belongs to the open file description, which the child shares: taking it again
    /// through the same description succeeds at once, and fails when `fd` is anything else.
    public static func inheriting(_ fd: Int32, path: String) -> IndexLock? {
        var held = stat()
        var named = stat()
        guard fd >= 0, fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_dev == named.st_dev, held.st_ino == named.st_ino else {
            return nil
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return IndexLock(descriptor: fd, path: path)
    }

    /// Whether some process holds the lock at `path` now (a snapshot: it may change at once).
    public static func isHeld(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
