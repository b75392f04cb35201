import CGit2
import Foundation

/// What a remote advertises: the branch its HEAD names, and its branches.
public struct RemoteAdvertisement: Sendable {
    /// The reference the remote's HEAD points to (`refs/heads/main`), nil when it sends none.
    public var head: String?
    /// Every reference the remote advertises, with its commit.
    public var references: [String: ObjectID]

    /// Whether a `git clone` of the remote checks out a branch: its HEAD names one that exists.
    public var headResolves: Bool { head.map { references[$0] != nil } ?? false }
}

extension Repository {
    /// Asks `url` what it holds, without fetching anything.
    ///
    /// A repository on this machine is opened directly (its HEAD is read as a symbolic
    /// reference, which the local transport does not report); a network remote is asked through
    /// libgit2 with the same credentials as a fetch.
    /// Wraps `git_remote_connect` and `git_remote_ls` (through `RemoteConnection`).
    /// - Throws: `GitError` when the remote cannot be reached or read.
    public func advertisement(ofRemote url: String, credentials: RemoteCredentials) throws(GitError) -> RemoteAdvertisement {
        if let path = Self.localPath(ofRemote: url) {
            let remote = try Repository.open(at: path)
            var references: [String: ObjectID] = [:]
            for name in try remote.referenceNames() {
                if let id = try remote.resolveReference(name) { references[name] = id }
            }
            let head = try remote.headReferenceName()
            return RemoteAdvertisement(head: head == "HEAD" ? nil : head, references: references)
        }
        let connection = try RemoteConnection(self, url: url, direction: .fetch, credentials: credentials)
        var advertisement = RemoteAdvertisement(head: nil, references: [:])
        for head in try connection.heads() {
            if head.name == "HEAD" {
                advertisement.head = head.symbolicTarget
            } else {
                advertisement.references[head.name] = head.id
            }
        }
        return advertisement
    }
}
