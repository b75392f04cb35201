import Foundation
import MnemCore
import MnemGit

/// Where a memory came from: the chain of `derivedFrom` down to trajectories, with each
/// memory's session, agent, model, and the commits that added it.
public struct Provenance: Sendable {
    public struct Node: Sendable {
        public var id: MemoryID
        /// Nil when the memory is no longer at the tip (forgotten or superseded; history keeps it).
        public var memory: Memory?
        public var commits: [HistoryEntry]
        public var children: [Node]
        /// True when this memory was already shown higher in the chain.
        public var repeated: Bool
    }

    public var root: Node

    /// Follows `derivedFrom` from `id`, at most `maxDepth` levels and `maxNodes` memories.
    public static func trace(_ id: MemoryID, in pool: Pool, maxDepth: Int = 6, maxNodes: Int = 500) throws -> Provenance {
        var seen = Set<MemoryID>()
        var budget = maxNodes
        func node(_ id: MemoryID, depth: Int) throws -> Node {
            if !seen.insert(id).inserted { return Node(id: id, memory: nil, commits: [], children: [], repeated: true) }
            budget -= 1
            let memory = try pool.memory(id)
            let commits = try pool.history(of: id).filter { $0.change == "added" }
            var children: [Node] = []
            if let memory, depth < maxDepth {
                for parent in memory.derivedFrom where budget > 0 { children.append(try node(parent, depth: depth + 1)) }
            }
            return Node(id: id, memory: memory, commits: commits, children: children, repeated: false)
        }
        return Provenance(root: try node(id, depth: 0))
    }

    /// The chain as indented text, one memory per line with its origin and commits below it.
    public var text: String {
        var lines: [String] = []
        func render(_ node: Node, indent: String) {
            guard !node.repeated else {
                lines.append("\(indent)\(node.id.short) (shown above)")
                return
            }
            guard let m = node.memory else {
                lines.append("\(indent)\(node.id.short) (not at the tip: forgotten or superseded)")
                return
            }
            lines.append("\(indent)\(m.kind.rawValue) \(m.id.rawValue)  \(m.domain)  \(m.outcome.rawValue)  \(m.headline.firstLine(limit: 70))")
            let s = m.source
            let origin = [
                s.agent.map { "agent \($0)" + (s.agentVersion.map { " \($0)" } ?? "") }, s.model.map { "model \($0)" },
                s.sessionId.map { "session \($0)" }, s.format.map { "format \($0)" },
            ].compactMap { $0 }
            if !origin.isEmpty { lines.append("\(indent)  " + origin.joined(separator: "   ")) }
            for entry in node.commits {
                lines.append("\(indent)  added in \(entry.commit.id.hex.prefix(12)) by \(entry.commit.author.name): \(entry.commit.message.firstLine(limit: 70))")
            }
            if !m.supersedes.isEmpty { lines.append("\(indent)  supersedes \(m.supersedes.map(\.short).joined(separator: ", "))") }
            for child in node.children { render(child, indent: indent + "    ") }
        }
        render(root, indent: "")
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        func encode(_ node: Node) -> JSONValue {
            var m: [String: JSONValue] = ["id": .string(node.id.rawValue), "atTip": .bool(node.memory != nil)]
            if node.repeated { m["repeated"] = .bool(true) }
            if let memory = node.memory {
                m["kind"] = .string(memory.kind.rawValue)
                m["domain"] = .string(memory.domain)
                m["outcome"] = .string(memory.outcome.rawValue)
                m["headline"] = .string(memory.headline.firstLine(limit: 200))
                var source: [String: JSONValue] = [:]
                if let agent = memory.source.agent { source["agent"] = .string(agent) }
                if let model = memory.source.model { source["model"] = .string(model) }
                if let session = memory.source.sessionId { source["sessionId"] = .string(session) }
                if let format = memory.source.format { source["format"] = .string(format) }
                m["source"] = .object(source)
                m["supersedes"] = .array(memory.supersedes.map { .string($0.rawValue) })
            }
            m["commits"] = .array(
                node.commits.map { entry in
                    .object([
                        "commit": .string(entry.commit.id.hex), "author": .string(entry.commit.author.name),
                        "summary": .string(entry.commit.message.firstLine(limit: 200)),
                    ])
                })
            m["derivedFrom"] = .array(node.children.map(encode))
            return .object(m)
        }
        return encode(root)
    }

    /// The trajectories at the bottom of the chain.
    public var trajectories: [Memory] {
        var out: [Memory] = []
        func walk(_ node: Node) {
            if let m = node.memory, m.kind == .trajectory { out.append(m) }
            node.children.forEach(walk)
        }
        walk(root)
        return out
    }
}
