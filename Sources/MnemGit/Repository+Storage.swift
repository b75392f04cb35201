import CGit2
import Foundation

/// A file of the object database, with its modification time.
public struct StoredFile: Sendable, Hashable {
    public var path: String
    public var modified: Date
    public var bytes: Int
}

/// A loose object: one file under `objects/xx/`.
public struct LooseObject: Sendable, Hashable {
    public var id: ObjectID
    public var file: StoredFile
}

/// A pack and its index.
public struct PackFile: Sendable, Hashable {
    /// The pack's path without its extension (`…/objects/pack/pack-<hash>`).
    public var base: String
    /// The newer of the two files' modification times (libgit2 and git freshen the pack).
    public var modified: Date
    public var bytes: Int
    /// How many objects its index lists (0 when the index cannot be read).
    public var objects: Int
}

/// What the object database holds on disk, file by file.
public struct StorageListing: Sendable {
    public var loose: [LooseObject] = []
    public var packs: [PackFile] = []
    /// Temporary files of interrupted writes (`tmp_object_git2_*`, `pack_git2_*`, git's
    /// `tmp_obj_*` and `tmp_pack_*`) and packs without an index.
    public var temporary: [StoredFile] = []
}

extension Repository {
    /// The loose objects in a few of the 256 fan-out directories, from `first` on in steps of
    /// 256 / `directories`: about `directories`/256 of all loose objects, for one readdir each.
    public func looseObjectSample(from first: UInt8, directories: Int) -> Int {
        let step = max(1, 256 / max(1, directories))
        var count = 0
        for k in 0..<directories {
            let byte = (Int(first) + k * step) & 0xFF
            let directory = gitDirectory + "objects/" + String(format: "%02x", byte)
            count += (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? 0
        }
        return count
    }

    /// Every loose object, pack and temporary file of the object database.
    public func storageListing() -> StorageListing {
        var listing = StorageListing()
        let objects = gitDirectory + "objects/"
        let manager = FileManager.default
        func file(_ path: String) -> StoredFile? {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
            return StoredFile(path: path, modified: modified, bytes: Int(info.st_size))
        }
        func isTemporary(_ name: String) -> Bool {
            name.hasPrefix("tmp_object_git2_") || name.hasPrefix("pack_git2_") || name.hasPrefix("tmp_obj_") || name.hasPrefix("tmp_pack_")
                || name.hasPrefix("tmp_idx_")
        }
        for name in (try? manager.contentsOfDirectory(atPath: objects)) ?? [] {
            if isTemporary(name) {
                if let found = file(objects + name) { listing.temporary.append(found) }
                continue
            }
            guard name.utf8.count == 2, name.utf8.allSatisfy({ $0 < 0x80 && ($0 >= 0x30 && $0 <= 0x39 || $0 >= 0x61 && $0 <= 0x66) }) else { continue }
            for entry in (try? manager.contentsOfDirectory(atPath: objects + name)) ?? [] {
                let path = objects + name + "/" + entry
                if isTemporary(entry) {
                    if let found = file(path) { listing.temporary.append(found) }
                } else if entry.utf8.count == 38, let id = ObjectID(hex: name + entry), let found = file(path) {
                    listing.loose.append(LooseObject(id: id, file: found))
                }
            }
        }
        let packDirectory = objects + "pack/"
        let names = Set((try? manager.contentsOfDirectory(atPath: packDirectory)) ?? [])
        for name in names.sorted() {
            if isTemporary(name) {
                if let found = file(packDirectory + name) { listing.temporary.append(found) }
            } else if name.hasPrefix("pack-"), name.hasSuffix(".pack") {
                let base = String(name.dropLast(5))
                guard let pack = file(packDirectory + name) else { continue }
                guard names.contains(base + ".idx"), let index = file(packDirectory + base + ".idx") else {
                    listing.temporary.append(pack)
                    continue
                }
                listing.packs.append(
                    PackFile(
                        base: packDirectory + base, modified: max(pack.modified, index.modified), bytes: pack.bytes + index.bytes,
                        objects: PackIndex.count(at: index.path)))
            }
        }
        return listing
    }

    /// The ids a pack's index lists.
    ///
    public func objectIDs(inPack pack: PackFile) throws(GitError) -> [ObjectID] {
        try PackIndex.ids(at: pack.base + ".idx")
    }

    /// Writes one pack holding `objects`, and everything `tips` reach when given (the reachable
    /// history), with libgit2's pack builder (delta compression included).
    ///
    /// Wraps `git_packbuilder_new`, `git_packbuilder_insert`, `git_revwalk_push`,
    /// `git_packbuilder_insert_walk`, `git_packbuilder_write` and `git_odb_refresh`.
    /// - Returns: how many objects the pack holds.
    @discardableResult
    public func writePack(objects: [ObjectID], reachableFrom tips: [ObjectID] = []) throws(GitError) -> Int {
        var builder: OpaquePointer?
        try check(git_packbuilder_new(&builder, handle), "git_packbuilder_new", gitDirectory)
        defer { git_packbuilder_free(builder) }
        // The machine is shared with the writes the pack is for.
        _ = git_packbuilder_set_threads(builder, 1)
        if !tips.isEmpty {
            var walk: OpaquePointer?
            try check(git_revwalk_new(&walk, handle), "git_revwalk_new", gitDirectory)
            defer { git_revwalk_free(walk) }
            for tip in tips {
                var oid = tip.raw
                try check(git_revwalk_push(walk, &oid), "git_revwalk_push", tip.hex)
            }
            try check(git_packbuilder_insert_walk(builder, walk), "git_packbuilder_insert_walk", gitDirectory)
        }
        for id in objects {
            var oid = id.raw
            try check(git_packbuilder_insert(builder, &oid, nil), "git_packbuilder_insert", id.hex)
        }
        let count = git_packbuilder_object_count(builder)
        guard count > 0 else { return 0 }
        try check(git_packbuilder_write(builder, gitDirectory + "objects/pack", 0, nil, nil), "git_packbuilder_write", gitDirectory)
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb", gitDirectory)
        defer { git_odb_free(odb) }
        try check(git_odb_refresh(odb), "git_odb_refresh", gitDirectory)
        return count
    }
}
