import CMnemSHA

/// SHA-1, for git object ids and pack trailers that mnem computes itself when writing packs.
///
/// libgit2 keeps its hash functions private, so the pack writer carries its own. Checked in the
/// tests against ids libgit2 computes for the same blobs.
struct SHA1 {
    private var h0: UInt32 = 0x6745_2301
    private var h1: UInt32 = 0xEFCD_AB89
    private var h2: UInt32 = 0x98BA_DCFE
    private var h3: UInt32 = 0x1032_5476
    private var h4: UInt32 = 0xC3D2_E1F0
    private var pending: [UInt8] = []
    private var length: UInt64 = 0
    private let hardware: Bool

    /// - Parameter portable: the Swift rounds even where the CPU has the SHA extensions (for tests).
    init(portable: Bool = false) {
        hardware = !portable && Self.hardwareAvailable
        pending.reserveCapacity(64)
    }

    private static let hardwareAvailable = mnem_sha256_hardware_available() == 1

    /// `blocks` 64-byte blocks at `base`, with the SHA extensions when the CPU has them.
    private mutating func compress(_ base: UnsafeRawPointer, blocks: Int) {
        guard hardware else {
            for i in 0..<blocks { compress(base + 64 * i) }
            return
        }
        var state = (h0, h1, h2, h3, h4)
        withUnsafeMutableBytes(of: &state) { raw in
            mnem_sha1_hardware_blocks(raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self), base.assumingMemoryBound(to: UInt8.self), blocks)
        }
        (h0, h1, h2, h3, h4) = state
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        let count = bytes.count
        length &+= UInt64(count)
        if !pending.isEmpty {
            let take = min(64 - pending.count, count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            if pending.count == 64 {
                pending.withUnsafeBytes { compress($0.baseAddress.unsafelyUnwrapped, blocks: 1) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        if count - offset >= 64 {
            let blocks = (count - offset) / 64
            compress(base + offset, blocks: blocks)
            offset += 64 * blocks
        }
        if offset < count { pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: count - offset)) }
    }

    mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBytes { raw in compress(raw.baseAddress.unsafelyUnwrapped, blocks: raw.count / 64) }
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [h0, h1, h2, h3, h4] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    private mutating func compress(_ block: UnsafeRawPointer) {
        // The 80-word schedule lives on the stack; the rounds are split by phase so the
        // loop bodies carry no branch.
        var w: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &w) { raw in
            let w = raw.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt32.self)
            for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
            for t in 16..<80 { w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotl(1) }
            var a = h0, b = h1, c = h2, d = h3, e = h4
            for t in 0..<20 {
                let temp = a.rotl(5) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ w[t]
                e = d; d = c; c = b.rotl(30); b = a; a = temp
            }
            for t in 20..<40 {
                let temp = a.rotl(5) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ w[t]
                e = d; d = c; c = b.rotl(30); b = a; a = temp
            }
            for t in 40..<60 {
                let temp = a.rotl(5) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ w[t]
                e = d; d = c; c = b.rotl(30); b = a; a = temp
            }
            for t in 60..<80 {
                let temp = a.rotl(5) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ w[t]
                e = d; d = c; c = b.rotl(30); b = a; a = temp
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e
        }
    }
}

extension UInt32 {
    @inline(__always) fileprivate func rotl(_ n: UInt32) -> UInt32 { (self &<< n) | (self &>> (32 &- n)) }
}
