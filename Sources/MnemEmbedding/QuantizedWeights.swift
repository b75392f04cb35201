import CMnemKernels
import Foundation

/// The transformer's dense weights in 8-bit integers (`mnem_quantize_weights`), derived once from
/// `model.safetensors` and kept in a cache file, so a hook maps 11 MB of them instead of reading
/// 43 MB of floats and quantizing them every time.
///
/// The file, `transformer-<fingerprint>.q8` in the cache directory, is ours and derived: a 64-byte
/// header (magic `MNEMQ8W1`, the model's fingerprint, the number of matrices), each matrix's
/// shape, then per matrix its interleaved bytes, scales and row sums (`mnem_quantize_weights`),
/// each section 64-byte aligned. One that is
/// missing, of another model, of the wrong size or unreadable is built again and replaced
/// atomically (a temporary file renamed into place), so concurrent builders each leave a whole
/// file. A cache that cannot be written is not an error: the weights stay in memory for the process.
///
/// `@unchecked Sendable`: the bytes are immutable once built or mapped and live until `deinit`.
final class QuantizedWeights: @unchecked Sendable {
    /// One quantized matrix of `output` rows of `input`, interleaved as `mnem_linear_q8` reads it, with a scale and a sum per row.
    struct Matrix {
        var bytes: UnsafePointer<Int8>
        var scales: UnsafePointer<Float>
        var sums: UnsafePointer<Int32>
        var input: Int, output: Int
    }

    static let magic = Array("MNEMQ8W1".utf8)
    static let headerSize = 64

    let matrices: [Matrix]
    /// The cache file the weights were mapped from or written to; nil when they live only in memory.
    let path: String?
    private let base: UnsafeRawPointer
    private let byteCount: Int
    /// Whether the weights were mapped from the cache file rather than quantized by this process.
    let isMapped: Bool

    /// The weights of `sources` (float matrices of `output` rows of `input`), from the cache in
    /// `cacheDirectory` when it holds them for `fingerprint`, else quantized now (and cached there).
    init(sources: [(weights: UnsafePointer<Float>, input: Int, output: Int)], fingerprint: UInt64, cacheDirectory: String?) {
        let layout = Self.layout(sources.map { ($0.input, $0.output) })
        let path = cacheDirectory.map { $0 + "/transformer-" + String(format: "%016llx", fingerprint) + ".q8" }
        if let path, let mapped = Self.map(path, size: layout.size, expecting: Self.header(fingerprint: fingerprint, shapes: sources.map { ($0.input, $0.output) })) {
            (base, byteCount, isMapped, self.path) = (mapped, layout.size, true, path)
        } else {
            let built = UnsafeMutableRawPointer.allocate(byteCount: layout.size, alignment: 64)
            built.initializeMemory(as: UInt8.self, repeating: 0, count: layout.size)
            let header = Self.header(fingerprint: fingerprint, shapes: sources.map { ($0.input, $0.output) })
            header.withUnsafeBytes { built.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            for (source, offsets) in zip(sources, layout.offsets) {
                mnem_quantize_weights(
                    source.weights, source.output, source.input, (built + offsets.bytes).assumingMemoryBound(to: Int8.self),
                    (built + offsets.scales).assumingMemoryBound(to: Float.self), (built + offsets.sums).assumingMemoryBound(to: Int32.self))
            }
            let written = path.flatMap { Self.write(built, count: layout.size, to: $0) ? $0 : nil }
            (base, byteCount, isMapped, self.path) = (UnsafeRawPointer(built), layout.size, false, written)
        }
        let base = self.base
        matrices = zip(sources, layout.offsets).map { source, offsets in
            Matrix(
                bytes: (base + offsets.bytes).assumingMemoryBound(to: Int8.self), scales: (base + offsets.scales).assumingMemoryBound(to: Float.self),
                sums: (base + offsets.sums).assumingMemoryBound(to: Int32.self), input: source.input, output: source.output)
        }
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    /// Where each matrix's sections start, and the file's size.
    static func layout(_ shapes: [(input: Int, output: Int)]) -> (offsets: [(bytes: Int, scales: Int, sums: Int)], size: Int) {
        func aligned(_ n: Int) -> Int { (n + 63) & ~63 }
        var at = aligned(headerSize + 8 * shapes.count)
        let offsets = shapes.map { shape -> (bytes: Int, scales: Int, sums: Int) in
            let padded = mnem_q8_padded_outputs(shape.output)
            let bytes = at
            let scales = aligned(bytes + mnem_q8_weight_bytes(shape.output, shape.input))
            let sums = aligned(scales + 4 * padded)
            at = aligned(sums + 4 * padded)
            return (bytes, scales, sums)
        }
        return (offsets, at)
    }

    /// The header and shape table a file for `fingerprint` and `shapes` begins with.
    static func header(fingerprint: UInt64, shapes: [(input: Int, output: Int)]) -> [UInt8] {
        var bytes = magic
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(fingerprint)
        append(UInt32(shapes.count))
        bytes += [UInt8](repeating: 0, count: headerSize - bytes.count)
        for shape in shapes {
            append(UInt32(shape.input))
            append(UInt32(shape.output))
        }
        return bytes
    }

    /// The cache file at `path`, mapped, when it has exactly `size` bytes and begins with `header`.
    static func map(_ path: String, size: Int, expecting header: [UInt8]) -> UnsafeRawPointer? {
        guard let (base, mappedSize) = try? mapReadOnly(path: path, atLeast: size, what: "the weights") else { return nil }
        guard mappedSize == size, memcmp(base, header, header.count) == 0 else {
            munmap(UnsafeMutableRawPointer(mutating: base), mappedSize)
            return nil
        }
        // Every page is needed for the first text: populate them in one call rather than a fault each.
        populate(base, upTo: base + size)
        return base
    }

    /// Writes `count` bytes to a temporary file beside `path` and renames it into place.
    static func write(_ bytes: UnsafeRawPointer, count: Int, to path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        guard (try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)) != nil else { return false }
        let temporary = directory + "/.\((path as NSString).lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        var done = 0
        while done < count {
            let n = Foundation.write(fd, bytes + done, count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
        let closed = close(fd) == 0
        guard done == count, closed, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
