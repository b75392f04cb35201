import Foundation
import MnemCore
import MnemIndex

/// `mnem index`: brings the vector sidecar up to date, or rebuilds it.
struct IndexCommand: Command {
    static let name = "index"
    static let abstract = "Update the vector index of the pool (search and context do it themselves)"
    static let help = """
        Usage: mnem index [--rebuild] [--embedder E] [--element float16|float32] [--json]

          --rebuild           embed every memory again, even if the index is valid
          --embedder E        the embedder (default $MNEM_EMBEDDER, else static)
          --element T         the element type of a rebuilt index (default float16)

        The index is a file in the pool's git directory, never committed. It is updated from the
        tree diff since the commit it indexes; one failing any check (including its vectors'
        checksum, always verified here) is rebuilt, and the reason is printed.
        """

    var rebuild: Bool
    var embedderName: String?
    var elementType: VectorElementType
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        rebuild = args.flag("--rebuild")
        embedderName = try args.option("--embedder")
        let element = try args.option("--element") ?? "float16"
        guard let type = VectorElementType.allCases.first(where: { $0.name == element }) else {
            throw UsageError("--element takes float16 or float32, not '\(element)'")
        }
        elementType = type
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        var options = RetrievalOptions()
        options.embedderName = embedderName
        let pool = try global.openPool(console)
        let index = VectorIndex(pool: pool, embedder: try options.embedder(console), elementType: elementType)
        let (sidecar, report) = try index.open(rebuild: rebuild, verification: .full)
        InvalidMemoryReport.skipped(report, console)
        if global.json {
            var m: [String: JSONValue] = [
                "path": .string(report.path), "commit": .string(report.commit), "count": .int(Int64(report.count)),
                "added": .int(Int64(report.added)), "removed": .int(Int64(report.removed)),
                "embedder": .string(sidecar.embedderID), "dimension": .int(Int64(sidecar.dimension)),
                "element": .string(sidecar.elementType.name), "skipped": .array(report.skipped.map { .string($0) }),
            ]
            switch report.action {
            case .upToDate: m["action"] = "up-to-date"
            case .updated: m["action"] = "updated"
            case .rebuilt(let reason):
                m["action"] = "rebuilt"
                m["reason"] = reason.map { .string($0.description) } ?? .null
            }
            printJSON(.object(m), console)
        } else {
            console.out("\(report) (\(sidecar.embedderID), \(sidecar.elementType.name))")
        }
        return 0
    }
}
