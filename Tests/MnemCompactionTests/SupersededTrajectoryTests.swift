import Foundation
import MnemCapture
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCompaction

/// What capture's session identity means for compaction: a capture a longer one replaced is not
/// compacted again, and a second run under the same session id is compacted as its own run.
@Suite struct SupersededTrajectoryTests {
    /// A Claude Code session file: the prompt, then one Bash call per command.
    func session(_ commands: [String], id: String = "5e55a0e1-0000-4000-8000-00000000000a") -> String {
        func line(_ object: [String: Any]) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        let envelope: [String: Any] = ["sessionId": id, "cwd": "/home/dev/shop", "version": "2.1.40", "isSidechain": false, "timestamp": "2026-03-01T12:00:00.000Z"]
        var lines = [line(envelope.merging(["type": "user", "uuid": "u0", "message": ["role": "user", "content": "Speed up the checkout page"]]) { $1 })]
        for (n, command) in commands.enumerated() {
            let tool: [String: Any] = ["type": "tool_use", "id": "toolu_\(n)", "name": "Bash", "input": ["command": command]]
            lines.append(line(envelope.merging(["type": "assistant", "uuid": "a\(n)", "message": ["role": "assistant", "model": "claude-opus-4-6", "content": [tool]]]) { $1 }))
            let result: [String: Any] = ["type": "tool_result", "tool_use_id": "toolu_\(n)", "content": "ok \(n)", "is_error": false]
            lines.append(line(envelope.merging(["type": "user", "uuid": "r\(n)", "message": ["role": "user", "content": [result]]]) { $1 }))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func onlyTheLatestCaptureOfEachRunIsCompacted() throws {
        let dir = TemporaryDirectory("superseded")
        let (pool, _) = try makePool(dir)
        let file = dir.file("session.jsonl")
        func capture(_ text: String, at path: String) throws -> CaptureSummary.Captured? {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try Capturer(pool: pool).capture(paths: [path]).captured.first
        }
        let first = try #require(try capture(session(["npm run build", "npm test"]), at: file))
        let grown = try #require(try capture(session(["npm run build", "npm test", "sed -i s/a/b/ app.js", "npm test"]), at: file))
        #expect(grown.supersedes == [first.id])
        // The same session id, another run (another model, a re-run from scratch): not contained, so not replaced.
        let other = try #require(try capture(session(["git status", "npm ci"]), at: dir.file("other.jsonl")))
        #expect(other.supersedes.isEmpty)

        let (report, _) = try OfflineCompactor().plan(try pool.memories())
        #expect(report.trajectories == 2)
        let compacted = Set(report.added.filter { $0.kind == .workflow || $0.kind == .summary }.flatMap(\.derivedFrom))
        #expect(compacted == [grown.id, other.id])
    }
}
