import CGit2
import Foundation

/// A directory that holds what a fetch brings until it has been checked, and a second handle on
/// the pool that reads the pool's objects and the quarantined ones together but writes only into
/// the quarantine (git's own `tmp_objdir` for `receive-pack`, built from libgit2's object
/// database backends).
///
/// Nothing reaches the pool's object database until `migrate` moves the checked packs in; a
/// refused fetch just drops the directory (`deinit`), so it leaves nothing behind. The handle's
/// references are the pool's, so a fetch tells the server what the pool already has.
///
/// Packs arriving from a network remote pass through a `PackStreamScanner` on their way into
/// libgit2's indexer, so an object over its limit stops the transfer before it is inflated.
public final class Quarantine {
    /// The quarantine directory (`<git dir>/mnem-quarantine/<pid>-<random>`), holding `pack/`.
    public let directory: String
    /// Reads the pool and the quarantine; writes (a download's pack) land in the quarantine.
    public let repository: Repository
    private let pool: Repository
    private let scanState: ScanState

    /// Where quarantine directories live inside a pool's git directory.
    public static func root(of repository: Repository) -> String { repository.gitDirectory + "mnem-quarantine" }

    /// Creates an empty quarantine beside `pool`'s objects.
    ///
    /// Wraps `git_odb_new`, `git_odb_add_backend` (the scanning pack writer, then a pack and a
    /// loose backend on the quarantine), `git_odb_add_disk_alternate` (the pool's objects) and
    /// `git_repository_set_odb`.
    public init(pool: Repository, limits: HistoryLimits, maxObjects: Int) throws(GitError) {
        self.pool = pool
        directory = Self.root(of: pool) + "/\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try FileManager.default.createDirectory(atPath: directory + "/pack", withIntermediateDirectories: true)
        } catch {
            throw GitError(code: -1, message: "cannot create the quarantine: \(error.localizedDescription)", operation: "Quarantine", subject: directory)
        }
        scanState = ScanState(packDirectory: directory + "/pack", limits: limits, maxObjects: maxObjects)
        do {
            repository = try Repository.open(at: pool.gitDirectory)
            try Self.installObjectDatabase(in: repository, quarantine: directory, poolObjects: pool.gitDirectory + "objects", scan: scanState)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Why the scanner stopped the last download, if it did: `(kind, reason)`.
    public var scanViolation: (kind: String, reason: String)? { scanState.violation }

    private static func installObjectDatabase(in repository: Repository, quarantine: String, poolObjects: String, scan: ScanState) throws(GitError) {
        var odb: OpaquePointer?
        try check(git_odb_new(&odb), "git_odb_new", quarantine)
        defer { git_odb_free(odb) }
        try check(git_odb_add_backend(odb, makeScanningBackend(scan), 3), "git_odb_add_backend", quarantine)
        var packs: UnsafeMutablePointer<git_odb_backend>?
        try check(git_odb_backend_pack(&packs, quarantine), "git_odb_backend_pack", quarantine)
        try check(git_odb_add_backend(odb, packs, 2), "git_odb_add_backend", quarantine)
        var loose: UnsafeMutablePointer<git_odb_backend>?
        try check(git_odb_backend_loose(&loose, quarantine, -1, 0, 0, 0), "git_odb_backend_loose", quarantine)
        try check(git_odb_add_backend(odb, loose, 1), "git_odb_add_backend", quarantine)
        try check(git_odb_add_disk_alternate(odb, poolObjects), "git_odb_add_disk_alternate", poolObjects)
        try check(git_repository_set_odb(repository.handle, odb), "git_repository_set_odb", quarantine)
    }

    /// The ids of every object in the quarantine's packs.
    public func objectIDs() throws(GitError) -> [ObjectID] {
        var ids: [ObjectID] = []
        for index in packIndexes() { ids += try PackIndex.ids(at: index) }
        return ids
    }

    private func packIndexes() -> [String] {
        let pack = directory + "/pack"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pack)) ?? []
        return names.filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }.sorted().map { pack + "/" + $0 }
    }

    /// Copies `ids` from `source` (a repository on this machine) into the quarantine as one pack,
    /// each read only after its header says it fits `limits`.
    ///
    /// Wraps `git_odb_read_header` and `git_odb_read`; the pack goes through libgit2's indexer.
    public func copy(_ ids: [ObjectID], from source: Repository, limits: HistoryLimits) throws(GitError) {
        guard !ids.isEmpty else { return }
        let writer = try PackWriter(repository: repository, directory: directory + "/pack", count: ids.count)
        for id in ids {
            let kind = try source.objectHeader(id).kind
            let bytes = try source.readObject(id, kind: kind, maxBytes: limits.maxBytes(kind))
            _ = try writer.add(kind, bytes)
        }
        _ = try writer.finish()
        try refresh(repository)
    }

    /// Moves the quarantine's packs into the pool's `objects/pack` (each pack before its index,
    /// so git never sees an index without its pack), and has the pool see them.
    ///
    /// Wraps `git_odb_refresh`.
    public func migrate() throws(GitError) {
        let target = pool.gitDirectory + "objects/pack/"
        for index in packIndexes() {
            let pack = String(index.dropLast(4)) + ".pack"
            let name = (pack as NSString).lastPathComponent
            for (from, to) in [(pack, target + name), (index, target + String(name.dropLast(5)) + ".idx")] {
                guard rename(from, to) == 0 else {
                    throw GitError(code: -1, message: "cannot move \(from) into the pool: \(String(cString: strerror(errno)))", operation: "Quarantine.migrate", subject: to)
                }
            }
        }
        try refresh(pool)
    }

    private func refresh(_ repository: Repository) throws(GitError) {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, repository.handle), "git_repository_odb", repository.gitDirectory)
        defer { git_odb_free(odb) }
        try check(git_odb_refresh(odb), "git_odb_refresh", repository.gitDirectory)
    }
}

