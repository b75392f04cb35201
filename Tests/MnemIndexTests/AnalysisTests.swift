import Foundation
import MnemCore
import MnemEmbedding
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@testable import MnemIndex

@Suite("mnem analyze: DBI, LISI, projection, SVG")
struct AnalysisTests {
    static let cases: [(String, ClusterReferenceData.Case)] = [("separated", ClusterReferenceData.separated), ("mixed", ClusterReferenceData.mixed)]

    @Test("Davies-Bouldin agrees with scikit-learn's davies_bouldin_score", arguments: cases)
    func daviesBouldin(_ name: String, _ reference: ClusterReferenceData.Case) throws {
        let value = try #require(ClusterStatistics.daviesBouldin(reference.points, labels: reference.labels))
        #expect(abs(value - reference.daviesBouldin) < 1e-9 * max(1, reference.daviesBouldin), "\(name): \(value) vs \(reference.daviesBouldin)")
    }

    @Test("LISI agrees with the Python reference point by point", arguments: cases)
    func lisi(_ name: String, _ reference: ClusterReferenceData.Case) {
        let values = ClusterStatistics.lisi(reference.points, labels: reference.labels, perplexity: reference.perplexity)
        #expect(values.count == reference.lisi.count)
        for (i, (value, expected)) in zip(values, reference.lisi).enumerated() {
            // The bisection stops within 1e-5 of the target entropy; both sides take the same steps.
            #expect(abs(value - expected) < 1e-7, "\(name) point \(i): \(value) vs \(expected)")
        }
    }

    @Test("degenerate inputs give no statistic rather than a crash")
    func degenerate() {
        #expect(ClusterStatistics.daviesBouldin([[0, 1], [1, 0]], labels: [0, 0]) == nil)
        #expect(ClusterStatistics.daviesBouldin([[0, 1], [1, 0]], labels: [0, 1]) == nil)
        #expect(ClusterStatistics.daviesBouldin([], labels: []) == nil)
        #expect(ClusterStatistics.lisi([[0, 1], [1, 0], [1, 1]], labels: [0, 1, 0]).isEmpty)
        #expect(ClusterStatistics.principalComponents([]).isEmpty)
        let flat = ClusterStatistics.principalComponents([[1, 1], [1, 1], [1, 1]])
        #expect(flat.allSatisfy { $0.x == 0 && $0.y == 0 })
    }

    @Test("the projection keeps the direction of largest spread on the x axis")
    func projection() {
        // Points on a line along (1, 1, 0) with a little spread along z.
        let points = (0..<20).map { i -> [Double] in [Double(i), Double(i), i % 2 == 0 ? 0.1 : -0.1] }
        let projected = ClusterStatistics.principalComponents(points)
        let xs = projected.map(\.x)
        let ys = projected.map(\.y)
        #expect((xs.max() ?? 0) - (xs.min() ?? 0) > 20)
        #expect((ys.max() ?? 0) - (ys.min() ?? 0) < 0.3)
    }

    @Test("a pool's analysis has one panel per kind, and its SVG is well-formed XML")
    func svgPanels() throws {
        let test = try TestPool()
        var memories = Make.mixed(24)
        // A label with markup in it must come out escaped.
        memories.append(Make.trajectory("odd <label> & \"quotes\"", domain: "c++/<odd>&"))
        try test.add(memories)
        let analysis = try PoolAnalysis.run(pool: test.pool, embedder: try HashEmbedder(dimension: 64), by: .domain, shuffles: 3)
        #expect(analysis.kinds.map(\.kind) == [.trajectory, .workflow, .summary, .insight])
        #expect(analysis.kinds.reduce(0) { $0 + $1.count } == memories.count)
        for kind in analysis.kinds {
            #expect(kind.points.count == kind.count)
            #expect(kind.labels >= 3)
            #expect(kind.daviesBouldin != nil && kind.daviesBouldinShuffled != nil)
            #expect(kind.lisi != nil && kind.lisiShuffled != nil)
        }

        let svg = analysis.svg()
        let counter = PanelCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        #expect(parser.parse(), "the SVG does not parse: \(String(describing: parser.parserError))")
        #expect(counter.root == "svg")
        #expect(counter.panels == ["trajectory", "workflow", "summary", "insight"])
        #expect(counter.circles >= memories.count)
        #expect(svg.contains("c++/&lt;odd&gt;&amp;"))
    }

    @Test("the same seed gives the same shuffled baselines")
    func seeded() throws {
        let test = try TestPool()
        try test.add(Make.mixed(20))
        let embedder = try HashEmbedder(dimension: 32)
        let a = try PoolAnalysis.run(pool: test.pool, embedder: embedder, by: .domain, shuffles: 4, seed: 9)
        let b = try PoolAnalysis.run(pool: test.pool, embedder: embedder, by: .domain, shuffles: 4, seed: 9)
        #expect(a.kinds.map(\.lisiShuffled) == b.kinds.map(\.lisiShuffled))
        #expect(a.kinds.map(\.daviesBouldinShuffled) == b.kinds.map(\.daviesBouldinShuffled))
    }
}

/// Counts the SVG's root and panels as an XML parser sees them.
final class PanelCounter: NSObject, XMLParserDelegate {
    var root: String?
    var panels: [String] = []
    var circles = 0

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if root == nil { root = name }
        if name == "g", attributes["class"] == "panel", let kind = attributes["data-kind"] { panels.append(kind) }
        if name == "circle" { circles += 1 }
    }
}
