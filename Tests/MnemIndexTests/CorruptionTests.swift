import Foundation
import MnemCore
import MnemEmbedding
import Testing

@testable import MnemIndex

/// Every way a sidecar on disk can be wrong, and the problem it must be reported as.
enum Corruption: String, CaseIterable, Sendable {
    case zeroLength, truncatedHeader, truncatedVectors, extended, badMagic, wrongVersion
    case headerByte, idByte, columnByte, vectorByte, wrongEmbedder, wrongDimension

    func apply(_ bytes: inout [UInt8], layout: SidecarLayout) {
        switch self {
        case .zeroLength: bytes = []
        case .truncatedHeader: bytes = Array(bytes.prefix(100))
        case .truncatedVectors: bytes.removeLast(10)
        case .extended: bytes += [0, 0, 0, 0]
        case .badMagic: bytes[0] ^= 0xFF
        case .wrongVersion: bytes[SidecarLayout.Field.version] = 9
        case .headerByte: bytes[SidecarLayout.Field.count] ^= 0x01
        case .idByte: bytes[layout.idsOffset + 25] ^= 0x40
        case .columnByte: bytes[layout.kindsOffset + 1] ^= 0x01
        case .vectorByte: bytes[layout.vectorsOffset + 7] ^= 0x04
        case .wrongEmbedder, .wrongDimension: break
        }
    }

    func matches(_ problem: SidecarProblem?) -> Bool {
        switch (self, problem) {
        case (.zeroLength, .empty?), (.truncatedHeader, .truncatedHeader?), (.truncatedVectors, .sizeMismatch?),
            (.extended, .sizeMismatch?), (.badMagic, .badMagic?), (.wrongVersion, .unsupportedVersion?),
            (.headerByte, .headerChecksumMismatch?), (.idByte, .metadataChecksumMismatch?),
            (.columnByte, .metadataChecksumMismatch?), (.vectorByte, .vectorChecksumMismatch?),
            (.wrongEmbedder, .embedderMismatch?), (.wrongDimension, .dimensionMismatch?):
            true
        default: false
        }
    }
}

@Suite struct CorruptionTests {
    @Test(arguments: Corruption.allCases)
    func corruptSidecarIsDetectedAndRebuilt(_ corruption: Corruption) throws {
        let test = try TestPool()
        try test.add(Make.mixed(10))
        let embedder = TestHashingEmbedder(id: "test-embedder", dimension: 64)
        let index = VectorIndex(pool: test.pool, embedder: embedder)
        let (good, _) = try index.open()
        let goodBytes = try fileBytes(index.path)
        let layout = good.base.layout

        switch corruption {
        case .wrongEmbedder:
            // The file another embedder of the same dimension wrote, found at this embedder's path.
            let other = VectorIndex(pool: test.pool, embedder: TestHashingEmbedder(id: "other-embedder", dimension: 64))
            _ = try other.open()
            try writeBytes(try fileBytes(other.path), index.path)
        case .wrongDimension:
            let other = VectorIndex(pool: test.pool, embedder: TestHashingEmbedder(id: "test-embedder", dimension: 32))
            _ = try other.open(rebuild: true)  // same id, so the same path: overwrites ours
        default:
            var bytes = goodBytes
            corruption.apply(&bytes, layout: layout)
            try writeBytes(bytes, index.path)
        }

        let (sidecar, report) = try index.open()
        guard case .rebuilt(let reason) = report.action else {
            Issue.record("\(corruption) was not rebuilt: \(report)")
            return
        }
        #expect(corruption.matches(reason), "\(corruption) reported as \(String(describing: reason))")
        #expect(!report.description.isEmpty)
        #expect(sidecar.count == 10)
        #expect(try fileBytes(index.path) == goodBytes)
    }

    @Test func aFlipAnywhereInTheFileIsCaught() throws {
        let test = try TestPool()
        try test.add(Make.mixed(9))
        let index = VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 64)))
        _ = try index.open()
        let good = try fileBytes(index.path)
        var rng = SystemRandomNumberGenerator()
        // Every byte is under a checksum (header, ids to strings with padding, vectors), so
        // any flip must be reported and repaired; none may crash or be served.
        let positions = (0..<40).map { _ in Int.random(in: 0..<good.count, using: &rng) } + [0, 247, 248, 255, 256, good.count - 1]
        for position in positions {
            var bytes = good
            bytes[position] ^= UInt8.random(in: 1...255, using: &rng)
            try writeBytes(bytes, index.path)
            let (_, report) = try index.open()
            guard case .rebuilt(let reason?) = report.action else {
                Issue.record("a flip at byte \(position) of \(good.count) went unnoticed: \(report)")
                continue
            }
            #expect(!reason.description.isEmpty)
            #expect(try fileBytes(index.path) == good)
        }
    }

    @Test func verificationStampSkipsOnlyAnUnchangedFile() throws {
        let test = try TestPool()
        try test.add(Make.mixed(4))
        let index = VectorIndex(pool: test.pool, embedder: (try HashEmbedder(dimension: 64)))
        let (sidecar, _) = try index.open()
        let stamp = VerificationStamp(path: index.path)
        let identity = try #require(FileIdentity.current(index.path))
        // Fresh from the writer: within the racy window, not trusted yet.
        #expect(!stamp.matches(identity, checksum: sidecar.base.vectorsChecksum))
        // A stamp recorded long after the file changed is trusted, for that identity only.
        var old = identity
        old.changed -= 10 * VerificationStamp.racyWindow
        stamp.record(old, checksum: sidecar.base.vectorsChecksum)
        #expect(stamp.matches(old, checksum: sidecar.base.vectorsChecksum))
        var changed = old
        changed.changed += 1
        #expect(!stamp.matches(changed, checksum: sidecar.base.vectorsChecksum))
    }
}
