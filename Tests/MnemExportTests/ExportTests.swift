import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemExport

@Suite("mnem export --html: the files of the site")
struct ExportSiteTests {
    /// The elements the site's pages are made of.
    static let siteElements: Set<String> = [
        "!doctype", "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "footer", "script", "noscript", "section",
        "h1", "h2", "h3", "p", "a", "span", "b", "br", "code", "pre", "div", "dl", "dt", "dd", "ul", "ol", "li", "details", "summary",
        "table", "thead", "tbody", "tr", "th", "td", "meter", "form", "input", "label", "select", "option", "button", "figure",
        "figcaption", "img",
    ]

    func read(_ site: String, _ path: String) throws -> String {
        try String(contentsOfFile: site + "/" + path, encoding: .utf8)
    }

    @Test("Every memory at the tip has a page, the broken file is reported and left out, and every link and asset resolves inside the site")
    func pagesAndLinks() throws {
        let fixture = try ExportFixture()
        let site = fixture.dir.file("out/site")
        let result = fixture.export(to: site)
        #expect(result.code == 0, "\(result.stderr)")
        #expect(result.stderr.contains(fixture.brokenPath) && result.stderr.split(separator: "\n").count == 1)
        let files = Set(siteFiles(site))
        #expect(files.filter { $0.hasPrefix("m/") }.count == fixture.all.count)
        for memory in fixture.all { #expect(files.contains(SitePage.memoryPath(memory.id))) }
        for required in [SitePage.index, SitePage.stats, SitePage.stylesheet, SitePage.script, SitePage.indexData, SitePage.marker] {
            #expect(files.contains(required), "\(required) missing")
        }
        let root = URL(fileURLWithPath: site).standardizedFileURL.path
        var checked = 0
        for file in files where file.hasSuffix(".html") {
            let html = try read(site, file)
            for reference in references(in: html) {
                // Relative links only: no scheme, no host, nothing from the network.
                #expect(!reference.contains(":") && !reference.hasPrefix("/"), "\(file) refers to \(reference)")
                let bare = String(reference.prefix { $0 != "#" && $0 != "?" })
                let base = URL(fileURLWithPath: root + "/" + file).deletingLastPathComponent()
                let target = URL(fileURLWithPath: bare, relativeTo: base).standardizedFileURL.path
                #expect(target.hasPrefix(root + "/") && FileManager.default.fileExists(atPath: target), "\(file): \(reference) does not resolve")
                checked += 1
            }
        }
        #expect(checked > fixture.all.count * 4)
        // Nothing of the staging directory is left beside the site.
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.dir.file("out")) == ["site"])
    }

    @Test("A hostile memory's text is escaped in every page and in the index data: no markup of its own reaches a page")
    func hostileTextIsEscaped() throws {
        let fixture = try ExportFixture()
        let site = fixture.dir.file("site")
        #expect(fixture.export(to: site).code == 0)
        for file in siteFiles(site) where file.hasSuffix(".html") {
            let html = try read(site, file)
            let scripts = html.components(separatedBy: "<script").count - 1
            #expect(scripts == (file == SitePage.index ? 2 : 0), "\(file) has \(scripts) script elements")
            // Every `<` left in a page opens one of the site's own elements: text never carries one.
            for tag in tags(in: html) {
                let name = String(tag.prefix { $0 != " " && $0 != ">" }).lowercased()
                #expect(Self.siteElements.contains(name.hasPrefix("/") ? String(name.dropFirst()) : name), "\(file): <\(tag)>")
                #expect(tag.range(of: #"\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "\(file): <\(tag)>")
                #expect(!tag.lowercased().contains("javascript:"), "\(file): <\(tag)>")
            }
        }
        let page = try read(site, SitePage.memoryPath(fixture.hostile.id))
        #expect(page.contains("&lt;script&gt;window.__mnemPwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__mnemPwned=2&quot;&gt;Hostile title"))
        #expect(page.contains("javascript:window.__mnemPwned=12"))  // shown as text, never as a link
        let data = try read(site, SitePage.indexData)
        #expect(!data.contains("<") && !data.contains(">") && !data.contains("\u{2028}"))
        #expect(data.contains("\\u003cscript\\u003ewindow.__mnemPwned=1"))
        let stats = try read(site, SitePage.stats)
        #expect(stats.contains("&quot;&gt;&lt;svg onload=window.__mnemPwned=7&gt;"))
        // The analysis plot labels points by domain, the hostile one included: escaped there too
        // (and shown through <img>, where no script runs anyway).
        let svg = try read(site, SitePage.analysis)
        #expect(svg.contains("window.__mnemPwned=7") && !svg.contains("<script"))
        for tag in tags(in: svg) { #expect(tag.range(of: #"\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "analysis.svg: <\(tag)>") }
    }

    @Test("Pages show provenance both ways (derived from and into, supersedes and superseded by, sessions, agents, models, commits) and feedback")
    func provenanceAndFeedback() throws {
        let f = try ExportFixture()
        let site = f.dir.file("site")
        #expect(f.export(to: site).code == 0)
        func page(_ memory: Memory) throws -> String { try read(site, SitePage.memoryPath(memory.id)) }
        func link(_ memory: Memory) -> String { "href=\"../\(memory.id.rawValue.prefix(2))/\(memory.id.rawValue).html\"" }

        let t1 = try page(f.t1)
        #expect(t1.contains("Derived into") && t1.contains(link(f.summary)) && t1.contains(link(f.workflow)))
        #expect(t1.contains("Supersedes") && t1.contains(link(f.t3)))
        #expect(t1.contains("sess-parser") && t1.contains("claude-code 2.1.40") && t1.contains("claude-opus-4-6"))
        #expect(t1.contains("by Ada Tester") && t1.contains("capture: the grown session"))
        #expect(t1.contains("Reproduce the failure first.") && t1.contains("+++ b/parse.py") && t1.contains("Fixed the offset parsing."))
        let t3 = try page(f.t3)
        #expect(t3.contains("Superseded by") && t3.contains(link(f.t1)))
        let summary = try page(f.summary)
        #expect(summary.contains("Derived from") && summary.contains(link(f.t1)) && summary.contains("the test after the last edit confirmed the fix"))
        let workflow = try page(f.workflow)
        #expect(workflow.contains("pytest -x &lt;test&gt;"))

        let insight = try page(f.insight)
        #expect(insight.contains(link(f.summary)) && insight.contains(link(f.t2)))
        // Behind it: the sessions, agents and models of everything below, found through the summary.
        #expect(insight.contains("sess-parser") && insight.contains("sess-rust") && insight.contains("codex") && insight.contains("gpt-5"))
        #expect(insight.contains("100%") && insight.contains("25%"))
        #expect(insight.contains("helped ×2") && insight.contains("did not help ×1") && insight.contains("saved a retry"))
        #expect(insight.contains("&lt;img src=x onerror=&quot;window.__mnemPwned=3&quot;&gt;note"))
        #expect(insight.contains("by Bo Compactor"))

        let stats = try read(site, SitePage.stats)
        #expect(stats.contains("7 memories at the tip"))
        #expect(stats.contains("Bo Compactor") && stats.contains("Ada Tester"))
        #expect(stats.contains(f.brokenPath) && stats.contains("3 reports on 1 memory"))
        #expect(stats.contains("href=\"index.html#kind=insight\"") && stats.contains("href=\"index.html#agent=-\""))
        let plot = try read(site, SitePage.analysis)
        #expect(stats.contains("<img src=\"analysis.svg\"") && plot.contains("<svg xmlns="))
        let data = try read(site, SitePage.indexData)
        #expect(data.components(separatedBy: "\n[\"").count - 1 == f.all.count)
        #expect(data.contains("\"\(f.insight.id.rawValue)\",0,") && data.contains(",1]"))  // kind 0 = insight; net feedback +1
    }

    @Test("The index's data holds one short row per memory, never the memories' content, which only their pages carry")
    func indexDataStaysSmall() throws {
        let dir = TemporaryDirectory("export-size")
        let pool = try Pool.create(at: dir.file("pool"))
        let count = 300
        let filler = String(repeating: "the long body of a summary that only its own page shows ", count: 80)
        let memories = (0..<count).map { n in
            Memory(
                body: .summary(Summary(taskSummary: "task \(n)", experience: Experience(environment: filler, actions: filler, results: "ok", why: "marker-\(n)"))),
                task: "Task number \(n)", domain: "domain-\(n % 7)", outcome: .success)
        }
        _ = try pool.add(memories, info: CommitInfo(summary: "add"))
        let site = dir.file("site")
        let report = try HTMLExport.export(pool: pool, to: site)
        #expect(report.memories == count)
        let data = try String(contentsOfFile: site + "/" + SitePage.indexData, encoding: .utf8)
        #expect(data.utf8.count < count * 200, "index data \(data.utf8.count) bytes for \(count) memories")
        #expect(!data.contains("marker-") && !data.contains("the long body"))
        let page = try String(contentsOfFile: site + "/" + SitePage.memoryPath(memories[7].id), encoding: .utf8)
        #expect(page.contains("marker-7") && page.contains("the long body"))
        // The index page itself lists the first rows only; the rest come from the data file.
        let index = try String(contentsOfFile: site + "/" + SitePage.index, encoding: .utf8)
        #expect(index.components(separatedBy: "<tr><td>").count - 1 == IndexPage.staticRows)
    }

    @Test("A page's heading is the headline's first line, cut; the whole task is in the content")
    func longHeadlinesAreCutInTheHeading() throws {
        let dir = TemporaryDirectory("export-heading")
        let pool = try Pool.create(at: dir.file("pool"))
        let task = "Fix the parser " + String(repeating: "that drops a token ", count: 20) + "\nSecond line of the task TAIL-MARK"
        let memory = Memory(body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "pytest", observation: "ok")])), task: task, domain: "python")
        _ = try pool.add([memory], info: CommitInfo(summary: "add"))
        let site = dir.file("site")
        _ = try HTMLExport.export(pool: pool, to: site)
        let page = try read(site, SitePage.memoryPath(memory.id))
        let heading = try #require(page.firstMatch(of: /<h1>([^<]*)<\/h1>/)).1
        #expect(heading.hasPrefix("Fix the parser that drops a token") && heading.count <= 161 && !heading.contains("TAIL-MARK"))
        #expect(page.contains("TAIL-MARK"), "the content keeps the whole task")
    }

    @Test("A memory pulled from a remote says which remote and which pull brought it")
    func arrivalThroughPull() throws {
        let dir = TemporaryDirectory("export-pull")
        let cli = CLI(dir)
        let mine = dir.file("mine"), theirs = dir.file("theirs")
        let local = Memory(body: .insight(Insight(title: "Mine", description: "d", content: "c")), task: "t", domain: "general")
        let remote = Memory(body: .insight(Insight(title: "Theirs", description: "d", content: "c")), task: "t", domain: "general")
        _ = try Pool.create(at: theirs).add([remote], info: CommitInfo(summary: "theirs", author: Signature(name: "Teammate", email: "t@mnem.invalid")))
        _ = try Pool.create(at: mine).add([local], info: CommitInfo(summary: "mine"))
        #expect(cli.run(["--pool", mine, "remote", "add", "team", theirs]).code == 0)
        let pulled = cli.run(["--pool", mine, "pull", "team"])
        #expect(pulled.code == 0, "\(pulled.stderr)")
        #expect(cli.run(["--pool", mine, "export", "--html", "site"]).code == 0)
        let page = try String(contentsOfFile: dir.file("site/" + SitePage.memoryPath(remote.id)), encoding: .utf8)
        #expect(page.contains("arrived through") && page.contains("<b>team</b>") && page.contains("by Teammate"))
        let own = try String(contentsOfFile: dir.file("site/" + SitePage.memoryPath(local.id)), encoding: .utf8)
        #expect(!own.contains("arrived through"))
    }

    @Test("A second export replaces the first whole; a directory that is not an export is refused and left as it was")
    func replacesOnlyExports() throws {
        let fixture = try ExportFixture()
        let site = fixture.dir.file("site")
        #expect(fixture.export(to: site).code == 0)
        try "stale".write(toFile: site + "/m/stale.html", atomically: true, encoding: .utf8)
        #expect(fixture.export(to: site).code == 0)
        #expect(!FileManager.default.fileExists(atPath: site + "/m/stale.html"))
        #expect(FileManager.default.fileExists(atPath: site + "/" + SitePage.index))

        let foreign = fixture.dir.file("notes")
        try fixture.dir.write("notes/todo.txt", "keep me")
        let refused = fixture.export(to: foreign)
        #expect(refused.code == 1 && refused.stderr.contains(foreign) && refused.stderr.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign) == ["todo.txt"])
        let file = try fixture.dir.write("plain-file", "x")
        #expect(fixture.export(to: file).code == 1)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "x")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.dir.path).filter { $0.contains("mnem-export") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        #expect(fixture.cli.run(["--pool", fixture.pool, "export"]).code == 64)
        #expect(fixture.cli.run(["--pool", fixture.pool, "export", "--html"]).code == 64)
    }

    @Test("Escaping: markup characters become references, controls become U+FFFD, and a JavaScript literal cannot end its script")
    func escaping() {
        #expect(HTML.escape("a<b>&\"'c") == "a&lt;b&gt;&amp;&quot;&#39;c")
        #expect(HTML.escape("tab\tnl\nnul\u{0}bell\u{7}") == "tab\tnl\nnul\u{FFFD}bell\u{FFFD}")
        #expect(HTML.escape("plain text é") == "plain text é")
        #expect(HTML.jsString("</script>\u{2028}\"\\\n") == "\"\\u003c/script\\u003e\\u2028\\\"\\\\\\n\"")
        #expect(SitePage.percentEncoded("a b/é&#") == "a%20b%2F%C3%A9%26%23")
    }
}
