/// The inner loops of the exact scan: dot products over the mapped vectors, and the read floor.
///
/// float16 is widened with integer SIMD instead of `Float(Float16)`: without F16C in the
/// baseline x86-64 target, that conversion is a library call per element. Placing the half's
/// bits at the top of a 32-bit lane, shifting right arithmetically by 3 and masking gives a
/// float32 with the half's sign, mantissa and exponent — the exponent short of its bias by 112,
/// i.e. the value times 2⁻¹¹². The query is multiplied by 2¹¹² once instead, so the products
/// are exact rescalings (powers of two). The writer stores no fp16 subnormals, so no float32
/// subnormal (a microcode assist on x86) ever reaches the multiply.
public enum VectorScan {
    /// 2¹¹²: undoes the missing exponent bias of the widened halves.
    static let halfScale: Float = 0x1p112

    /// The query prepared for `sidecar`: normalized, zero-padded to the stride, pre-scaled for float16.
    static func prepareQuery(_ query: [Float], for sidecar: Sidecar) -> [SIMD8<Float>] {
        let lanes = sidecar.stride / sidecar.elementType.byteWidth
        var values = [Float](repeating: 0, count: lanes)
        var norm: Float = 0
        for x in query.prefix(sidecar.dimension) where x.isFinite { norm += x * x }
        let scale: Float = norm > 0 && norm.isFinite ? 1 / norm.squareRoot() : 0
        for i in 0..<min(sidecar.dimension, query.count) where query[i].isFinite {
            let x = query[i] * scale
            // Tiny components contribute nothing but could make subnormal products.
            values[i] = x.magnitude < 1e-30 ? 0 : (sidecar.elementType == .float16 ? x * halfScale : x)
        }
        return (0..<(lanes / 8)).map { b in SIMD8<Float>(values[(b * 8)..<(b * 8 + 8)]) }
    }

    /// The dot product of one float16 vector of `blocks` × 64 bytes with a prepared query.
    @inline(__always)
    static func dotHalf(_ row: UnsafeRawPointer, _ query: UnsafePointer<SIMD8<Float>>, blocks: Int) -> Float {
        let mask = SIMD8<Int32>(repeating: Int32(bitPattern: 0x8FFF_E000))
        var a0 = SIMD8<Float>()
        var a1 = SIMD8<Float>()
        var a2 = SIMD8<Float>()
        var a3 = SIMD8<Float>()
        for b in 0..<blocks {
            let h0 = row.load(fromByteOffset: b &* 64, as: SIMD16<UInt16>.self)
            let h1 = row.load(fromByteOffset: b &* 64 &+ 32, as: SIMD16<UInt16>.self)
            let q = query + b &* 4
            a0 += widen(h0.lowHalf, mask) * q[0]
            a1 += widen(h0.highHalf, mask) * q[1]
            a2 += widen(h1.lowHalf, mask) * q[2]
            a3 += widen(h1.highHalf, mask) * q[3]
        }
        return ((a0 + a1) + (a2 + a3)).sum()
    }

    @inline(__always)
    static func widen(_ h: SIMD8<UInt16>, _ mask: SIMD8<Int32>) -> SIMD8<Float> {
        let top = SIMD8<Int32>(truncatingIfNeeded: SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16)
        let bits = (top &>> 3) & mask
        return unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// The dot product of one float32 vector of `blocks` × 64 bytes with a prepared query.
    @inline(__always)
    static func dotFloat(_ row: UnsafeRawPointer, _ query: UnsafePointer<SIMD8<Float>>, blocks: Int) -> Float {
        var a0 = SIMD8<Float>()
        var a1 = SIMD8<Float>()
        for b in 0..<blocks {
            let q = query + b &* 2
            a0 += row.load(fromByteOffset: b &* 64, as: SIMD8<Float>.self) * q[0]
            a1 += row.load(fromByteOffset: b &* 64 &+ 32, as: SIMD8<Float>.self) * q[1]
        }
        return (a0 + a1).sum()
    }

    /// Reads every byte of the sidecar's vectors with the cheapest SIMD loop: the memory-read
    /// floor a scan of the same bytes is measured against (benchmarks only).
    public static func readFloor(_ sidecar: Sidecar) -> UInt64 {
        let region = sidecar.vectorRegion
        guard let base = region.baseAddress else { return 0 }
        var a0 = SIMD8<UInt32>()
        var a1 = SIMD8<UInt32>()
        var offset = 0
        let end = region.count & ~63
        while offset < end {
            a0 &+= base.load(fromByteOffset: offset, as: SIMD8<UInt32>.self)
            a1 &+= base.load(fromByteOffset: offset &+ 32, as: SIMD8<UInt32>.self)
            offset &+= 64
        }
        return UInt64((a0 &+ a1).wrappedSum())
    }
}
