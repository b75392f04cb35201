import Foundation

/// An error writing an agent's or git's configuration, with the file it concerns.
public struct IntegrationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Writes configuration files the way an editor should: whole or not at all, with the original kept once.
public enum AtomicFile {
    /// The suffix of the copy of a file as it was before mnem first changed it.
    public static let backupSuffix = ".mnem-backup"

    /// The file's bytes, or nil when it does not exist.
    public static func read(_ path: String) throws -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IntegrationError("cannot read \(path)")
        }
        return Array(data)
    }

    /// Replaces `path` with `bytes` through a temporary file in the same directory and a rename,
    /// so a reader (the agent) never sees half a file. The first time mnem changes an existing
    /// file, a copy of the original is kept beside it as `<path>.mnem-backup`.
    ///
    /// - Parameter mode: the permissions of a new file (an existing file keeps its own).
    public static func write(_ bytes: [UInt8], to path: String, mode: Int = 0o644) throws {
        let fm = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw IntegrationError("cannot create \(directory): \(error.localizedDescription)")
        }
        var permissions = mode
        if fm.fileExists(atPath: path) {
            if let existing = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber {
                permissions = existing.intValue
            }
            let backup = path + backupSuffix
            if !fm.fileExists(atPath: backup) {
                do {
                    try fm.copyItem(atPath: path, toPath: backup)
                } catch {
                    throw IntegrationError("cannot keep a backup of \(path) at \(backup): \(error.localizedDescription)")
                }
            }
        }
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).mnem-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        guard fm.createFile(atPath: temporary, contents: Data(bytes), attributes: [.posixPermissions: permissions]) else {
            throw IntegrationError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? fm.removeItem(atPath: temporary)
            throw IntegrationError("cannot replace \(path): \(reason)")
        }
    }

    /// Removes a file mnem created; a missing file is fine.
    public static func remove(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw IntegrationError("cannot remove \(path): \(error.localizedDescription)")
        }
    }
}
