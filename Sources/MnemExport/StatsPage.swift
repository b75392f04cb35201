import MnemCore

/// How the pool was built: counts by kind, domain, agent, model, outcome and author (as
/// `mnem stats` prints them), feedback, what came from remotes, the files that were skipped,
/// and the `mnem analyze` plot when there is one.
struct StatsPage {
    let catalog: ExportCatalog
    let footer: String
    /// Whether `analysis.svg` was written beside the page.
    let hasAnalysis: Bool
    /// Why there is no plot, when there is none.
    var analysisNote: String?

    /// The most values listed per grouping; the rest are summed in one line.
    static let groupLimit = 100

    func render() -> String {
        let memories = catalog.memories
        var body = "<h1>Stats</h1>\n<p>\(memories.count) memor\(memories.count == 1 ? "y" : "ies") at the tip of <code>\(HTML.escape(catalog.branch))</code>"
        if let tip = catalog.tip { body += " (commit <code title=\"\(tip.id)\">\(tip.id.prefix(12))</code>, \(HTML.escape(tip.date)))" }
        body += ".</p>\n"

        var groups: [(name: String, facet: String?, counts: [String: Int])] = [
            ("kind", "kind", [:]), ("domain", "domain", [:]), ("agent", "agent", [:]), ("model", "model", [:]), ("outcome", "outcome", [:]),
            ("author", nil, [:]),
        ]
        for memory in memories {
            let keys = [
                memory.kind.rawValue, memory.domain, memory.source.agent ?? "-", memory.source.model ?? "-", memory.outcome.rawValue,
                catalog.addedIn[memory.id].map { catalog.commits[$0].author } ?? "-",
            ]
            for (n, key) in keys.enumerated() { groups[n].counts[key, default: 0] += 1 }
        }
        body += "<div class=\"columns\">\n"
        for group in groups { body += table(group.name, group.facet, group.counts, total: memories.count) }
        body += "</div>\n"

        body += "<h2>Feedback</h2>\n" + feedback()
        body += "<h2>Sharing</h2>\n" + sharing()
        body += "<h2>Analysis</h2>\n"
        if hasAnalysis {
            body += "<figure class=\"analysis\"><img src=\"\(SitePage.analysis)\" alt=\"mnem analyze: each kind's memories projected on their first two principal components, coloured by domain\"><figcaption>The <code>mnem analyze</code> plot: one panel per kind, coloured by domain. Concrete memories that cluster by domain and abstract ones that do not are the sign of a pool that transfers across tasks.</figcaption></figure>\n"
        } else {
            body += "<p class=\"none\">No <code>mnem analyze</code> plot in this export. \(HTML.escape(analysisNote ?? ""))</p>\n"
        }
        if !catalog.skipped.isEmpty {
            body += "<h2>Skipped</h2>\n<p>\(catalog.skipped.count) file\(catalog.skipped.count == 1 ? "" : "s") could not be read or failed validation and \(catalog.skipped.count == 1 ? "is" : "are") not in this export:</p>\n<ul>\n"
            for item in catalog.skipped.prefix(Self.groupLimit) { body += "<li><code>\(HTML.escape(item.path))</code>: \(HTML.escape(item.reason))</li>\n" }
            if catalog.skipped.count > Self.groupLimit { body += "<li class=\"more\">and \(catalog.skipped.count - Self.groupLimit) more</li>\n" }
            body += "</ul>\n"
        }
        return SitePage.frame(title: "Stats", path: SitePage.stats, current: SitePage.stats, footer: footer, body: body)
    }

    /// One grouping as a table of counts with a bar each; values link to the index filtered by them.
    func table(_ name: String, _ facet: String?, _ counts: [String: Int], total: Int) -> String {
        let sorted = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var html = "<section><h2>By \(name)</h2>\n<table class=\"counts\">\n"
        for (key, count) in sorted.prefix(Self.groupLimit) {
            let label: String
            if let facet {
                label = "<a href=\"\(SitePage.filtered(facet, key, root: ""))\">\(HTML.escape(key == "-" ? "(none)" : key))</a>"
            } else {
                label = HTML.escape(key == "-" ? "(unknown)" : key)
            }
            html += "<tr><td>\(label)</td><td class=\"n\">\(count)</td><td><meter min=\"0\" max=\"\(total)\" value=\"\(count)\"></meter></td></tr>\n"
        }
        if sorted.count > Self.groupLimit {
            let rest = sorted.dropFirst(Self.groupLimit)
            html += "<tr><td class=\"more\">\(rest.count) more</td><td class=\"n\">\(rest.reduce(0) { $0 + $1.value })</td><td></td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    func feedback() -> String {
        var reports = 0
        var helped = 0
        var scored: [(MemoryID, Int)] = []
        for (id, list) in catalog.feedback {
            reports += list.count
            helped += list.filter(\.helped).count
            if catalog.memory(id) != nil { scored.append((id, list.reduce(0) { $0 + ($1.helped ? 1 : -1) })) }
        }
        guard reports > 0 else { return "<p class=\"none\">No feedback yet.</p>\n" }
        var html = "<p>\(reports) report\(reports == 1 ? "" : "s") on \(catalog.feedback.count) memor\(catalog.feedback.count == 1 ? "y" : "ies"): "
        html += "<span class=\"helped\">helped ×\(helped)</span>, <span class=\"unhelpful\">did not help ×\(reports - helped)</span>.</p>\n"
        scored.sort { ($0.1, $1.0) > ($1.1, $0.0) }
        func list(_ title: String, _ items: ArraySlice<(MemoryID, Int)>) -> String {
            guard !items.isEmpty else { return "" }
            var html = "<h3>\(title)</h3>\n<ul class=\"links\">\n"
            for (id, net) in items {
                guard let memory = catalog.memory(id) else { continue }
                html += "<li>\(SitePage.memoryLink(memory, href: SitePage.memoryPath(id))) \(net > 0 ? "+" : "")\(net)</li>\n"
            }
            return html + "</ul>\n"
        }
        html += list("Most helpful", scored.filter { $0.1 > 0 }.prefix(10))
        html += list("Least helpful", scored.filter { $0.1 < 0 }.reversed().prefix(10))
        return html
    }

    func sharing() -> String {
        var remotes: [String: Int] = [:]
        for list in catalog.arrivals.values {
            for remote in Set(list.map(\.remote)) { remotes[remote, default: 0] += 1 }
        }
        let adding = Set(catalog.addedIn.values)
        let authors = Set(adding.map { catalog.commits[$0].author }).count
        var html = "<p>\(adding.count) commit\(adding.count == 1 ? "" : "s") added the memories at the tip, by \(authors) author\(authors == 1 ? "" : "s").</p>\n"
        if remotes.isEmpty { return html + "<p class=\"none\">No memory arrived through a pull.</p>\n" }
        html += "<table class=\"counts\">\n"
        for (remote, count) in remotes.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            html += "<tr><td>from remote <b>\(HTML.escape(remote))</b></td><td class=\"n\">\(count)</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
