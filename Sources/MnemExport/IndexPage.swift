import MnemCore

/// The index: every memory in one list, filtered by kind, domain, agent, model and outcome and
/// searched by text in the browser.
///
/// The browser loads one compact data file (`data/index.js`), not the memories' pages: per
/// memory its id, five small integers into the facet tables, its headline and a short search
/// text (task and tags), about 200 bytes, so 100,000 memories are about 20 MB loaded once.
/// The data is a script assigning a global rather than JSON fetched at run time, because
/// browsers refuse `fetch` from `file://`. The list shows the first matches and grows on
/// request, so the page's DOM stays small whatever the pool's size. The first rows are also in
/// the HTML itself, for readers without JavaScript.
struct IndexPage {
    let catalog: ExportCatalog
    let footer: String

    static let facets = ["kind", "domain", "agent", "model", "outcome"]
    /// Rows written into the HTML itself.
    static let staticRows = 200
    /// The longest headline and search text kept per memory in the data file.
    static let headlineLimit = 160
    static let searchLimit = 160

    func facetValues(_ memory: Memory) -> [String?] {
        [memory.kind.rawValue, memory.domain, memory.source.agent, memory.source.model, memory.outcome.rawValue]
    }

    /// `data/index.js`: `window.MNEM_INDEX = {facets: {name: [values…]}, rows: [[id, k, d, a, m, o, headline, search, feedback], …]}`;
    /// a missing agent or model is -1, feedback is the net count or null.
    ///
    /// - Complexity: O(n) in the memories.
    func data() -> String {
        var tables: [[String]] = Array(repeating: [], count: Self.facets.count)
        var lookup: [[String: Int]] = Array(repeating: [:], count: Self.facets.count)
        // Kinds and outcomes in their natural order, so the filter lists them that way.
        for kind in MemoryKind.allCases.reversed() { intern(kind.rawValue, 0, &tables, &lookup) }
        for outcome in Outcome.allCases { intern(outcome.rawValue, 4, &tables, &lookup) }
        var rows = ""
        rows.reserveCapacity(catalog.memories.count * 220)
        for (n, memory) in catalog.memories.enumerated() {
            if n > 0 { rows += ",\n" }
            rows += "[\"\(memory.id.rawValue)\""
            for (facet, value) in facetValues(memory).enumerated() {
                rows += "," + (value.map { String(intern($0, facet, &tables, &lookup)) } ?? "-1")
            }
            rows += "," + HTML.jsString(memory.title(limit: Self.headlineLimit))
            rows += "," + HTML.jsString(searchText(memory))
            rows += "," + (catalog.netFeedback(memory.id).map(String.init) ?? "null") + "]"
        }
        var facets = ""
        for (n, name) in Self.facets.enumerated() {
            if n > 0 { facets += "," }
            facets += "\"\(name)\":[" + tables[n].map(HTML.jsString).joined(separator: ",") + "]"
        }
        return "window.MNEM_INDEX = {\"version\":1,\"facets\":{\(facets)},\"rows\":[\n\(rows)\n]};\n"
    }

    @discardableResult
    func intern(_ value: String, _ facet: Int, _ tables: inout [[String]], _ lookup: inout [[String: Int]]) -> Int {
        if let known = lookup[facet][value] { return known }
        tables[facet].append(value)
        lookup[facet][value] = tables[facet].count - 1
        return tables[facet].count - 1
    }

    /// What the text search reads besides the headline, facets and id: the task when it says
    /// more than the headline, and the tags.
    func searchText(_ memory: Memory) -> String {
        var parts: [String] = []
        if memory.task != memory.headline, !memory.task.isEmpty { parts.append(memory.task.firstLine(limit: Self.searchLimit)) }
        if !memory.tags.isEmpty { parts.append(memory.tags.joined(separator: " ")) }
        return parts.joined(separator: " · ")
    }

    func render() -> String {
        let total = catalog.memories.count
        var body = "<h1>Memories</h1>\n"
        body += "<form id=\"filters\" class=\"filters\" role=\"search\">\n"
        body += "<input id=\"q\" type=\"search\" placeholder=\"Search titles, tasks, tags, domains, agents, models, ids\" aria-label=\"Search\" autocomplete=\"off\">\n"
        for facet in Self.facets {
            body += "<label>\(facet) <select id=\"f-\(facet)\" data-facet=\"\(facet)\"><option value=\"\">all</option></select></label>\n"
        }
        body += "<button type=\"reset\" id=\"clear\">clear</button>\n</form>\n"
        body += "<p id=\"count\" class=\"count\">\(total) memor\(total == 1 ? "y" : "ies")</p>\n"
        body += "<noscript><p class=\"notice\">The filters and the full list need JavaScript; here are the first \(min(total, Self.staticRows)). <a href=\"\(SitePage.stats)\">Stats</a> counts every kind, domain, agent and model.</p></noscript>\n"
        body += "<table class=\"memories\">\n<thead><tr><th>kind</th><th>memory</th><th>domain</th><th>agent</th><th>model</th><th>outcome</th><th title=\"reports that helped minus those that did not\">feedback</th></tr></thead>\n<tbody id=\"rows\">\n"
        for memory in catalog.memories.prefix(Self.staticRows) { body += row(memory) }
        body += "</tbody>\n</table>\n<p><button id=\"more\" type=\"button\" hidden>show more</button></p>\n"
        return SitePage.frame(title: "Memories", path: SitePage.index, current: SitePage.index, footer: footer, body: body, scripts: [SitePage.indexData, SitePage.script])
    }

    func row(_ m: Memory) -> String {
        var html = "<tr><td><span class=\"kind \(m.kind.rawValue)\">\(m.kind.rawValue)</span></td>"
        html += "<td><a href=\"\(SitePage.memoryPath(m.id))\">\(HTML.escape(m.title(limit: Self.headlineLimit)))</a></td>"
        html += "<td>\(HTML.escape(m.domain))</td><td>\(HTML.escape(m.source.agent ?? "—"))</td><td>\(HTML.escape(m.source.model ?? "—"))</td>"
        html += "<td><span class=\"outcome \(m.outcome.rawValue)\">\(m.outcome.rawValue)</span></td>"
        html += "<td>\(feedbackCell(m.id))</td></tr>\n"
        return html
    }

    func feedbackCell(_ id: MemoryID) -> String {
        guard let net = catalog.netFeedback(id) else { return "" }
        return net > 0 ? "+\(net)" : String(net)
    }
}

extension ExportCatalog {
    /// Reports that helped minus those that did not, or nil without feedback.
    func netFeedback(_ id: MemoryID) -> Int? {
        guard let reports = feedback[id], !reports.isEmpty else { return nil }
        return reports.reduce(0) { $0 + ($1.helped ? 1 : -1) }
    }
}
