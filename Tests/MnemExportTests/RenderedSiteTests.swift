import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemExport

/// Headless Chromium, when installed (`scripts/install-deps.sh --test` installs Debian's `chromium`).
enum Chromium {
    static let binary: String? = {
        if let given = ProcessInfo.processInfo.environment["MNEM_CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) { return given }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
        }
        return nil
    }()

    static var isAvailable: Bool { binary != nil && (try? Shell.run("python3", ["--version"]).status) == 0 }

    static let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/chromium_site.py").path
}

@Suite(
    "mnem export --html: the site as headless Chromium renders it",
    .disabled(if: !Chromium.isAvailable, "chromium or python3 is missing (scripts/install-deps.sh --test installs them): rendered-site tests skipped"))
struct RenderedSiteTests {
    @Test("Titles are on the index, filters and search narrow the list, every link resolves, and the hostile memory runs nothing")
    func rendered() throws {
        let f = try ExportFixture()
        let site = f.dir.file("site")
        #expect(f.export(to: site).code == 0)
        // Screenshots go to $MNEM_SCREENSHOT_DIR when set (to look at them), else into the test's directory.
        let shots = ProcessInfo.processInfo.environment["MNEM_SCREENSHOT_DIR"] ?? f.dir.file("shots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let memoryPages = f.all.map { SitePage.memoryPath($0.id) }
        let plan: JSONValue = [
            "site": .string(site), "chromium": .string(Chromium.binary ?? "chromium"), "screenshotDir": .string(shots),
            "pages": .array(([SitePage.index, SitePage.stats] + memoryPages).map { .string($0) }),
            "screenshots": [
                "index.html": "index.png", "stats.html": "stats.png", SitePage.memoryPath(f.insight.id): "insight.png",
                SitePage.memoryPath(f.t1.id): "trajectory.png", SitePage.memoryPath(f.hostile.id): "hostile.png",
            ],
            "fragments": ["kind=insight", "domain=python", "agent=-", "q=parser", "kind=trajectory&q=parser", "domain=nowhere"],
            "search": "narrowest", "searchScreenshot": "search.png",
            "select": ["facet": "kind", "value": "trajectory"],
        ]
        let planFile = try f.dir.write("plan.json", CanonicalJSON.compactString(plan))
        let outFile = f.dir.file("out.json")
        let run = try Shell.run("python3", [Chromium.driver, planFile, outFile])
        try #require(run.status == 0, "the Chromium driver failed: \(run.stderr)")
        let out = try JSONParser.parse(try Data(contentsOf: URL(fileURLWithPath: outFile)))

        #expect(out["missing"]?.arrayValue?.isEmpty == true, "links that do not resolve: \(out["missing"] ?? .null)")
        #expect(out["external"]?.arrayValue?.isEmpty == true, "links out of the site: \(out["external"] ?? .null)")
        let pages = try #require(out["pages"]?.objectValue)
        #expect(pages.count == 2 + memoryPages.count)
        for (path, report) in pages {
            #expect(report["pwned"] == .null, "\(path): hostile script ran (\(report["pwned"] ?? .null))")
            #expect(report["inlineScripts"]?.intValue == 0 && report["iframes"]?.intValue == 0 && report["handlers"]?.intValue == 0, "\(path): \(report)")
            #expect(report["scripts"]?.intValue == (path == SitePage.index ? 2 : 0), "\(path)")
            #expect(report["stylesheetApplied"] == .bool(true), "\(path): mnem.css not applied")
            #expect((report["urlCount"]?.intValue ?? 0) > 2, "\(path)")
            #expect(report["brokenImages"]?.intValue == 0, "\(path)")
        }
        // The mnem analyze plot is on the stats page, and it loads.
        #expect(pages[SitePage.stats]?["images"]?.intValue == 1)

        // Every memory's title, the hostile one as the literal text it is.
        let index = try #require(pages[SitePage.index]?["index"])
        let titles = Set(index["titles"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for memory in f.all { #expect(titles.contains(memory.headline.firstLine(limit: IndexPage.headlineLimit)), "\(memory.headline) not listed") }
        #expect(index["rows"]?.intValue == Int64(f.all.count) && index["count"]?.stringValue == "\(f.all.count) memories")
        let hostileText = pages[SitePage.memoryPath(f.hostile.id)]?["text"]?.stringValue ?? ""
        #expect(hostileText.contains(ExportFixture.hostileTitle) && hostileText.contains(ExportFixture.hostileNote) == false)
        #expect(pages[SitePage.memoryPath(f.insight.id)]?["text"]?.stringValue?.contains(ExportFixture.hostileNote) == true)

        // Filters from the URL's fragment: kind, domain, no agent, text, both, and a value no memory has.
        let expected: [Int64] = [2, 4, Int64(f.all.filter { $0.source.agent == nil }.count), 4, 2, 0]
        let filters = out["filters"]?.arrayValue ?? []
        #expect(filters.count == expected.count)
        for (filter, rows) in zip(filters, expected) {
            #expect(filter["rows"]?.intValue == rows, "\(filter["fragment"] ?? .null): \(filter["rows"] ?? .null) rows, expected \(rows)")
        }
        #expect(filters.first?["count"]?.stringValue == "2 of \(f.all.count) memories")
        // Typing in the search box and choosing in a list narrow the list and say so in the URL.
        #expect(out["search"]?["rows"]?.intValue == 1 && out["search"]?["titles"]?.arrayValue?.first?.stringValue == f.insight.headline)
        #expect(out["search"]?["hash"]?.stringValue == "#q=narrowest")
        #expect(out["select"]?["rows"]?.intValue == 3 && out["select"]?["hash"]?.stringValue == "#kind=trajectory")
        for shot in ["index.png", "stats.png", "insight.png", "trajectory.png", "hostile.png", "search.png"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: shots + "/" + shot)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(shot): \(size) bytes")
        }
    }
}
