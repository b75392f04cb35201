import MnemCore

/// The page of one memory: its content by kind, its provenance in both directions, its feedback.
///
/// Every value taken from the memory, a commit or a feedback report is escaped with
/// `HTML.escape`; nothing from them becomes a URL (a memory's repository may say
/// `javascript:…`): links go only to the site's own pages.
struct MemoryPage {
    let memory: Memory
    let catalog: ExportCatalog
    let footer: String

    /// The most linked memories listed in one section; the rest are counted.
    static let listLimit = 200

    var path: String { SitePage.memoryPath(memory.id) }

    func render() -> String {
        let m = memory
        let root = SitePage.root(from: path)
        var body = ""
        if let newer = catalog.supersededBy[m.id], !newer.isEmpty {
            body += "<p class=\"notice\">Superseded by \(newer.prefix(5).map(link).joined(separator: ", ")).</p>\n"
        }
        body += "<p class=\"crumbs\"><a class=\"kind \(m.kind.rawValue)\" href=\"\(SitePage.filtered("kind", m.kind.rawValue, root: root))\">\(m.kind.rawValue)</a>"
        body += " <a href=\"\(SitePage.filtered("domain", m.domain, root: root))\">\(HTML.escape(m.domain))</a>"
        body += " <span class=\"outcome \(m.outcome.rawValue)\">\(m.outcome.rawValue)</span></p>\n"
        // The heading is the headline's first line, cut: a trajectory's headline is its whole
        // task, which the content shows in full below.
        body += "<h1>\(HTML.escape(m.title(limit: 160)))</h1>\n"
        body += details()
        body += "<section id=\"content\">\n<h2>Content</h2>\n\(content())</section>\n"
        body += "<section id=\"provenance\">\n<h2>Provenance</h2>\n\(provenance())</section>\n"
        body += "<section id=\"feedback\">\n<h2>Feedback</h2>\n\(feedback())</section>\n"
        return SitePage.frame(title: m.title(limit: 80), path: path, current: nil, footer: footer, body: body)
    }

    // MARK: - Pieces

    func row(_ label: String, _ html: String) -> String { "<dt>\(label)</dt><dd>\(html)</dd>\n" }
    func text(_ value: String) -> String { HTML.escape(value) }
    /// Commands, output and patches, in monospace as they were.
    func block(_ value: String) -> String { "<pre>\(HTML.escape(value))</pre>" }
    /// Written text, wrapped, its line breaks kept.
    func prose(_ value: String) -> String { "<div class=\"prose\">\(HTML.escape(value))</div>" }

    /// A link to a memory's page with its kind and headline, or its id when it is not at the tip.
    func link(_ id: MemoryID) -> String {
        guard let target = catalog.memory(id) else {
            return "<span class=\"gone\" title=\"not at the tip: forgotten, superseded or never pulled\">\(id.short)</span>"
        }
        return SitePage.memoryLink(target, href: SitePage.link(to: id, from: path))
    }

    func linkList(_ ids: [MemoryID]) -> String {
        var html = "<ul class=\"links\">"
        for id in ids.prefix(Self.listLimit) { html += "<li>\(link(id))</li>" }
        if ids.count > Self.listLimit { html += "<li class=\"more\">and \(ids.count - Self.listLimit) more</li>" }
        return html + "</ul>"
    }

    func details() -> String {
        let m = memory
        var html = "<dl class=\"meta\">\n"
        html += row("id", "<code>\(m.id.rawValue)</code>")
        html += row("file", "<code>\(text(m.path))</code>")
        if !m.task.isEmpty, m.task != m.headline { html += row("task", text(m.task)) }
        html += row("domain", text(m.domain) + (m.domainInference.map { " <span class=\"why\">(\(text($0)))</span>" } ?? ""))
        var outcome = m.outcome.rawValue
        if let evidence = m.outcomeEvidence {
            outcome += " <span class=\"why\">(\(evidence.signal.rawValue): \(text(evidence.detail))\(evidence.step.map { ", step \($0 + 1)" } ?? ""))</span>"
        }
        html += row("outcome", outcome)
        if !m.tags.isEmpty { html += row("tags", m.tags.map { "<span class=\"tag\">\(text($0))</span>" }.joined(separator: " ")) }
        html += row("format version", String(m.version))
        return html + "</dl>\n"
    }

    // MARK: - Content by kind

    func content() -> String {
        // What the heading cut is shown whole here.
        let headline = memory.headline
        let whole = headline.count > memory.title(limit: 160).count ? "<h3>Task</h3>\n\(prose(headline))\n" : ""
        return whole + body()
    }

