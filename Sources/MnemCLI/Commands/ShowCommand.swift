import Foundation
import MnemCompaction
import MnemCore

/// `mnem show ID`: one memory.
struct ShowCommand: Command {
    static let name = "show"
    static let abstract = "Show a memory by id or unique id prefix"
    static let help = """
        Usage: mnem show ID [--provenance] [--json]

          ID            a memory id, or a unique prefix of at least 4 hex digits
          --provenance  the chain the memory was derived from, down to trajectories, with their
                        sessions, agents, models and the commits that added them
          --json        print the memory's file exactly as stored (canonical JSON), or the provenance as JSON
        """

    var id: String
    var provenance: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        provenance = args.flag("--provenance")
        let rest = try args.positionals()
        guard rest.count == 1, let id = rest.first else { throw UsageError("show takes exactly one ID") }
        self.id = id
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let resolved = try pool.resolve(id)
        guard let memory = try pool.memory(resolved) else { throw PoolError("no memory \(id)") }
        if provenance {
            let chain = try Provenance.trace(memory.id, in: pool)
            if global.json { printJSON(chain.json, console) } else { console.out(chain.text) }
            return 0
        }
        if global.json {
            console.outJSON(memory.canonicalBytes())
        } else {
            console.out(MemoryText.render(memory))
        }
        return 0
    }
}

/// The human-readable view of a memory.
enum MemoryText {
    static func render(_ m: Memory) -> String {
        var lines = ["\(m.kind.rawValue) \(m.id.rawValue)", "domain: \(m.domain)   outcome: \(m.outcome.rawValue)"]
        if let inference = m.domainInference { lines.append("domain inferred from: \(inference)") }
        if !m.task.isEmpty { lines.append("task: \(m.task.firstLine(limit: 200))") }
        let s = m.source
        let origin = [s.agent.map { "agent \($0)\(s.agentVersion.map { " \($0)" } ?? "")" }, s.model.map { "model \($0)" }, s.sessionId.map { "session \($0)" }]
            .compactMap { $0 }
        if !origin.isEmpty { lines.append(origin.joined(separator: "   ")) }
        if let captured = s.capturedAt { lines.append("captured: \(captured)") }
        if let repo = s.repository ?? s.workingDirectory { lines.append("repository: \(repo)\(s.commit.map { " @ \($0.prefix(12))" } ?? "")") }
        if !m.derivedFrom.isEmpty { lines.append("derived from: \(m.derivedFrom.map(\.short).joined(separator: ", "))") }
        if !m.supersedes.isEmpty { lines.append("supersedes: \(m.supersedes.map(\.short).joined(separator: ", "))") }
        if !m.tags.isEmpty { lines.append("tags: \(m.tags.joined(separator: ", "))") }
        lines.append("")
        switch m.body {
        case .trajectory(let t):
            for (n, step) in t.steps.enumerated() {
                let status = step.exitStatus.map { " [exit \($0)]" } ?? (step.isError == true ? " [error]" : "")
                lines.append("\(n + 1). \(step.tool): \(step.input.firstLine(limit: 160))\(status)")
                if !step.observation.isEmpty { lines.append("   → \(step.observation.firstLine(limit: 160))") }
            }
        case .workflow(let w):
            lines.append((w.negative ? "What not to do — " : "Goal: ") + w.goal)
            for (n, step) in w.steps.enumerated() { lines.append("\(n + 1). [\(step.category)] \(step.action)") }
        case .summary(let sm):
            lines.append("Task: \(sm.taskSummary)")
            lines.append("Environment: \(sm.experience.environment)")
            lines.append("Actions: \(sm.experience.actions)")
            lines.append("Results: \(sm.experience.results)")
            lines.append("Why: \(sm.experience.why)")
        case .insight(let i):
            lines.append(i.title)
            lines.append(i.description)
            lines.append("")
            lines.append(i.content)
            if let e = i.evidence {
                lines.append("")
                lines.append("evidence: \(e.memories.count) memories from \(e.domains.count) domains (\(e.domains.prefix(8).joined(separator: ", ")))")
            }
        }
        return lines.joined(separator: "\n")
    }
}
