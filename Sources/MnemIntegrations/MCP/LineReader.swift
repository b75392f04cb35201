/// Splits a byte stream into newline-terminated lines, in time linear in the bytes read and
/// memory bounded by the longest line it accepts.
///
/// The stdio transport of MCP is one JSON-RPC message per line. Searching the whole buffer for a
/// newline after every read made a line that arrives in many chunks quadratic (a 32 MB line cost
/// 25 s): here each byte is examined once, in the chunk it arrives in, and only the unfinished
/// line is kept between chunks.
///
/// A line longer than `maxLineBytes` is not kept: its bytes are dropped as they arrive and the
/// line is reported as `.tooLong` once its newline (or the end of input) comes, so the caller can
/// answer it with an error and go on with the next message.
public struct LineReader {
    /// What the reader hands out.
    public enum Item: Equatable {
        /// A complete line, without its newline.
        case line([UInt8])
        /// A line that exceeded the limit; `bytes` is how long it was (without its newline).
        case tooLong(bytes: Int)
    }

    public let maxLineBytes: Int
    /// The unfinished line.
    private var buffer: [UInt8] = []
    /// The length of the line being dropped, or nil when not dropping.
    private var dropping: Int?
    /// Bytes examined for a newline so far, over the reader's life (each byte once): for tests.
    public private(set) var bytesExamined = 0
    /// The most bytes held at once: for tests.
    public private(set) var peakBufferedBytes = 0

    public init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// Adds a chunk and returns the items it completes, in order.
    ///
    /// - Complexity: O(`chunk.count`) amortized.
    public mutating func feed(_ chunk: [UInt8]) -> [Item] {
        var items: [Item] = []
        var offset = 0
        while offset < chunk.count {
            let rest = chunk[offset...]
            let newline = rest.firstIndex(of: 0x0A)
            let end = newline ?? chunk.endIndex
            bytesExamined += end - offset + (newline == nil ? 0 : 1)
            let piece = chunk[offset..<end]
            if let length = dropping {
                dropping = length + piece.count
            } else if buffer.count + piece.count > maxLineBytes {
                dropping = buffer.count + piece.count
                buffer = []
            } else {
                buffer.append(contentsOf: piece)
                peakBufferedBytes = max(peakBufferedBytes, buffer.count)
            }
            guard newline != nil else { break }
            items.append(finishLine())
            offset = end + 1
        }
        return items
    }

    /// The last line when input ends without a newline; nil when nothing is pending.
    public mutating func finish() -> Item? {
        if dropping != nil || !buffer.isEmpty { return finishLine() }
        return nil
    }

    private mutating func finishLine() -> Item {
        if let length = dropping {
            dropping = nil
            return .tooLong(bytes: length)
        }
        let line = buffer
        buffer.removeAll(keepingCapacity: true)
        return .line(line)
    }
}
