import MnemCore

/// The seam between `mnem export` and `mnem analyze` (issue 13): the analysis plot of `pool`
/// as an SVG document, one panel per kind, or nil when this build cannot draw it.
///
/// `mnem analyze --svg` is built on the `retrieval` branch; until it is merged this returns nil
/// and the export's stats page says there is no plot. Once merged, this calls the library
/// function that `mnem analyze --svg` writes its file with, so both draw the same picture.
enum AnalysisPlot {
    static func svg(for pool: Pool) throws -> String? {
        nil
    }
}
