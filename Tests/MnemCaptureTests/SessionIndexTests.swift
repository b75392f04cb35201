import Foundation
import MnemCore
import MnemGit
import Testing

@testable import MnemCapture

/// The session index stays what a scan of the tree gives, whatever happens to the pool.
@Suite struct SessionIndexTests {
    /// What the index must hold at the tip: every trajectory with a session key, read in full.
    func scan(_ pool: Pool) throws -> [SessionIndex.Entry] {
        try pool.memories(kinds: [.trajectory]).compactMap { memory in
            SessionIdentity.key(memory).map { SessionIndex.Entry(key: SessionIndex.keyHash($0), id: SessionIndex.pack(memory.id)) }
        }.sorted()
    }

    /// The index file as it is on disk (not brought up to date), with its commit.
    func onDisk(_ pool: Pool) -> (ObjectID?, [SessionIndex.Entry])? {
        guard case .trusted(let commit, let entries) = SessionIndex(pool: pool).load() else { return nil }
        return (commit, entries)
    }

    func expectInStep(_ pool: Pool, _ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (commit, entries, _) = try SessionIndex(pool: pool).current()
        #expect(commit == (try pool.tip()), comment, sourceLocation: sourceLocation)
        #expect(entries == (try scan(pool)), comment, sourceLocation: sourceLocation)
        #expect(onDisk(pool)?.1 == entries, comment, sourceLocation: sourceLocation)
    }

    func claude(_ session: String, steps: Int, in dir: TemporaryDirectory, name: String) throws -> String {
        var lines = [FormatSamples.claudeLine(type: "user", uuid: "u0", session: session, message: ["role": "user", "content": "Speed up the checkout page"])]
        for n in 0..<steps {
            for line in FormatSamples.claudeToolPair(id: "toolu_\(n)", command: "npm run build -- --step \(n)", output: "built \(n)") {
                guard case .object(var object) = line else { continue }
                object["sessionId"] = .string(session)
                lines.append(.object(object))
            }
        }
        return try dir.file(name, FormatSamples.lines(lines))
    }

    func session(_ n: Int) -> String { "5e55a0e1-0000-4000-8000-\(String(format: "%012d", n))" }

    @Test func followsCapturesForgetsAndPulls() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        // Captures: new sessions, a grown one (a superseding capture), one under a placeholder id.
        _ = try Capturer(pool: pool).capture(paths: [try claude(session(1), steps: 2, in: dir, name: "a.jsonl"), try claude(session(2), steps: 1, in: dir, name: "b.jsonl")])
        #expect(onDisk(pool)?.0 == (try pool.tip()), "the capture moved the index with its commit")
        try expectInStep(pool, "after a first capture")
        _ = try Capturer(pool: pool).capture(paths: [try claude(session(1), steps: 4, in: dir, name: "a.jsonl")])
        _ = try Capturer(pool: pool).capture(paths: [try claude("NORMALIZED_SESSION_ID", steps: 1, in: dir, name: "c.jsonl")])
        try expectInStep(pool, "after a superseding capture and a placeholder id")
        #expect(try scan(pool).count == 3)

        // A forget (outside capture): the index catches up from the tree diff.
        let forgotten = try #require(try pool.memories(kinds: [.trajectory]).first { $0.source.sessionId == session(2) })
        _ = try pool.forget([forgotten.id], info: CommitInfo(summary: "forget"))
        #expect(onDisk(pool)?.0 != (try pool.tip()))
        try expectInStep(pool, "after a forget")

        // A pull of another pool's captures.
        let other = try Pool.create(at: dir.path + "/other")
        _ = try Capturer(pool: other).capture(paths: [try claude(session(7), steps: 3, in: dir, name: "o1.jsonl"), try claude(session(8), steps: 2, in: dir, name: "o2.jsonl")])
        try pool.repository.addRemote(name: "other", url: dir.path + "/other")
        let pulled = try pool.pull(remote: "other", credentials: RemoteCredentials())
        #expect(pulled.added.count == 2)
        try expectInStep(pool, "after a pull")
        // And a capture on top finds the pulled session through the index.
        let grown = try Capturer(pool: pool).capture(paths: [try claude(session(7), steps: 5, in: dir, name: "o1.jsonl")])
        #expect(grown.captured.first?.supersedes.count == 1)
        try expectInStep(pool, "after a capture on top of the pull")
    }

    @Test func aDeletedOrCorruptIndexIsRebuiltNeverTrusted() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        let files = try (1...4).map { try claude(session($0), steps: $0, in: dir, name: "s\($0).jsonl") }
        _ = try Capturer(pool: pool).capture(paths: files)
        let index = SessionIndex(pool: pool)
        let good = try #require(FileManager.default.contents(atPath: index.path))

        try FileManager.default.removeItem(atPath: index.path)
        let (_, rebuilt, action) = try index.current()
        #expect(action == .rebuilt(reason: "missing"))
        #expect(rebuilt == (try scan(pool)))

        // Damage of every kind: a flipped byte in an entry, a cut file, another file's magic,
        // a count that lies, a commit the pool does not have.
        var flipped = [UInt8](good)
        flipped[flipped.count - 5] ^= 0x40
        var cut = [UInt8](good)
        cut.removeLast(7)
        var magic = [UInt8](good)
        magic[0] = UInt8(ascii: "X")
        var count = [UInt8](good)
        count[8] &+= 1
        for (name, bytes) in [("flipped", flipped), ("cut", cut), ("magic", magic), ("count", count)] {
            _ = FileManager.default.createFile(atPath: index.path, contents: Data(bytes))
            let (_, entries, action) = try index.current()
            guard case .rebuilt = action else {
                Issue.record("\(name): \(action)")
                continue
            }
            #expect(entries == (try scan(pool)), "\(name)")
        }
        // An index that names a commit the pool never had, with a valid checksum.
        let fake = try #require(ObjectID(hex: "0123456789abcdef0123456789abcdef01234567"))
        try index.write([], commit: fake)
        let (_, afterFake, fakeAction) = try index.current()
        #expect(fakeAction == .rebuilt(reason: "its commit 0123456789 is not in the pool"))
        #expect(afterFake == (try scan(pool)))
    }

    @Test func readsTheSessionKeyLikeTheMemoryDoes() throws {
        var source = MemorySource(agent: "claude-code", sessionId: "a \"quoted\" \\ session\u{e9}")
        source.workingDirectory = "/x"
        var step = TrajectoryStep(tool: "bash", input: "echo '\"sessionId\": \"decoy\"'", observation: "\"agent\": \"decoy\"")
        step.reasoning = "\"sessionId\": \"decoy\""
        let memory = Memory(body: .trajectory(Trajectory(steps: [step])), task: "\"agent\": \"decoy\"", domain: "d", source: source)
        #expect(SessionIndex.sessionKey(canonicalJSON: memory.canonicalBytes()) == SessionIdentity.key(memory))
        let placeholder = Memory(body: .trajectory(Trajectory(steps: [step])), task: "t", domain: "d", source: MemorySource(agent: "atif", sessionId: "NORMALIZED_SESSION_ID"))
        #expect(SessionIndex.sessionKey(canonicalJSON: placeholder.canonicalBytes()) == nil)
    }
}