    func body() -> String {
        switch memory.body {
        case .insight(let insight): return self.insight(insight)
        case .summary(let summary): return self.summary(summary)
        case .workflow(let workflow): return self.workflow(workflow)
        case .trajectory(let trajectory): return self.trajectory(trajectory)
        }
    }

    func insight(_ i: Insight) -> String {
        var html = "<p class=\"lead\">\(text(i.description))</p>\n\(prose(i.content))\n"
        if let e = i.evidence {
            html += "<h3>Evidence</h3>\n<dl class=\"meta\">"
            html += row("domains", e.domains.map(text).joined(separator: ", "))
            if let with = e.successRateWith { html += row("success rate with the pattern", percent(with)) }
            if let without = e.successRateWithout { html += row("success rate without it", percent(without)) }
            html += "</dl>\n"
            let ids = e.memories.compactMap(MemoryID.init)
            if !ids.isEmpty { html += "<p>\(e.memories.count) supporting memories:</p>\n" + linkList(ids) + "\n" }
        }
        return html
    }

    func percent(_ value: Double) -> String {
        value.isFinite ? String(Int((value * 100).rounded())) + "%" : text(String(value))
    }

    func summary(_ s: Summary) -> String {
        var html = "<dl class=\"summary\">\n"
        html += row("task", prose(s.taskSummary))
        html += row("environment", prose(s.experience.environment))
        html += row("actions", prose(s.experience.actions))
        html += row("results", prose(s.experience.results))
        html += row("why", prose(s.experience.why))
        return html + "</dl>\n"
    }

    func workflow(_ w: Workflow) -> String {
        var html = w.negative ? "<p class=\"notice\">What not to do: this workflow comes from a failed trajectory.</p>\n" : ""
        html += "<p class=\"lead\">Goal: \(text(w.goal))</p>\n<ol class=\"steps\">\n"
        for step in w.steps {
            html += "<li><span class=\"category\">\(text(step.category))</span> \(text(step.action))"
            if let example = step.example, !example.isEmpty { html += "<br><code>\(text(example))</code>" }
            html += "</li>\n"
        }
        return html + "</ol>\n"
    }

    func trajectory(_ t: Trajectory) -> String {
        var html = ""
        if let first = t.firstUserMessage, !first.isEmpty { html += "<h3>First user message</h3>\n\(prose(first))\n" }
        html += "<h3>\(t.steps.count) step\(t.steps.count == 1 ? "" : "s")</h3>\n<ol class=\"trajectory\">\n"
        for step in t.steps {
            var status = ""
            if let exit = step.exitStatus {
                status = " <span class=\"exit \(exit == 0 ? "ok" : "fail")\">exit \(exit)</span>"
            } else if step.isError == true {
                status = " <span class=\"exit fail\">error</span>"
            }
            html += "<li><details><summary><span class=\"tool\">\(text(step.tool))</span> <code>\(text(step.input.firstLine(limit: 160)))</code>\(status)</summary>\n"
            if let reasoning = step.reasoning, !reasoning.isEmpty { html += "<p class=\"why\">\(text(reasoning))</p>\n" }
            html += block(step.input) + "\n"
            if !step.observation.isEmpty { html += "<div class=\"observation\">\(block(step.observation))</div>\n" }
            html += "</details></li>\n"
        }
        html += "</ol>\n"
        if let result = t.result, !result.isEmpty {
            html += "<h3>Result</h3>\n"
            if let message = result.finalMessage, !message.isEmpty { html += "<p>Final message:</p>\n\(prose(message))\n" }
            if let patch = result.patch, !patch.isEmpty { html += "<p>Patch:</p>\n\(block(patch))\n" }
        }
        return html
    }

    // MARK: - Provenance

