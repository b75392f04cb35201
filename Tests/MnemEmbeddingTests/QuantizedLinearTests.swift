import CMnemKernels
import Foundation
import MnemTestSupport
import Testing

@testable import MnemEmbedding

/// The 8-bit dense layer (`mnem_linear_q8`) against the same arithmetic written plainly, for every
/// kernel the CPU has, and the cache of quantized weights (`QuantizedWeights`).
@Suite struct QuantizedLinearTests {
    struct Generator {
        var state: UInt64
        mutating func next(scale: Float = 1) -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return scale * (Float(state >> 40) / Float(1 << 24) - 0.5)
        }
    }

    /// Symmetric per-row quantization, as the header specifies it: round to nearest even, -127...127.
    static func quantize(_ row: ArraySlice<Float>) -> (values: [Int32], scale: Float) {
        let largest = row.map { abs($0) }.max() ?? 0
        let inverse = largest > 0 ? 127 / largest : 0
        return (row.map { Int32(max(-127, min(127, ($0 * inverse).rounded(.toNearestOrEven)))) }, largest / 127)
    }

    /// Shapes that take every path: `in` a multiple of 64 and 32, of 4 only, and of neither;
    /// `out` a multiple of 32, of 16, and neither; 1 to 9 rows (the kernels take 4 at a time).
    @Test(arguments: [(384, 48, 9), (64, 32, 4), (20, 20, 3), (7, 3, 5), (1536, 16, 1), (96, 40, 2)])
    func everyKernelComputesTheQuantizedSums(_ shape: (input: Int, output: Int, rows: Int)) {
        var random = Generator(state: UInt64(shape.input * 1000 + shape.output))
        let w = (0..<(shape.input * shape.output)).map { _ in random.next(scale: 0.2) }
        let x = (0..<(shape.input * shape.rows)).map { _ in random.next(scale: 4) }
        let bias = (0..<shape.output).map { _ in random.next() }
        let padded = mnem_q8_padded_outputs(shape.output)
        var bytes = [Int8](repeating: 0, count: mnem_q8_weight_bytes(shape.output, shape.input))
        var scales = [Float](repeating: -1, count: padded), sums = [Int32](repeating: -1, count: padded)
        mnem_quantize_weights(w, shape.output, shape.input, &bytes, &scales, &sums)

        // The layout the header documents: blocks of 16 outputs, groups of 4 inputs.
        let groups = (shape.input + 3) / 4
        var expected: [[Int32]] = []
        for o in 0..<shape.output {
            let (values, scale) = Self.quantize(w[(o * shape.input)..<((o + 1) * shape.input)])
            let stored = (0..<shape.input).map { k in Int32(bytes[(o / 16) * groups * 64 + (k / 4) * 64 + (o % 16) * 4 + k % 4]) }
            #expect(stored == values, "row \(o)")
            #expect(scales[o] == scale && sums[o] == values.reduce(0, +))
            expected.append(values)
        }
        #expect(scales[shape.output...].allSatisfy { $0 == 0 } && sums[shape.output...].allSatisfy { $0 == 0 }, "padding rows are zero")

        // The sums written plainly, in doubles.
        var reference = [Double](repeating: 0, count: shape.rows * shape.output)
        var exact = [Double](repeating: 0, count: shape.rows * shape.output)
        for r in 0..<shape.rows {
            let (xq, xs) = Self.quantize(x[(r * shape.input)..<((r + 1) * shape.input)])
            for o in 0..<shape.output {
                let dot = zip(xq, expected[o]).reduce(Int64(0)) { $0 + Int64($1.0) * Int64($1.1) }
                reference[r * shape.output + o] = Double(bias[o]) + Double(xs) * Double(scales[o]) * Double(dot)
                exact[r * shape.output + o] = Double(bias[o]) + (0..<shape.input).reduce(0.0) { $0 + Double(x[r * shape.input + $1]) * Double(w[o * shape.input + $1]) }
            }
        }
        let levels = 0...Int(mnem_linear_q8_level())
        for level in levels {
            var y = [Float](repeating: .nan, count: shape.rows * shape.output)
            var scratch = [UInt8](repeating: 0, count: shape.rows * groups * 4)
            var rowScales = [Float](repeating: 0, count: shape.rows)
            mnem_linear_q8_at(Int32(level), x, shape.rows, shape.input, bytes, scales, sums, bias, shape.output, &y, &scratch, &rowScales)
            for i in y.indices {
                #expect(abs(Double(y[i]) - reference[i]) <= 1e-4 * max(1, abs(reference[i])), "level \(level), output \(i): \(y[i]) against \(reference[i])")
            }
            // And the quantized layer is the float layer, within 8 bits' error.
            let error = zip(y, exact).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +).squareRoot()
            let size = exact.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(error < 0.02 * size, "level \(level): relative error \(error / size)")
        }
    }

    /// Two threads (`mnem_pair`) give exactly what one does, layer after layer: the halves are
    /// the same kernels on disjoint outputs or heads. Many generations in a row, so a handoff that
    /// lost or reused a job would show.
    @Test func aPairComputesWhatOneThreadDoes() throws {
        let pair = try #require(mnem_pair_start())
        defer { mnem_pair_stop(pair) }
        var random = Generator(state: 21)
        let (rows, input, output, heads) = (30, 64, 80, 4)
        let w = (0..<(input * output)).map { _ in random.next(scale: 0.3) }
        var bytes = [Int8](repeating: 0, count: mnem_q8_weight_bytes(output, input))
        var scales = [Float](repeating: 0, count: mnem_q8_padded_outputs(output)), sums = [Int32](repeating: 0, count: mnem_q8_padded_outputs(output))
        mnem_quantize_weights(w, output, input, &bytes, &scales, &sums)
        let bias = (0..<output).map { _ in random.next() }
        let level = mnem_linear_q8_level()
        let scratchSize = (rows + 8) * (input / heads + 1)
        for round in 0..<300 {
            let x = (0..<(rows * input)).map { _ in random.next(scale: 2) }
            var quantized = [UInt8](repeating: 0, count: rows * input), rowScales = [Float](repeating: 0, count: rows)
            mnem_q8_quantize_input(level, x, rows, input, &quantized, &rowScales)
            var alone = [Float](repeating: 0, count: rows * output), split = [Float](repeating: .nan, count: rows * output)
            mnem_q8_outputs(level, quantized, rowScales, rows, input, bytes, scales, sums, bias, 0, output, &alone, output)
            mnem_pair_q8_outputs(pair, level, quantized, rowScales, rows, input, bytes, scales, sums, bias, output, &split)
            #expect(alone == split, "dense layer, round \(round)")

            // Attention over the same rows as queries, keys and values.
            var one = [Float](repeating: 0, count: rows * input), two = [Float](repeating: .nan, count: rows * input)
            var scratch = [Float](repeating: 0, count: 2 * scratchSize)
            mnem_attention(x, x, x, rows, input, heads, 0.25, &one, &scratch)
            scratch.withUnsafeMutableBufferPointer { s in
                mnem_pair_attention(pair, x, x, x, rows, input, heads, 0.25, &two, s.baseAddress!, s.baseAddress! + scratchSize)
            }
            #expect(one == two, "attention, round \(round)")
            if one != two || alone != split { break }
        }
    }

    static func sources(_ random: inout Generator, shapes: [(Int, Int)]) -> [[Float]] {
        shapes.map { input, output in (0..<(input * output)).map { _ in random.next(scale: 0.5) } }
    }

    @Test func theCacheIsWrittenOnceReusedAndRebuiltWhenDamaged() throws {
        let scratch = TemporaryDirectory("q8")
        var random = Generator(state: 9)
        let shapes = [(64, 32), (32, 64), (12, 5)]
        let matrices = Self.sources(&random, shapes: shapes).map { values in
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: values.count)
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        defer { matrices.forEach { $0.deallocate() } }
        func open(_ directory: String?, fingerprint: UInt64 = 0xfeed) -> QuantizedWeights {
            QuantizedWeights(sources: zip(matrices, shapes).map { (UnsafePointer($0.0), $0.1.0, $0.1.1) }, fingerprint: fingerprint, cacheDirectory: directory)
        }
        func contents(_ weights: QuantizedWeights) -> [[Int8]] {
            weights.matrices.map { Array(UnsafeBufferPointer(start: $0.bytes, count: mnem_q8_weight_bytes($0.output, $0.input))) }
        }
        let inMemory = open(nil)
        #expect(inMemory.path == nil && !inMemory.isMapped)

        let built = open(scratch.path)
        let file = try #require(built.path)
        #expect(file.hasPrefix(scratch.path + "/transformer-") && file.hasSuffix(".q8") && !built.isMapped)
        #expect(contents(built) == contents(inMemory))
        let reused = open(scratch.path)
        #expect(reused.isMapped && reused.path == file && contents(reused) == contents(inMemory))

        // Another model's weights live in another file.
        #expect(open(scratch.path, fingerprint: 0xbeef).path != file)

        // Truncated, or of the right size with another header: built again and replaced whole.
        let good = try Data(contentsOf: URL(fileURLWithPath: file))
        for damaged in [good.prefix(good.count / 2), Data(repeating: 0x55, count: 64) + good.dropFirst(64)] {
            try damaged.write(to: URL(fileURLWithPath: file))
            let rebuilt = open(scratch.path)
            #expect(!rebuilt.isMapped && contents(rebuilt) == contents(inMemory))
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == good)
            #expect(open(scratch.path).isMapped)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.hasSuffix(".tmp") }, "no temporary file left")

        // A cache that cannot be written (a file where its directory should be) is no error.
        _ = FileManager.default.createFile(atPath: scratch.path + "/blocked", contents: Data("x".utf8))
        let unwritable = open(scratch.path + "/blocked/mnem")
        #expect(unwritable.path == nil && contents(unwritable) == contents(inMemory))
    }
}
