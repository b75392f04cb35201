import CGit2

/// Reads a pack as it arrives from a remote and refuses it at the first object whose declared
/// size is over the limit for its kind, before libgit2's indexer inflates anything.
///
/// A pack object's header states its type and inflated size; a delta's own data starts with the
/// size of the object it rebuilds. The indexer hashes plain objects as a stream, but rebuilds
/// each delta whole in memory, and sizes its tables by the object count the pack header claims:
/// so the count, every plain object's size and every delta's result size are checked here, as
/// the bytes pass. Each object's compressed data is inflated through a small buffer only to find
/// where it ends (zlib streams carry no length).
///
/// The object count, the data of a delta, and one buffer of 64 KiB are all the memory it needs.
public final class PackStreamScanner {
    public struct Violation: Error, Sendable, CustomStringConvertible {
        /// `size` for an object over its limit, `history` for a malformed or oversized pack.
        public var kind: String
        public var reason: String
        public var description: String { reason }
    }

    private enum State {
        case packHeader
        case objectHeader
        case ofsOffset
        case refBase
        case data
        case trailer
        case done
    }

    let limits: HistoryLimits
    let maxObjects: Int
    private var state = State.packHeader
    private var pending: [UInt8] = []
    private var objectCount = 0
    private var objectsSeen = 0
    /// Where the bytes seen so far end, from the start of the pack.
    private var offset = 0
    private var objectStart = 0
    private var headerSize = 0
    private var headerShift = 0
    private var objectType: UInt8 = 0
    private var ofs = 0
    private var ofsBytes = 0
    /// For a delta: the kind its base resolves to, when known (an offset delta).
    private var deltaBaseKind: ObjectKind?
    /// The first bytes a delta inflates to: its base size and result size.
    private var deltaHead: [UInt8] = []
    private var deltaChecked = false
    /// The kind each object resolves to, by its offset, for offset deltas that name it.
    private var kinds: [Int: ObjectKind] = [:]
    private var stream = z_stream()
    private var streamReady = false
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    /// - Parameters:
    ///   - limits: the bound for each kind of object (`HistoryLimits.maxBytes`).
    ///   - maxObjects: the most objects a pack may claim to hold.
    public init(limits: HistoryLimits, maxObjects: Int) {
        self.limits = limits
        self.maxObjects = maxObjects
    }

    deinit { if streamReady { inflateEnd(&stream) } }