    func provenance() -> String {
        let m = memory
        let s = m.source
        var html = "<dl class=\"meta\">\n"
        if let agent = s.agent { html += row("agent", text(agent) + (s.agentVersion.map { " " + text($0) } ?? "")) }
        let models = s.models.isEmpty ? (s.model.map { [$0] } ?? []) : s.models
        if !models.isEmpty { html += row(models.count == 1 ? "model" : "models", models.map(text).joined(separator: ", ")) }
        if let session = s.sessionId { html += row("session", "<code>\(text(session))</code>") }
        if let format = s.format { html += row("transcript format", text(format)) }
        if let digest = s.transcriptDigest { html += row("transcript", "<code>\(text(digest))</code>") }
        if let repository = s.repository { html += row("repository", text(repository) + (s.branch.map { " · branch " + text($0) } ?? "")) }
        if let commit = s.commit { html += row("code commit", "<code>\(text(commit))</code>") }
        if let directory = s.workingDirectory { html += row("working directory", "<code>\(text(directory))</code>") }
        if let started = s.startedAt { html += row("started", text(started) + (s.endedAt.map { " · ended " + text($0) } ?? "")) }
        if let captured = s.capturedAt { html += row("captured", text(captured)) }
        if let index = catalog.addedIn[m.id] { html += row("added in", commitHTML(catalog.commits[index])) }
        for arrival in catalog.arrivals[m.id] ?? [] {
            let how = arrival.fastForward ? "pull (fast-forward)" : "pull"
            html += row("arrived through", "remote <b>\(text(arrival.remote))</b> <code>\(text(arrival.url))</code> by \(how) " + commitHTML(catalog.commits[arrival.commit]))
        }
        html += "</dl>\n"
        if !m.derivedFrom.isEmpty { html += "<h3>Derived from</h3>\n\(linkList(m.derivedFrom))\n" }
        if let into = catalog.derivedInto[m.id], !into.isEmpty { html += "<h3>Derived into</h3>\n\(linkList(into))\n" }
        if !m.supersedes.isEmpty { html += "<h3>Supersedes</h3>\n\(linkList(m.supersedes))\n" }
        if let newer = catalog.supersededBy[m.id], !newer.isEmpty { html += "<h3>Superseded by</h3>\n\(linkList(newer))\n" }
        let origins = catalog.origins(of: m)
        if !origins.isEmpty {
            html += "<h3>Behind it</h3>\n<p>Everything it was derived from, down to the trajectories: "
            html += MemoryKind.allCases.reversed().compactMap { kind in origins.kinds[kind].map { "\($0) \($0 == 1 ? kind.rawValue : kind.plural)" } }.joined(separator: ", ")
            if origins.missing > 0 { html += "; \(origins.missing) no longer at the tip" }
            if origins.truncated { html += " (stopped after the first \(origins.kinds.values.reduce(0, +)))" }
            html += ".</p>\n<dl class=\"meta\">\n"
            if !origins.sessions.isEmpty { html += row("sessions", counted(origins.sessions, code: true)) }
            if !origins.agents.isEmpty { html += row("agents", counted(origins.agents)) }
            if !origins.models.isEmpty { html += row("models", counted(origins.models)) }
            html += "</dl>\n"
        }
        return html
    }

    func counted(_ counts: [String: Int], code: Bool = false) -> String {
        let sorted = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var parts = sorted.prefix(50).map { key, count in
            (code ? "<code>\(text(key))</code>" : text(key)) + (count > 1 ? " ×\(count)" : "")
        }
        if sorted.count > 50 { parts.append("and \(sorted.count - 50) more") }
        return parts.joined(separator: ", ")
    }

    func commitHTML(_ c: CommitSummary) -> String {
        var html = "<code title=\"\(c.id)\">\(c.id.prefix(12))</code> by \(text(c.author)) on \(text(c.date)): \(text(c.summary))"
        if !c.trailers.isEmpty {
            html += "<br><span class=\"trailers\">" + c.trailers.map { "\(text($0.key)): <code>\(text($0.value))</code>" }.joined(separator: " · ") + "</span>"
        }
        return html
    }

    // MARK: - Feedback

    func feedback() -> String {
        guard let reports = catalog.feedback[memory.id], !reports.isEmpty else { return "<p class=\"none\">No feedback yet.</p>\n" }
        let helped = reports.filter(\.helped).count
        var html = "<p><span class=\"helped\">helped ×\(helped)</span> <span class=\"unhelpful\">did not help ×\(reports.count - helped)</span></p>\n<ul class=\"feedback\">\n"
        for report in reports.prefix(Self.listLimit) {
            html += "<li><span class=\"\(report.helped ? "helped" : "unhelpful")\">\(report.helped ? "helped" : "did not help")</span>"
            html += " <span class=\"when\">\(text(report.createdAt))</span>"
            if let agent = report.agent { html += " · \(text(agent))" }
            if !report.note.isEmpty { html += "<br>\(text(report.note))" }
            html += "</li>\n"
        }
        if reports.count > Self.listLimit { html += "<li class=\"more\">and \(reports.count - Self.listLimit) more</li>\n" }
        return html + "</ul>\n"
    }
}
