import Foundation
import MnemCapture
import MnemCore
import MnemGit

/// `mnem scan`: reports credentials in the pool's history and commit messages, never printing them.
struct ScanCommand: Command {
    static let name = "scan"
    static let abstract = "Report credentials in the pool's history and commit messages (never prints them)"
    static let help = """
        Usage: mnem scan [--tip] [--json]

          --tip         only the memories at the tip (what search and hooks read), not history

        By default every file content and commit message reachable from any branch, tag or
        remote-tracking branch is scanned: what a push or a clone carries, including what
        'mnem forget' removed from the tip (history keeps it). Each finding names the commits
        that brought it, the file and field or the commit message, and the kind of credential.
        Exits 1 when anything is found, so it can guard a push in a script or a git hook.
        A credential found in history stays there until history is rewritten: see the README
        ("A secret got into the pool").
        """

    var tipOnly: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        tipOnly = args.flag("--tip")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let pool = try global.openPool(console)
        if tipOnly { return try runTip(pool, console) }
        let scan = try pool.scanHistoryForSecrets()
        let findings = scan.findings
        if global.json {
            printJSON(.array(findings.map(json)), console)
        } else {
            for finding in findings { console.out(line(finding)) }
            let commits = Set(findings.flatMap(\.commits)).count
            let atTip = findings.filter(\.atTip).count
            let summary =
                findings.isEmpty
                ? "no secrets found in \(scan.commits) commit\(scan.commits == 1 ? "" : "s") (\(scan.blobs) file version\(scan.blobs == 1 ? "" : "s"))"
                : "\(findings.count) possible secrets found, brought by \(commits) commit\(commits == 1 ? "" : "s"); \(atTip) at the tip, \(findings.count - atTip) only in history or commit messages"
            console.out(summary)
        }
        return findings.isEmpty ? 0 : 1
    }

    /// `<commits>  <path>  <field>  <kind>  (at the tip | history only)`, or `<commit>  commit message  <kind>`.
    func line(_ finding: HistorySecret) -> String {
        let commits = finding.commits.prefix(5).map { String($0.hex.prefix(10)) }.joined(separator: ",") + (finding.commits.count > 5 ? ",…" : "")
        switch finding.place {
        case .commitMessage:
            return "\(commits)  commit message  \(finding.kind)"
        case .file(let path, let field):
            return "\(commits)  \(path)  \(field.isEmpty ? "-" : field)  \(finding.kind)  \(finding.atTip ? "(at the tip)" : "(history only)")"
        }
    }

    func json(_ finding: HistorySecret) -> JSONValue {
        var m: [String: JSONValue] = [
            "kind": .string(finding.kind), "commits": .array(finding.commits.map { .string($0.hex) }), "atTip": .bool(finding.atTip),
        ]
        switch finding.place {
        case .commitMessage:
            m["in"] = "commit-message"
        case .file(let path, let field):
            m["in"] = "file"
            m["path"] = .string(path)
            m["field"] = .string(field)
            m["memory"] = finding.memory.map { .string($0.rawValue) } ?? .null
        }
        return .object(m)
    }

    /// The memories at the tip only: each memory, field and kind.
    func runTip(_ pool: Pool, _ console: Console) throws -> Int32 {
        let findings = try SecretScan.scan(pool: pool)
        if global.json {
            printJSON(
                .array(findings.map { .object(["memory": .string($0.memory.rawValue), "field": .string($0.field), "kind": .string($0.kind)]) }),
                console)
        } else {
            for finding in findings { console.out("\(finding.memory.short)  \(finding.field)  \(finding.kind)") }
            console.out(findings.isEmpty ? "no secrets found at the tip" : "\(findings.count) possible secrets found at the tip")
        }
        return findings.isEmpty ? 0 : 1
    }
}