// MARK: - The scanning pack writer

/// What the scanning backend shares with its pack writers.
private final class ScanState {
    let packDirectory: String
    let limits: HistoryLimits
    let maxObjects: Int
    var violation: (kind: String, reason: String)?

    init(packDirectory: String, limits: HistoryLimits, maxObjects: Int) {
        self.packDirectory = packDirectory
        self.limits = limits
        self.maxObjects = maxObjects
    }
}

/// One pack being received: the scanner in front of libgit2's indexer.
private final class ScanningWriter {
    let state: ScanState
    let scanner: PackStreamScanner
    let indexer: OpaquePointer

    init(state: ScanState, indexer: OpaquePointer) {
        self.state = state
        self.indexer = indexer
        scanner = PackStreamScanner(limits: state.limits, maxObjects: state.maxObjects)
    }

    deinit { git_indexer_free(indexer) }

    func fail(_ violation: PackStreamScanner.Violation) -> Int32 {
        state.violation = (violation.kind, violation.reason)
        git_error_set_str(Int32(GIT_ERROR_INVALID.rawValue), "refused: \(violation.reason)")
        return -1
    }
}

private func scanState(_ backend: UnsafeMutablePointer<git_odb_backend>?) -> ScanState? {
    guard let backend, let payload = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: mnem_odb_backend.self).pointee.payload else { return nil }
    return Unmanaged<ScanState>.fromOpaque(payload).takeUnretainedValue()
}

private func scanningWriter(_ writepack: UnsafeMutablePointer<git_odb_writepack>?) -> ScanningWriter? {
    guard let writepack, let payload = UnsafeMutableRawPointer(writepack).assumingMemoryBound(to: mnem_odb_writepack.self).pointee.payload else { return nil }
    return Unmanaged<ScanningWriter>.fromOpaque(payload).takeUnretainedValue()
}

/// A backend that only receives packs (reads fall through to the other backends); the object
/// database owns it and calls its `free`.
private func makeScanningBackend(_ state: ScanState) -> UnsafeMutablePointer<git_odb_backend> {
    let backend = UnsafeMutablePointer<mnem_odb_backend>.allocate(capacity: 1)
    backend.initialize(to: mnem_odb_backend())
    _ = git_odb_init_backend(&backend.pointee.parent, UInt32(GIT_ODB_BACKEND_VERSION))
    backend.pointee.payload = Unmanaged.passRetained(state).toOpaque()
    backend.pointee.parent.read_header = { _, _, _, _ in GIT_ENOTFOUND.rawValue }
    backend.pointee.parent.exists = { _, _ in 0 }
    backend.pointee.parent.foreach = { _, _, _ in 0 }
    backend.pointee.parent.free = { raw in
        guard let raw else { return }
        let own = UnsafeMutableRawPointer(raw).assumingMemoryBound(to: mnem_odb_backend.self)
        if let payload = own.pointee.payload { Unmanaged<ScanState>.fromOpaque(payload).release() }
        own.deinitialize(count: 1)
        own.deallocate()
    }
    backend.pointee.parent.writepack = { out, raw, odb, progress, progressPayload in
        guard let out, let state = scanState(raw) else { return -1 }
        var options = git_indexer_options()
        git_indexer_options_init(&options, UInt32(GIT_INDEXER_OPTIONS_VERSION))
        options.progress_cb = progress
        options.progress_cb_payload = progressPayload
        var indexer: OpaquePointer?
        let code = git_indexer_new(&indexer, state.packDirectory, 0, odb, &options)
        guard code == 0, let indexer else { return code < 0 ? code : -1 }
        let writer = ScanningWriter(state: state, indexer: indexer)
        let pack = UnsafeMutablePointer<mnem_odb_writepack>.allocate(capacity: 1)
        pack.initialize(to: mnem_odb_writepack())
        pack.pointee.parent.backend = raw
        pack.pointee.payload = Unmanaged.passRetained(writer).toOpaque()
        pack.pointee.parent.append = { writepack, data, size, stats in
            guard let writer = scanningWriter(writepack) else { return -1 }
            do throws(PackStreamScanner.Violation) {
                try writer.scanner.feed(UnsafeRawBufferPointer(start: data, count: size))
            } catch {
                return writer.fail(error)
            }
            return git_indexer_append(writer.indexer, data, size, stats)
        }
        pack.pointee.parent.commit = { writepack, stats in
            guard let writer = scanningWriter(writepack) else { return -1 }
            do throws(PackStreamScanner.Violation) { try writer.scanner.finish() } catch { return writer.fail(error) }
            return git_indexer_commit(writer.indexer, stats)
        }
        pack.pointee.parent.free = { writepack in
            guard let writepack else { return }
            let own = UnsafeMutableRawPointer(writepack).assumingMemoryBound(to: mnem_odb_writepack.self)
            if let payload = own.pointee.payload { Unmanaged<ScanningWriter>.fromOpaque(payload).release() }
            own.deinitialize(count: 1)
            own.deallocate()
        }
        out.pointee = UnsafeMutableRawPointer(pack).assumingMemoryBound(to: git_odb_writepack.self)
        return 0
    }
    return UnsafeMutableRawPointer(backend).assumingMemoryBound(to: git_odb_backend.self)
}
