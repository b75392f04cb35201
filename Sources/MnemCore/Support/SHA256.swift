import CMnemSHA

/// SHA-256 (FIPS 180-4), for memory ids and transcript digests.
///
/// Foundation on Linux has no CryptoKit and mnem takes no package dependencies, so the
/// 64-round compression function lives here; it is checked against the standard test vectors.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Whether this hasher uses the SHA extensions; tests turn it off to check the portable rounds.
    var usesHardware = SHA256.hardware

    public init() { buffer.reserveCapacity(64) }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let contiguous: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if contiguous != nil { return }
        for byte in bytes {
            buffer.append(byte)
            length &+= 1
            if buffer.count == 64 {
                compress(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        // Fill a partial block first, then compress whole blocks straight from the input.
        while offset < bytes.count, !buffer.isEmpty {
            buffer.append(bytes[offset]); offset += 1; length &+= 1
            if buffer.count == 64 { compress(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        let wholeBlocks = (bytes.count - offset) / 64
        if wholeBlocks > 0, usesHardware, let base = bytes.baseAddress {
            withUnsafeMutableBytes(of: &state) { raw in
                mnem_sha256_hardware_blocks(
                    raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self),
                    (base + offset).assumingMemoryBound(to: UInt8.self), wholeBlocks)
            }
            offset += wholeBlocks * 64
            length &+= UInt64(wholeBlocks * 64)
        }
        while bytes.count - offset >= 64 {
            compress(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 64)]))
            offset += 64
            length &+= 64
        }
        while offset < bytes.count {
            buffer.append(bytes[offset]); offset += 1; length &+= 1
        }
    }

    public mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = buffer
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        for start in stride(from: 0, to: tail.count, by: 64) { compress(tail[start..<(start + 64)]) }
        buffer.removeAll()
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hash(bytes).hexString
    }

    private mutating func compress<Block: Collection>(_ block: Block) where Block.Element == UInt8 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { scratch in
            _ = scratch.initialize(from: block)
            compress(UnsafeRawBufferPointer(scratch))
        }
    }

    /// Whether the CPU's SHA extensions are used for whole blocks.
    static let hardware = mnem_sha256_hardware_available() == 1

    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        if usesHardware, let base = block.baseAddress {
            withUnsafeMutableBytes(of: &state) { raw in
                mnem_sha256_hardware_blocks(raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self), base.assumingMemoryBound(to: UInt8.self), 1)
            }
            return
        }
        compressPortable(block)
    }

    /// The portable rounds, for CPUs without the SHA extensions (and to check them in tests).
    mutating func compressPortable(_ block: UnsafeRawBufferPointer) {
        // The 64-word schedule lives on the stack (32 UInt64s), not in a heap array.
        var schedule: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                       UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let input = block.baseAddress.unsafelyUnwrapped
        withUnsafeMutableBytes(of: &schedule) { raw in
            Self.rounds(&state, raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self), input)
        }
    }

    /// The round constants, at a fixed address so the round loop reads them without a closure.
    // nonisolated(unsafe): written once at initialization, only read afterwards.
    nonisolated(unsafe) private static let constants: UnsafeMutablePointer<UInt32> = {
        let pointer = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
        pointer.initialize(from: k, count: 64)
        return pointer
    }()

    /// The compression function proper. A plain function with locals only, so the eight working
    /// variables stay in registers (a closure capturing them would box them in memory).
    @inline(__always)
    private static func rounds(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32), _ w: UnsafeMutablePointer<UInt32>,
        _ input: UnsafeRawPointer
    ) {
        let k = constants
        for t in 0..<16 { w[t] = UInt32(bigEndian: input.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
        for t in 16..<64 {
            let s0 = w[t - 15].rotr(7) ^ w[t - 15].rotr(18) ^ (w[t - 15] >> 3)
            let s1 = w[t - 2].rotr(17) ^ w[t - 2].rotr(19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for t in 0..<64 {
            let s1 = e.rotr(6) ^ e.rotr(11) ^ e.rotr(25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = a.rotr(2) ^ a.rotr(13) ^ a.rotr(22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotr(_ n: UInt32) -> UInt32 { (self &>> n) | (self &<< (32 &- n)) }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
