/// The sidecar's checksum: FNV-1a 64 over little-endian 64-bit words, in four interleaved lanes.
///
/// Why not byte-wise FNV-1a or CRC32: in software both run at about 1 byte per cycle, ~50 ms for
/// the 51 MB of a 100k × 256 float16 file, which is the whole budget of a search. Taking a word
/// per step and four independent lanes (words 0, 4, 8… in lane 0, and so on) hides the multiply
/// latency, ~8 bytes per cycle. Any change to one word changes its lane's value (xor with the
/// word, then multiplying by an odd prime, are both bijections), and the lanes are folded with
/// another bijective step, so a flipped byte is always detected; an accidental collision on
/// more changes has the odds of a 64-bit hash. The tail is zero-padded and the length mixed in.
enum SidecarChecksum {
    static let offset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// - Complexity: O(n), about 8 bytes per cycle.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress else { return finish(offset, offset, offset, offset, length: 0) }
        var l0 = offset
        var l1 = offset ^ 1
        var l2 = offset ^ 2
        var l3 = offset ^ 3
        var i = 0
        while i + 32 <= count {
            l0 = (l0 ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* prime
            l1 = (l1 ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))) &* prime
            l2 = (l2 ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self))) &* prime
            l3 = (l3 ^ UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self))) &* prime
            i += 32
        }
        while i < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            var j = i
            while j < count && j < i + 8 {
                word |= UInt64(base.load(fromByteOffset: j, as: UInt8.self)) << shift
                shift += 8
                j += 1
            }
            l0 = (l0 ^ word) &* prime
            i = j
        }
        return finish(l0, l1, l2, l3, length: count)
    }

    private static func finish(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, length: Int) -> UInt64 {
        var h = (l0 ^ UInt64(length)) &* prime
        h = (h ^ l1) &* prime
        h = (h ^ l2) &* prime
        h = (h ^ l3) &* prime
        return h
    }
}
