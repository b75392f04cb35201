import CMnemKernels
import Foundation

/// The inner loops of the exact scan: dot products over the mapped vectors, and the read floor.
///
/// float16 is widened with integer SIMD instead of `Float(Float16)`: without F16C in the
/// baseline x86-64 target, that conversion is a library call per element. Loaded as 32-bit
/// lanes, each lane holds two halves: the odd one in its top 16 bits, the even one in its low
/// 16 (little-endian). A half in the top 16 bits, shifted right arithmetically by 3 and masked
/// with 0x8FFFE000, is a float32 with the half's sign, exponent and mantissa — the exponent
/// short of its bias by 112, i.e. the value times 2⁻¹¹². The even half is first moved up by 16.
/// So 16 halves cost 1 shift left, 2 arithmetic shifts, 2 masks, 2 multiplies and 2 adds
/// (on 8-lane vectors), with no unpacking: the query is stored de-interleaved (even elements,
/// then odd ones, per 16) and multiplied by 2¹¹² once, so the products are exact rescalings.
/// The writer stores no fp16 subnormals, so no float32 subnormal (a microcode assist on x86)
/// ever reaches the multiply.
public enum VectorScan {
    /// 2¹¹²: undoes the missing exponent bias of the widened halves.
    static let halfScale: Float = 0x1p112

    /// The query prepared for `sidecar`: normalized, zero-padded to the stride; for float16
    /// pre-scaled and de-interleaved per 16 elements (8 even, then 8 odd).
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
        guard sidecar.elementType == .float16 else {
            return (0..<(lanes / 8)).map { b in SIMD8<Float>(values[(b * 8)..<(b * 8 + 8)]) }
        }
        var out: [SIMD8<Float>] = []
        out.reserveCapacity(lanes / 8)
        for chunk in 0..<(lanes / 16) {
            var even = SIMD8<Float>()
            var odd = SIMD8<Float>()
            for i in 0..<8 {
                even[i] = values[chunk * 16 + 2 * i]
                odd[i] = values[chunk * 16 + 2 * i + 1]
            }
            out.append(even)
            out.append(odd)
        }
        return out
    }

    /// Which loop scores float16 rows.
    enum Kernel: Int, CaseIterable, Sendable {
        /// The Swift loop of this file: any CPU.
        case portable
        /// The C kernel with AVX2, FMA and F16C.
        case avx2
        /// The C kernel with AVX-512.
        case avx512

        /// Whether this CPU can run it.
        var isAvailable: Bool { rawValue <= Int(mnem_scan_level()) }
    }

    /// The fastest kernel this CPU has; `MNEM_SCAN=portable` or `MNEM_SCAN=avx2` caps it.
    static let kernel: Kernel = {
        let best = Kernel(rawValue: Int(mnem_scan_level())) ?? .portable
        switch ProcessInfo.processInfo.environment["MNEM_SCAN"] {
        case "portable": return .portable
        case "avx2": return best == .portable ? .portable : .avx2
        default: return best
        }
    }()

    /// The query for the C kernels, written to `out` (the stride's lanes): normalized, in element
    /// order, zero-padded. Into a raw buffer: an array costs a generic-metadata lookup to allocate,
    /// cold at this point of a search.
    static func preparePlainQuery(_ query: [Float], for sidecar: Sidecar, into out: UnsafeMutablePointer<Float>) {
        let lanes = sidecar.stride / sidecar.elementType.byteWidth
        let n = min(sidecar.dimension, query.count, lanes)
        query.withUnsafeBufferPointer { q in
            var norm: Float = 0
            for i in 0..<n where q[i].isFinite { norm += q[i] * q[i] }
            let scale: Float = norm > 0 && norm.isFinite ? 1 / norm.squareRoot() : 0
            for i in 0..<n { out[i] = q[i].isFinite ? q[i] * scale : 0 }
            for i in n..<lanes { out[i] = 0 }
        }
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
            let w0 = row.load(fromByteOffset: b &* 64, as: SIMD8<Int32>.self)
            let w1 = row.load(fromByteOffset: b &* 64 &+ 32, as: SIMD8<Int32>.self)
            let q = UnsafeRawPointer(query + b &* 4)
            a0 += unsafeBitCast(((w0 &<< 16) &>> 3) & mask, to: SIMD8<Float>.self) * q.load(as: SIMD8<Float>.self)
            a1 += unsafeBitCast((w0 &>> 3) & mask, to: SIMD8<Float>.self) * q.load(fromByteOffset: 32, as: SIMD8<Float>.self)
            a2 += unsafeBitCast(((w1 &<< 16) &>> 3) & mask, to: SIMD8<Float>.self) * q.load(fromByteOffset: 64, as: SIMD8<Float>.self)
            a3 += unsafeBitCast((w1 &>> 3) & mask, to: SIMD8<Float>.self) * q.load(fromByteOffset: 96, as: SIMD8<Float>.self)
        }
        return horizontalSum((a0 + a1) + (a2 + a3))
    }

    /// How far ahead of the scan the prefetch runs, in bytes.
    static let prefetchDistance = 4096

    /// Asks for the vector `prefetchDistance` bytes ahead, one hint per cache line.
    ///
    /// The scan does ~50 instructions per 64 bytes, so the out-of-order window holds few
    /// outstanding misses and the hardware streamer stops at every 4 KB page; hints a page ahead
    /// keep the memory busy as a pure read loop would.
    @inline(__always)
    static func prefetch(_ vector: UnsafeRawPointer, stride: Int, end: UnsafeRawPointer) {
        let ahead = vector + prefetchDistance
        guard ahead + stride <= end else { return }
        var line = 0
        while line < stride {
            mnem_prefetch(ahead + line)
            line &+= 64
        }
    }

    @inline(__always)
    static func horizontalSum(_ v: SIMD8<Float>) -> Float {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
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
        return horizontalSum(a0 + a1)
    }

    /// Reads every byte of the sidecar's vectors with the cheapest SIMD loop: the memory-read
    /// floor a scan of the same bytes is measured against (benchmarks only).
    ///
    /// - Parameter prefetching: with the scan's prefetch hints. Which read is faster depends on
    ///   the machine and its load, so a benchmark takes the faster of the two as the floor.
    public static func readFloor(_ sidecar: Sidecar, prefetching: Bool) -> UInt64 {
        let region = sidecar.vectorRegion
        guard let base = region.baseAddress else { return 0 }
        var a0 = SIMD8<UInt32>()
        var a1 = SIMD8<UInt32>()
        var offset = 0
        let end = region.count & ~63
        let last = base + region.count
        while offset < end {
            if prefetching && offset & 511 == 0 { prefetch(base + offset, stride: 512, end: last) }
            a0 &+= base.load(fromByteOffset: offset, as: SIMD8<UInt32>.self)
            a1 &+= base.load(fromByteOffset: offset &+ 32, as: SIMD8<UInt32>.self)
            offset &+= 64
        }
        return UInt64((a0 &+ a1).wrappedSum())
    }
}
