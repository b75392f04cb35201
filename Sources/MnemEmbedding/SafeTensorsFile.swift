import Foundation
import MnemJSON

/// A memory-mapped `.safetensors` file (Hugging Face's format): an 8-byte little-endian header
/// length, a JSON header naming each tensor's dtype, shape and byte range, then the data.
///
/// Only float32 tensors are read as floats, in place: nothing is copied, so opening a 90 MB model costs the
/// header's parse. Every range is checked against the file before a pointer is handed out.
/// `@unchecked Sendable`: the mapping is `PROT_READ` and lives until `deinit`.
public final class SafeTensorsFile: @unchecked Sendable {
    public struct Tensor: Sendable {
        public var dtype: String
        public var shape: [Int]
        /// Byte offset of the data from the start of the file.
        var offset: Int
        var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let tensors: [String: Tensor]
    /// A fingerprint of the header and the first bytes of every tensor (FNV-1a 64): the same
    /// architecture with other weights gives another one, without reading 90 MB to say so.
    public let fingerprint: UInt64
    let base: UnsafeRawPointer
    let byteCount: Int

    /// Maps and checks the file at `path`.
    ///
    /// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` naming what is wrong.
    public init(path: String) throws {
        func fail(_ problem: String) -> EmbeddingError { .invalidModelFile(path: path, problem: problem) }
        let (base, size) = try mapReadOnly(path: path, atLeast: 8, what: "the header length")
        let mapped = UnsafeMutableRawPointer(mutating: base)
        do {
            let headerLength = Int(clamping: UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
            guard headerLength > 1, headerLength <= size - 8, headerLength <= 100_000_000 else {
                throw fail("header length \(headerLength) does not fit in \(size) bytes")
            }
            let header = UnsafeBufferPointer(start: base.advanced(by: 8).assumingMemoryBound(to: UInt8.self), count: headerLength)
            // mnem's own parser: JSONSerialization took half a millisecond of every hook for these 10 KB.
            guard let object = (try? JSONParser.parse(header))?.objectValue else { throw fail("the header is not a JSON object") }
            let dataStart = 8 + headerLength
            var tensors: [String: Tensor] = [:]
            var hash = FNV1a64()
            hash.add(UnsafeRawBufferPointer(header))
            for name in object.keys.sorted() where name != "__metadata__" {
                guard let entry = object[name], let dtype = entry["dtype"]?.stringValue,
                    let shapeValues = entry["shape"]?.arrayValue, let rangeValues = entry["data_offsets"]?.arrayValue
                else { throw fail("tensor \(name): malformed entry") }
                let shape = shapeValues.compactMap { $0.intValue.flatMap { Int(exactly: $0) } }
                let range = rangeValues.compactMap { $0.intValue.flatMap { Int(exactly: $0) } }
                guard shape.count == shapeValues.count, range.count == 2, rangeValues.count == 2 else { throw fail("tensor \(name): malformed entry") }
                // Other tensors may sit beside the weights (BERT's `position_ids` are I64): checked, never read as floats.
                guard let width = Self.widths[dtype] else { throw fail("tensor \(name): unknown dtype \(dtype)") }
                guard shape.allSatisfy({ $0 >= 0 && $0 <= 1 << 28 }), shape.count <= 4 else { throw fail("tensor \(name): bad shape \(shape)") }
                var bytes = width
                for extent in shape {
                    let (product, overflow) = bytes.multipliedReportingOverflow(by: extent)
                    guard !overflow, product <= size else { throw fail("tensor \(name): shape \(shape) is larger than the file") }
                    bytes = product
                }
                let (start, end) = (range[0], range[1])
                guard start >= 0, end >= start, end - start == bytes, end <= size - dataStart else {
                    throw fail("tensor \(name): bytes \(start)..<\(end) do not hold \(shape) floats within the file")
                }
                guard dtype != "F32" || (dataStart + start) % 4 == 0 else { throw fail("tensor \(name): data not aligned to 4 bytes") }
                tensors[name] = Tensor(dtype: dtype, shape: shape, offset: dataStart + start)
                hash.add(UnsafeRawBufferPointer(start: base + dataStart + start, count: min(bytes, Self.fingerprintBytes)))
            }
            self.path = path
            self.base = base
            self.byteCount = size
            self.tensors = tensors
            self.fingerprint = hash.value
        } catch {
            munmap(mapped, size)
            throw error
        }
    }

    /// How much of each tensor the fingerprint reads: 64 float32 weights, which any retraining
    /// changes, while the fingerprint stays a small part of opening the model (at 4 KB a tensor,
    /// hashing took 0.4 ms of every hook).
    static let fingerprintBytes = 256

    /// Bytes per element of the dtypes safetensors defines.
    static let widths = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1]

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
    }

    /// The floats of tensor `name`, which must have `shape`.
    ///
    /// - Throws: ``EmbeddingError/invalidModelFile(path:problem:)`` when it is missing or has another shape.
    public func floats(_ name: String, shape: [Int]) throws -> UnsafePointer<Float> {
        guard let tensor = tensors[name] else { throw EmbeddingError.invalidModelFile(path: path, problem: "no tensor \(name)") }
        guard tensor.dtype == "F32" else {
            throw EmbeddingError.invalidModelFile(path: path, problem: "tensor \(name): dtype \(tensor.dtype), only F32 is supported")
        }
        guard tensor.shape == shape else {
            throw EmbeddingError.invalidModelFile(path: path, problem: "tensor \(name) has shape \(tensor.shape), expected \(shape)")
        }
        return (base + tensor.offset).assumingMemoryBound(to: Float.self)
    }
}
