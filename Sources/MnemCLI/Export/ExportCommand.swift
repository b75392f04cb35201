import Foundation
import MnemCore
import MnemExport

/// `mnem export --html DIR`: the pool as a static site.
struct ExportCommand: Command {
    static let name = "export"
    static let abstract = "Write the pool as a static HTML site (no server, nothing from the network)"
    static let help = """
        Usage: mnem export --html DIR [--json]

          --html DIR    write the site to DIR: created if missing; an earlier export there is
                        replaced, any other non-empty directory is refused

        The site has an index of every memory with filters by kind, domain, agent, model and
        outcome and a text search; a page per memory with its content, its provenance (derived
        from and into, supersedes and superseded by, sessions, agents, models, the commits that
        added it and the pulls that brought it) and its feedback; the stats; and the 'mnem analyze'
        plot (by domain; left out above 5000 memories). Links are relative, so the site works from file:// and
        from any static host (publish DIR from CI). Memory text is escaped everywhere, and every
        page forbids inline scripts. Invalid memory files are reported and left out.
        """

    var directory: String
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        guard let directory = try args.option("--html") else { throw UsageError("export needs --html DIR") }
        guard !directory.isEmpty else { throw UsageError("--html needs a directory") }
        self.directory = directory
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        let plot = AnalysisPlot.draw(for: pool, console: console)
        let report = try HTMLExport.export(pool: pool, to: console.absolute(directory), analysisSVG: plot.svg, analysisNote: plot.note)
        for skipped in report.skipped { console.err("mnem: skipped \(skipped)") }
        if global.json {
            printJSON(
                [
                    "directory": .string(report.directory), "memories": .int(Int64(report.memories)), "files": .int(Int64(report.files)),
                    "bytes": .int(Int64(report.bytes)), "skipped": .array(report.skipped.map { .string($0) }),
                ], console)
        } else {
            let size = report.bytes >= 1 << 20 ? "\(report.bytes >> 20) MiB" : "\(report.bytes >> 10) KiB"
            console.out("exported \(report.memories) memories to \(report.directory)/index.html (\(report.files) files, \(size))")
        }
        return 0
    }
}