    /// Consumes the next bytes of the pack.
    /// - Throws: `Violation` at the first object over its limit, or a malformed pack.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(Violation) {
        guard offset + bytes.count <= limits.maxPackBytes else {
            throw Violation(kind: "size", reason: "a pack of more than \(limits.maxPackBytes) bytes")
        }
        var i = 0
        while i < bytes.count {
            switch state {
            case .packHeader:
                pending.append(bytes[i])
                i += 1
                offset += 1
                if pending.count == 12 { try readPackHeader() }
            case .objectHeader:
                let c = bytes[i]
                i += 1
                offset += 1
                try readObjectHeaderByte(c)
            case .ofsOffset:
                let c = bytes[i]
                i += 1
                offset += 1
                try readOffsetByte(c)
            case .refBase:
                pending.append(bytes[i])
                i += 1
                offset += 1
                if pending.count == 20 {
                    pending.removeAll(keepingCapacity: true)
                    deltaBaseKind = nil
                    try startData()
                }
            case .data:
                i += try inflateSome(UnsafeRawBufferPointer(rebasing: bytes[i...]))
            case .trailer:
                let take = min(20 - pending.count, bytes.count - i)
                pending.append(contentsOf: bytes[i..<(i + take)])
                i += take
                offset += take
                if pending.count == 20 { state = .done }
            case .done:
                // Whatever follows the trailer is the indexer's to judge.
                return
            }
        }
    }

    /// Checks that the pack ended where its header said it would.
    public func finish() throws(Violation) {
        guard case .done = state else {
            throw Violation(kind: "history", reason: "the pack ended early (\(objectsSeen) of \(objectCount) objects)")
        }
    }

    private func readPackHeader() throws(Violation) {
        let p = pending
        guard p[0] == 0x50, p[1] == 0x41, p[2] == 0x43, p[3] == 0x4B else { throw Violation(kind: "history", reason: "not a pack") }
        let version = UInt32(p[4]) << 24 | UInt32(p[5]) << 16 | UInt32(p[6]) << 8 | UInt32(p[7])
        guard version == 2 || version == 3 else { throw Violation(kind: "history", reason: "pack version \(version)") }
        objectCount = Int(UInt32(p[8]) << 24 | UInt32(p[9]) << 16 | UInt32(p[10]) << 8 | UInt32(p[11]))
        guard objectCount <= maxObjects else {
            throw Violation(kind: "history", reason: "a pack of \(objectCount) objects, more than the limit of \(maxObjects)")
        }
        pending.removeAll(keepingCapacity: true)
        state = objectCount == 0 ? .trailer : .objectHeader
        beginObject()
    }

    private func beginObject() {
        objectStart = offset
        headerSize = 0
        headerShift = 0
        objectType = 0
        ofs = 0
        ofsBytes = 0
        deltaBaseKind = nil
        deltaHead.removeAll(keepingCapacity: true)
        deltaChecked = false
    }

    private func readObjectHeaderByte(_ c: UInt8) throws(Violation) {
        if headerShift == 0 {
            objectType = (c >> 4) & 0x07
            headerSize = Int(c & 0x0F)
            headerShift = 4
        } else {
            guard headerShift <= 56 else { throw Violation(kind: "history", reason: "malformed object header in the pack") }
            headerSize |= Int(c & 0x7F) << headerShift
            headerShift += 7
        }
        guard c & 0x80 == 0 else { return }
        switch objectType {
        case 1, 2, 3, 4:
            let kind = Self.kind(objectType)
            let limit = limits.maxBytes(kind)
            guard headerSize <= limit else {
                throw Violation(kind: "size", reason: "a \(kind.rawValue) of \(headerSize) bytes in the pack, more than the limit of \(limit)")
            }
            kinds[objectStart] = kind
            try startData()
        case 6:
            state = .ofsOffset
        case 7:
            state = .refBase
        default:
            throw Violation(kind: "history", reason: "object type \(objectType) in the pack")
        }
    }

    private func readOffsetByte(_ c: UInt8) throws(Violation) {
        if ofsBytes == 0 {
            ofs = Int(c & 0x7F)
        } else {
            guard ofs < Int.max >> 8 else { throw Violation(kind: "history", reason: "malformed delta offset in the pack") }
            ofs = ((ofs + 1) << 7) | Int(c & 0x7F)
        }
        ofsBytes += 1
        guard c & 0x80 == 0 else { return }
        guard ofs > 0, ofs <= objectStart else { throw Violation(kind: "history", reason: "a delta whose base lies outside the pack") }
        deltaBaseKind = kinds[objectStart - ofs]
        try startData()
    }

    private func startData() throws(Violation) {
        if objectType == 6 || objectType == 7 {
            // The delta's own data is bounded like the largest object.
            guard headerSize <= limits.maxObjectBytes else {
                throw Violation(kind: "size", reason: "a delta of \(headerSize) bytes in the pack, more than the limit of \(limits.maxObjectBytes)")
            }
            if let base = deltaBaseKind { kinds[objectStart] = base }
        }
        if !streamReady {
            guard mnem_inflate_init(&stream) == Z_OK else { throw Violation(kind: "history", reason: "zlib inflateInit failed") }
            streamReady = true
        } else {
            guard inflateReset(&stream) == Z_OK else { throw Violation(kind: "history", reason: "zlib inflateReset failed") }
        }
        state = .data
    }

    /// Inflates what `input` holds of the current object; returns how many bytes it consumed.
    private func inflateSome(_ input: UnsafeRawBufferPointer) throws(Violation) -> Int {
        guard let base = input.baseAddress, !input.isEmpty else { return 0 }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(input.count)
        var status: Int32 = Z_OK
        var produced = 0
        while stream.avail_in > 0 {
            let before = stream.total_out
            status = scratch.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return inflate(&stream, Z_NO_FLUSH)
            }
            produced = Int(stream.total_out - before)
            if (objectType == 6 || objectType == 7) && !deltaChecked && produced > 0 {
                deltaHead.append(contentsOf: scratch[0..<min(produced, 32 - deltaHead.count)])
                try checkDeltaHead(final: status == Z_STREAM_END)
            }
            if Int(stream.total_out) > headerSize {
                throw Violation(kind: "history", reason: "an object in the pack inflates past its declared size")
            }
            if status == Z_STREAM_END {
                guard Int(stream.total_out) == headerSize else {
                    throw Violation(kind: "history", reason: "an object in the pack inflates to another size than its header says")
                }
                break
            }
            guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
                throw Violation(kind: "history", reason: "corrupt compressed data in the pack")
            }
        }
        let consumed = input.count - Int(stream.avail_in)
        offset += consumed
        if status == Z_STREAM_END {
            if (objectType == 6 || objectType == 7) && !deltaChecked {
                throw Violation(kind: "history", reason: "a delta too short to name its sizes")
            }
            objectsSeen += 1
            if objectsSeen == objectCount {
                state = .trailer
            } else {
                state = .objectHeader
                beginObject()
            }
        }
        return consumed
    }

    /// Reads a delta's base size and result size once enough of it is inflated.
    private func checkDeltaHead(final: Bool) throws(Violation) {
        var k = 0
        func varint() -> Int? {
            var value = 0
            var shift = 0
            while k < deltaHead.count {
                let c = deltaHead[k]
                k += 1
                guard shift <= 56 else { return -1 }
                value |= Int(c & 0x7F) << shift
                shift += 7
                if c & 0x80 == 0 { return value }
            }
            return nil
        }
        guard let baseSize = varint() else {
            if final || deltaHead.count >= 32 { throw Violation(kind: "history", reason: "malformed delta in the pack") }
            return
        }
        guard let resultSize = varint() else {
            if final || deltaHead.count >= 32 { throw Violation(kind: "history", reason: "malformed delta in the pack") }
            return
        }
        guard baseSize >= 0, resultSize >= 0 else { throw Violation(kind: "history", reason: "malformed delta in the pack") }
        deltaChecked = true
        let kind = deltaBaseKind
        let limit = kind.map { limits.maxBytes($0) } ?? limits.maxObjectBytes
        guard resultSize <= limit, baseSize <= limits.maxObjectBytes else {
            let what = kind.map { "a \($0.rawValue)" } ?? "an object"
            throw Violation(kind: "size", reason: "a delta in the pack that rebuilds \(what) of \(max(resultSize, baseSize)) bytes, more than the limit of \(limit)")
        }
    }

    private static func kind(_ type: UInt8) -> ObjectKind {
        switch type {
        case 1: .commit
        case 2: .tree
        case 3: .blob
        case 4: .tag
        default: .other
        }
    }
}
