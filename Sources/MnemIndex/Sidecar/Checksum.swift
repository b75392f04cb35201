import CMnemKernels

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
        var state = Stream()
        state.update(bytes)
        return state.finish()
    }

    /// The same checksum fed in pieces, for a file written in pieces.
    ///
    /// Whole 32-byte blocks go through the four lanes; bytes short of a block wait in `pending`
    /// for the next piece, so any split of the input gives the value of `hash` over all of it.
    struct Stream {
        private var l0 = offset
        private var l1 = offset ^ 1
        private var l2 = offset ^ 2
        private var l3 = offset ^ 3
        private var length = 0
        private var pending: [UInt8] = []

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard var base = bytes.baseAddress, bytes.count > 0 else { return }
            var count = bytes.count
            length += count
            if !pending.isEmpty {
                let take = min(32 - pending.count, count)
                pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
                base += take
                count -= take
                guard pending.count == 32 else { return }
                let block = pending
                pending.removeAll(keepingCapacity: true)
                block.withUnsafeBytes { blocks($0.baseAddress ?? base, 32) }
            }
            let whole = count & ~31
            blocks(base, whole)
            if whole < count { pending.append(contentsOf: UnsafeRawBufferPointer(start: base + whole, count: count - whole)) }
        }

        private mutating func blocks(_ base: UnsafeRawPointer, _ count: Int) {
            var lanes = (l0, l1, l2, l3)
            withUnsafeMutableBytes(of: &lanes) { raw in
                guard let pointer = raw.baseAddress?.assumingMemoryBound(to: UInt64.self) else { return }
                mnem_checksum_blocks(base, count, pointer)
            }
            (l0, l1, l2, l3) = lanes
        }

        /// The checksum of everything fed: the tail (under 32 bytes) goes into lane 0 a
        /// zero-padded word at a time, then the lanes and the length are folded.
        func finish() -> UInt64 {
            var a = l0
            var i = 0
            while i < pending.count {
                var word: UInt64 = 0
                var shift: UInt64 = 0
                var j = i
                while j < pending.count && j < i + 8 {
                    word |= UInt64(pending[j]) << shift
                    shift += 8
                    j += 1
                }
                a = (a ^ word) &* prime
                i = j
            }
            var h = (a ^ UInt64(length)) &* prime
            h = (h ^ l1) &* prime
            h = (h ^ l2) &* prime
            h = (h ^ l3) &* prime
            return h
        }
    }
}
