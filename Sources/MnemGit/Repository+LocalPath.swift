import CGit2
import Foundation

extension Repository {
    /// The directory a remote URL names on this machine (a path or `file://`), or nil for a network URL.
    public static func localPath(ofRemote url: String) -> String? {
        if url.hasPrefix("file://") { return URL(string: url)?.path }
        if url.contains("://") { return nil }
        // scp-like `host:path` is ssh; a path has no ':' before its first '/'.
        if let colon = url.firstIndex(of: ":"), url.firstIndex(of: "/").map({ colon < $0 }) ?? true { return nil }
        return url
    }
}
