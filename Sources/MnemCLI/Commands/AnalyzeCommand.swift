import Foundation
import MnemCore
import MnemIndex

/// `mnem analyze`: does the pool abstract? Memory Transfer Learning's per-kind clustering
/// statistics over a label, and the projection drawn as SVG.
struct AnalyzeCommand: Command {
    static let name = "analyze"
    static let abstract = "Show per kind how the pool's memories cluster by domain, agent, model or source"
    static var help: String {
        """
        Usage: mnem analyze [--by domain|agent|model|source] [--svg FILE] [--embedder E] [--json]

          --by L          the label (default domain); source is the project a session worked in.
                          A memory without one (an insight's domain is 'general') takes the most
                          common label of the memories it was derived from
          --svg FILE      also draw each kind's memories on their first two principal components,
                          one panel per kind, coloured by label
          --shuffles N    label shuffles averaged for each baseline (default 10)
          --embedder E    the embedder whose vectors are analyzed (default $MNEM_EMBEDDER, else static)

        Per kind: the Davies-Bouldin index (low: memories cluster by the label) and the mean local
        inverse Simpson index (1: a memory's neighbours share its label; the number of labels:
        they are mixed), each beside its value with the labels shuffled at random. The paper found
        concrete memories (trajectories) cluster by task domain and abstract ones (insights) do
        not: that is the sign of a pool that transfers across tasks.
        """
    }

    var label: PoolAnalysis.Label
    var svg: String?
    var shuffles: Int
    var options: RetrievalOptions
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let by = try args.option("--by") ?? "domain"
        guard let label = PoolAnalysis.Label(rawValue: by) else {
            throw UsageError("--by takes one of \(PoolAnalysis.Label.allCases.map(\.rawValue).joined(separator: ", ")), not '\(by)'")
        }
        self.label = label
        svg = try args.option("--svg")
        shuffles = try args.intOption("--shuffles", range: 1...1000) ?? 10
        options = RetrievalOptions()
        options.embedderName = try args.option("--embedder")
        if let extra = try args.positionals().first { throw UsageError("analyze takes no argument, not '\(extra)'") }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let analysis = try PoolAnalysis.run(pool: pool, embedder: try options.embedder(console), by: label, shuffles: shuffles)
        if let svg {
            let path = console.absolute(svg)
            do {
                try Data(analysis.svg().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw PoolError("cannot write the SVG to \(path): \(error.localizedDescription)")
            }
        }
        if global.json {
            printJSON(Self.json(analysis), console)
            return 0
        }
        console.out("analysis by \(label.rawValue) of \(analysis.kinds.reduce(0) { $0 + $1.count }) memories at \(analysis.commit.prefix(10)), embedder \(analysis.embedderID)")
        console.out(Self.table(analysis))
        if let svg { console.err("mnem: wrote \(console.absolute(svg))") }
        return 0
    }

    /// The table `mnem analyze` prints.
    static func table(_ analysis: PoolAnalysis) -> String {
        var lines = ["kind         memories  labels     DBI  shuffled     LISI  shuffled"]
        for kind in analysis.kinds {
            func cell(_ value: Double?, _ width: Int) -> String {
                let text = value.map { String(format: "%.2f", $0) } ?? "–"
                return String(repeating: " ", count: max(0, width - text.count)) + text
            }
            lines.append(
                kind.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + String(kind.count).leftPadded(10) + String(kind.labels).leftPadded(8)
                    + cell(kind.daviesBouldin, 8) + cell(kind.daviesBouldinShuffled, 10)
                    + cell(kind.lisi, 9) + cell(kind.lisiShuffled, 10))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ analysis: PoolAnalysis) -> JSONValue {
        func number(_ value: Double?) -> JSONValue {
            guard let value, value.isFinite else { return .null }
            return .double((value * 10_000).rounded() / 10_000)
        }
        return .object([
            "by": .string(analysis.label.rawValue), "embedder": .string(analysis.embedderID), "commit": .string(analysis.commit),
            "kinds": .array(
                analysis.kinds.map { kind in
                    .object([
                        "kind": .string(kind.kind.rawValue), "memories": .int(Int64(kind.count)), "labels": .int(Int64(kind.labels)),
                        "dbi": number(kind.daviesBouldin), "dbiShuffled": number(kind.daviesBouldinShuffled),
                        "lisi": number(kind.lisi), "lisiShuffled": number(kind.lisiShuffled), "perplexity": number(kind.perplexity),
                    ])
                }),
        ])
    }
}
