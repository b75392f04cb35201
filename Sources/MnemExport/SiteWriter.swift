import Foundation

/// An export failure the user can act on, naming the path.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Writes the site into a staging directory beside the target and swaps it into place at the
/// end, so a failed or interrupted export leaves the previous site (or nothing) as it was, never
/// half a site.
///
/// The target may be missing, empty, or an earlier mnem export (it has the marker file); any
/// other directory is refused, so `mnem export --html ~` cannot replace a home directory.
struct SiteWriter: Sendable {
    let target: String
    let staging: String

    init(target: String) throws {
        let target = URL(fileURLWithPath: target).standardizedFileURL.path
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: target, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ExportError("\(target) exists and is not a directory; not replacing it") }
            let contents = (try? fm.contentsOfDirectory(atPath: target)) ?? []
            guard contents.isEmpty || fm.fileExists(atPath: target + "/" + SitePage.marker) else {
                throw ExportError("\(target) is not empty and is not a mnem export (no \(SitePage.marker)); not replacing it (choose a new or empty directory)")
            }
        }
        let parent = (target as NSString).deletingLastPathComponent
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw ExportError("cannot create \(parent): \(error.localizedDescription)")
        }
        self.target = target
        staging = "\(parent)/.\((target as NSString).lastPathComponent).mnem-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try makeDirectory(staging)
    }

    func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw ExportError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Creates `relative` (a directory path inside the site).
    func directory(_ relative: String) throws { try makeDirectory(staging + "/" + relative) }

    /// Writes one file of the site.
    func write(_ relative: String, _ text: String) throws {
        var text = text
        try text.withUTF8 { bytes in try write(relative, UnsafeRawBufferPointer(bytes)) }
    }

    func write(_ relative: String, _ bytes: UnsafeRawBufferPointer) throws {
        let path = staging + "/" + relative
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExportError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            guard let base = bytes.baseAddress else { break }
            let n = Glibc.write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw ExportError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Puts the staged site in the target's place; the previous export, if any, is removed.
    func commit() throws {
        let fm = FileManager.default
        var old: String?
        if fm.fileExists(atPath: target) {
            let aside = staging + ".old"
            guard rename(target, aside) == 0 else { throw ExportError("cannot move the previous export \(target) aside: \(String(cString: strerror(errno)))") }
            old = aside
        }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            if let old { _ = rename(old, target) }
            throw ExportError("cannot move the new export into \(target): \(reason)")
        }
        if let old { try? fm.removeItem(atPath: old) }
    }

    /// Removes the staging directory after a failure.
    func abandon() { try? FileManager.default.removeItem(atPath: staging) }
}
