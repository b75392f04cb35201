import Foundation
import MnemCapture
import MnemCore
import MnemGit

/// The code commit a git hook runs for: recorded in the `source` of the memories it captures.
public struct CodeCommit: Sendable, Hashable {
    public var sha: String
    public var branch: String?
    /// The `origin` remote's URL, else the repository's root directory.
    public var repository: String

    /// HEAD of the repository at `root`, or nil before the first commit or outside a repository.
    public static func head(repositoryRoot root: String) -> CodeCommit? {
        guard let repository = try? Repository.open(at: root), let sha = try? repository.resolveReference("HEAD") else { return nil }
        var branch: String?
        if let name = try? repository.headReferenceName(), name.hasPrefix("refs/heads/") {
            branch = String(name.dropFirst("refs/heads/".count))
        }
        let remote = (try? repository.configValue("remote.origin.url")).flatMap { $0 }
        return CodeCommit(sha: sha.hex, branch: branch, repository: remote ?? root)
    }
}

/// Capture as hooks do it: through the capture engine, into one commit of the pool.
public enum HookCapture {
    /// Captures `paths` (transcripts, or directories of them) into `pool`.
    ///
    /// Without `codeCommit` this is exactly `Capturer.capture`. With it, the trajectories the
    /// capture would add are first built (a dry run that still sees the pool, so re-captures and
    /// `supersedes` come out the same), then get the commit, branch and repository in their
    /// `source` before they are added in one commit. Sessions already in the pool unchanged are
    /// left alone: a git hook records the commit only for work not captured before.
    /// - Throws: pool errors; a bad transcript is reported in the summary's `skipped`.
    public static func capture(paths: [String], pool: Pool, codeCommit: CodeCommit? = nil) throws -> CaptureSummary {
        guard let codeCommit else { return try Capturer(pool: pool).capture(paths: paths) }
        var options = CaptureOptions()
        options.dryRun = true
        var summary = try Capturer(pool: pool, options: options).capture(paths: paths)
        let wanted = Set(summary.captured.map(\.id))
        var renamed: [MemoryID: MemoryID] = [:]
        var toAdd: [Memory] = []
        for var memory in summary.memories where wanted.contains(memory.id) {
            let old = memory.id
            memory.source.commit = codeCommit.sha
            memory.source.branch = codeCommit.branch ?? memory.source.branch
            memory.source.repository = codeCommit.repository
            memory.refreshID()
            renamed[old] = memory.id
            toAdd.append(memory)
        }
        for index in summary.captured.indices {
            if let new = renamed[summary.captured[index].id] { summary.captured[index].id = new }
        }
        guard !toAdd.isEmpty else { return summary }
        let info = CommitInfo(
            summary: "capture: \(toAdd.count) trajector\(toAdd.count == 1 ? "y" : "ies") at commit \(codeCommit.sha.prefix(10))",
            trailers: [("Code-Commit", codeCommit.sha), ("Code-Repository", codeCommit.repository)])
        let result = try pool.add(toAdd, info: info)
        let added = Set(result.added)
        summary.captured.removeAll { !added.contains($0.id) }
        summary.unchanged += result.unchanged
        summary.commit = result.commit?.hex
        return summary
    }
}
