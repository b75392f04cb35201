#if canImport(Glibc)
import Glibc
#endif

/// A sidecar that cannot be read or written at all: the system call, the path and errno's text.
public struct SidecarError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func system(_ call: String, path: String, errno code: Int32) -> SidecarError {
        SidecarError("\(call) \(path): \(String(cString: strerror(code)))")
    }
}

/// Why a sidecar on disk is not trusted; the index is rebuilt and this is reported.
public enum SidecarProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case empty
    case truncatedHeader(size: Int)
    case badMagic
    case unsupportedVersion(UInt32)
    case headerChecksumMismatch
    case badElementType(UInt32)
    case embedderMismatch(found: String, expected: String)
    case dimensionMismatch(found: Int, expected: Int)
    case inconsistentLayout(String)
    case sizeMismatch(expected: Int, actual: Int)
    case metadataChecksumMismatch
    case vectorChecksumMismatch
    case commitUnknown(String)

    public var description: String {
        switch self {
        case .missing: "no sidecar yet"
        case .empty: "the sidecar is empty (0 bytes)"
        case .truncatedHeader(let size): "the sidecar is truncated: \(size) bytes, shorter than its header"
        case .badMagic: "not a mnem sidecar (wrong magic)"
        case .unsupportedVersion(let v): "sidecar format version \(v) is not supported (expected \(SidecarLayout.version))"
        case .headerChecksumMismatch: "the sidecar header fails its checksum"
        case .badElementType(let t): "unknown element type \(t)"
        case .embedderMismatch(let found, let expected): "the sidecar was built by embedder '\(found)', not '\(expected)'"
        case .dimensionMismatch(let found, let expected): "the sidecar has dimension \(found), the embedder \(expected)"
        case .inconsistentLayout(let why): "the sidecar layout is inconsistent: \(why)"
        case .sizeMismatch(let expected, let actual): "the sidecar should be \(expected) bytes for its count but is \(actual) (truncated or extended)"
        case .metadataChecksumMismatch: "the sidecar's ids or filter columns fail their checksum"
        case .vectorChecksumMismatch: "the sidecar's vectors fail their checksum"
        case .commitUnknown(let commit): "the indexed commit \(commit) is not in the pool any more"
        }
    }
}
