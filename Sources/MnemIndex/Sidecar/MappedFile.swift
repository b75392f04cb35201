#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only; unmapped when the last reference goes.
///
/// A `final class` rather than a `~Copyable` struct because an open sidecar is shared by the
/// search, the updater that copies its vectors, and the results that name its rows.
final class MappedFile {
    let base: UnsafeRawPointer?
    let count: Int
    /// The file's identity when it was mapped: what the verification stamp compares.
    let identity: FileIdentity

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Maps `path` read-only.
    ///
    /// - Parameter populate: fault every page in now (`MAP_POPULATE`), for a caller about to scan it all.
    /// - Throws: `SidecarError` when the file cannot be opened, examined or mapped; nil is returned
    ///   (not thrown) by `open` when the file does not exist.
    init(path: String, populate: Bool) throws(SidecarError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SidecarError.system("open", path: path, errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SidecarError.system("fstat", path: path, errno: errno) }
        identity = FileIdentity(info)
        count = Int(info.st_size)
        guard count > 0 else {
            base = nil
            return
        }
        var flags = MAP_PRIVATE
        #if os(Linux)
        if populate { flags |= MAP_POPULATE }
        #endif
        let mapped = mmap(nil, count, PROT_READ, flags, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw SidecarError.system("mmap", path: path, errno: errno) }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}

/// What identifies one version of a file on disk: any write to it changes the ctime.
struct FileIdentity: Sendable, Hashable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var changed: Int64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_ctim.tv_nsec)
    }

    init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }

    /// The identity of the file at `path` now, or nil if it cannot be examined.
    static func current(_ path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }
}
