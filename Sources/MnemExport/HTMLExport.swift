import Foundation
import MnemCore

/// `mnem export --html DIR`: the pool as a static site, readable from `file://` or any static host.
///
/// Layout: `index.html` (filter and search over `data/index.js`), `stats.html`, one page per
/// memory at `m/<2 hex>/<id>.html`, the shared `mnem.css` and `mnem.js`, `analysis.svg` when the
/// caller has the `mnem analyze` plot, and the `.mnem-export` marker. Links are relative; nothing
/// loads from the network; every page forbids inline scripts through its Content-Security-Policy.
public enum HTMLExport {
    public struct Report: Sendable {
        public var directory: String
        public var memories: Int
        public var files: Int
        public var bytes: Int
        /// Files under `memories/` or `feedback/` that failed to read or validate, with why.
        public var skipped: [String]
    }

    /// Exports the tip of `pool` to `directory`, replacing an earlier export there.
    ///
    /// - Parameters:
    ///   - analysisSVG: the `mnem analyze` plot, written as `analysis.svg` and shown on the stats
    ///     page through an `<img>` (so any script in it never runs); nil leaves it out.
    ///   - analysisNote: why there is no plot, for the stats page.
    /// - Throws: `ExportError` when the directory cannot be written or is not an export;
    ///   pool errors when the repository cannot be read. A failure leaves `directory` as it was.
    /// - Complexity: O(n) in the memories at the tip plus one walk of the history (see `ExportCatalog`).
    public static func export(pool: Pool, to directory: String, analysisSVG: String? = nil, analysisNote: String? = nil) throws -> Report {
        let catalog = try ExportCatalog.load(pool)
        let writer = try SiteWriter(target: directory)
        do {
            let report = try write(catalog, analysisSVG: analysisSVG, analysisNote: analysisNote, with: writer)
            try writer.commit()
            return report
        } catch {
            writer.abandon()
            throw error
        }
    }

    static func footer(_ catalog: ExportCatalog) -> String {
        var text = "Exported by mnem from <code>\(HTML.escape(catalog.branch))</code>"
        if let tip = catalog.tip { text += " at <code title=\"\(tip.id)\">\(tip.id.prefix(12))</code> (\(HTML.escape(tip.date)))" }
        return text + " · \(catalog.memories.count) memor\(catalog.memories.count == 1 ? "y" : "ies")"
    }

    static func write(_ catalog: ExportCatalog, analysisSVG: String?, analysisNote: String?, with writer: SiteWriter) throws -> Report {
        let footer = footer(catalog)
        var files = 0
        var bytes = 0
        func put(_ path: String, _ text: String) throws {
            try writer.write(path, text)
            files += 1
            bytes += text.utf8.count
        }
        try put(SitePage.marker, "mnem export\n")
        try put(SitePage.stylesheet, SiteAssets.stylesheet)
        try put(SitePage.script, SiteAssets.script)
        try writer.directory("data")
        try put(SitePage.indexData, IndexPage(catalog: catalog, footer: footer).data())
        try put(SitePage.index, IndexPage(catalog: catalog, footer: footer).render())
        if let analysisSVG { try put(SitePage.analysis, analysisSVG) }
        try put(SitePage.stats, StatsPage(catalog: catalog, footer: footer, hasAnalysis: analysisSVG != nil, analysisNote: analysisNote).render())

        try writer.directory("m")
        for fan in Set(catalog.memories.map { $0.id.rawValue.prefix(2) }) { try writer.directory("m/\(fan)") }
        // Pages are independent: rendered and written on every core.
        let sizes = try catalog.memories.parallelMap(minimumCount: 64) { memory -> Int in
            let page = MemoryPage(memory: memory, catalog: catalog, footer: footer)
            let html = page.render()
            try writer.write(page.path, html)
            return html.utf8.count
        }
        files += sizes.count
        bytes += sizes.reduce(0, +)
        return Report(
            directory: writer.target, memories: catalog.memories.count, files: files, bytes: bytes,
            skipped: catalog.skipped.map { "\($0.path): \($0.reason)" })
    }
}
