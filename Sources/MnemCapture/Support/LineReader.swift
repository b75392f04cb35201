import Foundation
import MnemCore

/// Reads a file in fixed-size chunks and hands out one line at a time, hashing as it goes.
///
/// Memory stays bounded by the chunk size plus the longest line, so a 200 MB transcript is
/// never held whole. The SHA-256 of every byte read is available once the file is consumed.
/// Owns its file descriptor: closed in `deinit`.
struct LineReader: ~Copyable {
    static let chunkSize = 1 << 20
    /// A line longer than this is skipped (reported as corrupt) rather than buffered.
    static let maxLineLength = 64 << 20

    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    private(set) var lineNumber = 0
    private var hasher = SHA256()
    private let hashing: Bool
    private(set) var bytesRead = 0
    /// Bytes asked of each read: the chunk size, or less for a smaller file (a hook's transcript
    /// of a few kilobytes needs no megabyte buffer).
    private let readSize: Int

    /// - Parameter hashing: whether to compute the digest (detection, which reads a few lines, does not).
    init(path: String, hashing: Bool = true) throws(TranscriptError) {
        self.path = path
        self.hashing = hashing
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw TranscriptError(file: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : Self.chunkSize
        readSize = min(Self.chunkSize, max(4096, size + 1))
    }

    deinit { close(fd) }

    /// `sha256:<hex>` of every byte read so far; call after the last line.
    mutating func digest() -> String {
        var copy = hasher
        return "sha256:" + copy.finalize().hexString
    }

    /// Reads the rest of the file (for the digest) without splitting lines.
    mutating func drain() throws(TranscriptError) {
        while !atEOF { try fill() }
        start = buffer.count
    }

    private mutating func fill() throws(TranscriptError) {
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let oldCount = buffer.count
        buffer.reserveCapacity(oldCount + readSize)
        var n = 0
        let chunk = [UInt8](unsafeUninitializedCapacity: readSize) { bytes, count in
            n = read(fd, bytes.baseAddress, readSize)
            count = max(0, n)
        }
        if n < 0 {
            throw TranscriptError(file: path, line: lineNumber + 1, reason: "read failed: \(String(cString: strerror(errno)))")
        }
        if n == 0 {
            atEOF = true
            return
        }
        if hashing { chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) } }
        buffer.append(contentsOf: chunk[0..<n])
        bytesRead += n
    }

    /// Calls `body` with the next line's bytes (without the newline, or a trailing `\r`);
    /// returns false at the end of the file. A too-long line is passed as nil.
    mutating func next<R>(_ body: (UnsafeBufferPointer<UInt8>?) throws -> R) throws -> R? {
        var searchFrom = start
        while true {
            let end = buffer.count
            let newline: Int? = buffer.withUnsafeBufferPointer { buf -> Int? in
                guard searchFrom < end, let base = buf.baseAddress else { return nil }
                guard let hit = memchr(base + searchFrom, 0x0A, end - searchFrom) else { return nil }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            if let newline {
                lineNumber += 1
                let lineStart = start
                start = newline + 1
                var lineEnd = newline
                if lineEnd > lineStart, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                return try buffer.withUnsafeBufferPointer { buf in
                    try body(UnsafeBufferPointer(rebasing: buf[lineStart..<lineEnd]))
                }
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                lineNumber += 1
                let lineStart = start
                start = buffer.count
                return try buffer.withUnsafeBufferPointer { buf in
                    try body(UnsafeBufferPointer(rebasing: buf[lineStart..<buf.count]))
                }
            }
            if buffer.count - start > Self.maxLineLength {
                // Skip to the next newline without keeping the line.
                lineNumber += 1
                buffer.removeAll(keepingCapacity: true)
                start = 0
                while !atEOF {
                    try fill()
                    if let i = buffer.firstIndex(of: 0x0A) {
                        start = i + 1
                        break
                    }
                    buffer.removeAll(keepingCapacity: true)
                }
                return try body(nil)
            }
            // fill() drops the consumed prefix, so the current line then starts at offset 0.
            searchFrom = buffer.count - start
            try fill()
        }
    }
}

/// Reads a whole (non-line-oriented) document, with its digest.
func readWholeFile(_ path: String) throws(TranscriptError) -> (data: Data, digest: String) {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw TranscriptError(file: path, line: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
    }
    defer { try? handle.close() }
    let data: Data
    do {
        data = try handle.readToEnd() ?? Data()
    } catch {
        throw TranscriptError(file: path, line: 0, reason: "read failed: \(error.localizedDescription)")
    }
    var hasher = SHA256()
    data.withUnsafeBytes { hasher.update($0) }
    return (data, "sha256:" + hasher.finalize().hexString)
}
