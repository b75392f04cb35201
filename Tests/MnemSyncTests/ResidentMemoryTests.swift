import Foundation
import MnemCore
import MnemGit
import Testing

/// A remote holding a blob far larger than the limit costs a pull no more memory than a small
/// one: sizes are read from object headers (a path) or from the pack as it arrives (git://).
///
/// The blob here is 96 MiB so the test stays quick; `scripts/sync-figures.sh` runs the same case
/// with 1 GiB and reports the figure.
@Suite("Sync: bounded memory against a blob bomb")
struct ResidentMemoryTests {
    static let bomb = 96 << 20

    @Test(arguments: HistoryCheckTests.Transport.allCases)
    func aBlobBombIsRefusedInBoundedMemory(transport: HistoryCheckTests.Transport) throws {
        let s = try HistoryCheckTests().setUp("bomb-\(transport.rawValue)", transport)
        defer { s.daemon?.stop() }
        let scratch = s.scratch
        let remote = s.remote
        // Made by git from a pipe, so this test process never holds the blob.
        let made = try scratch.run("/bin/sh", ["-c", "head -c \(Self.bomb) /dev/zero | git -C '\(remote)' hash-object -w --stdin"])
        let zeros = made.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(made.status == 0 && zeros.count == 40, "\(made.err)")
        let honest = try scratch.files(of: "main", in: remote)
        let bad = try scratch.commit(honest + [RawFile(path: ["assets", "zeros.bin"], mode: "100644", sha: zeros)], parent: "main", in: remote)
        try scratch.commit(honest, parent: bad, message: "removed again", in: remote)
        let url = s.url

        // `mnem list` on the same pool is the yardstick: what the process costs doing little.
        let baseline = try scratch.measuredMnem(["--pool", scratch.at("local"), "list"])
        let run = try scratch.measuredMnem(["--pool", scratch.at("local"), "pull", url])
        #expect(run.status == 1)
        #expect(run.stderr.contains("more than the limit"), "\(run.stderr)")
        // Far below the blob: had it been inflated, the peak would be above 96 MiB.
        #expect(run.maxResidentBytes < Self.bomb / 2, "peak \(run.maxResidentBytes) bytes")
        #expect(run.maxResidentBytes < baseline.maxResidentBytes + (16 << 20), "peak \(run.maxResidentBytes), list \(baseline.maxResidentBytes)")
        try scratch.fsck(scratch.at("local"))
        #expect(throws: (any Error).self) { try scratch.git(["-C", scratch.at("local"), "cat-file", "-e", zeros]) }
    }
}
