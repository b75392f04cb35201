import MnemCore
import MnemIndex

/// The `mnem analyze` plot (issue 13) for `mnem export`: each kind's memories projected on
/// their first two principal components, coloured by domain, drawn by `PoolAnalysis.svg()` —
/// the same picture `mnem analyze --svg` writes.
///
/// The plot is optional in an export: when it cannot be drawn, the export goes on and the stats
/// page says why. Above `maxMemories` it is left out, because the analysis's neighbour search is
/// quadratic in each kind's size while the export must stay linear in the pool's.
enum AnalysisPlot {
    static let maxMemories = 5_000

    /// The SVG, or nil and the reason there is none.
    static func draw(for pool: Pool, console: Console) -> (svg: String?, note: String?) {
        do {
            let count = try pool.entries().count
            guard count > 0 else { return (nil, "The pool is empty.") }
            guard count <= maxMemories else {
                return (nil, "Left out above \(maxMemories) memories (the analysis is quadratic in each kind's size): run mnem analyze --svg FILE.")
            }
            let analysis = try PoolAnalysis.run(pool: pool, embedder: try RetrievalOptions().embedder(console), by: .domain)
            return (analysis.svg(), nil)
        } catch {
            return (nil, "The analysis could not be drawn: \(error.oneLine)")
        }
    }
}
