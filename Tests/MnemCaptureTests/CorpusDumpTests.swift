import Foundation
import MnemCore
import Testing

@testable import MnemCapture

@Suite struct CorpusDump {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MNEM_DUMP"] != nil)) func dump() throws {
        for file in Corpus.files() {
            let (detection, summary) = try readSessions(Corpus.path(file))
            print("== \(file)\n   \(detection) skipped=\(summary.skipped.map { "\($0.session ?? "-"): \($0.reason)" }) redactions=\(summary.redactions) corrupt=\(summary.corruptLineCount)")
            for m in summary.memories {
                print("   agent=\(m.source.agent ?? "-") v=\(m.source.agentVersion ?? "-") model=\(m.source.model ?? "-") models=\(m.source.models) sid=\(m.source.sessionId ?? "-") steps=\(m.steps.count) outcome=\(m.outcome) domain=\(m.domain) [\(m.domainInference ?? "")] tags=\(m.tags) cwd=\(m.source.workingDirectory ?? "-") branch=\(m.source.branch ?? "-") \(m.source.startedAt ?? "-")..\(m.source.endedAt ?? "-")")
                print("   task: \(m.task.prefix(100).debugDescription)")
                print("   tools: \(m.steps.prefix(6).map { "\($0.tool)|\($0.input.prefix(30).debugDescription)|exit=\($0.exitStatus.map(String.init) ?? "-")|obs=\($0.observation.count)" })")
            }
        }
    }
}
