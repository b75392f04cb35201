import Foundation
import MnemCore
import MnemGit
import MnemIndex

extension GlobalOptions {
    /// Opens the pool these options name (creating the user's default pool on first use).
    func openPool(_ console: Console) throws -> Pool {
        let location = PoolLocator.locate(explicit: pool, environment: console.environment, currentDirectory: console.currentDirectory)
        let opened = try PoolLocator.open(location)
        let report = InvalidMemoryReport(console)
        opened.onInvalidMemory = { report.skip($0.reason) }
        // What the pool does on its own (a stale lock reclaimed) is said where the command speaks.
        opened.warn = { console.err("mnem: warning: \($0)") }
        return opened
    }
}

/// Every command treats a memory file that is not a valid memory the same way: it says so once
/// on standard error, leaves it out, and goes on (`mnem doctor` names the problem, `--fix` repairs it).
final class InvalidMemoryReport {
    let console: Console
    private var reported: Set<String> = []

    init(_ console: Console) { self.console = console }

    /// - Parameter reason: the problem, starting with the file's path.
    func skip(_ reason: String) {
        guard reported.insert(reason).inserted else { return }
        console.err("mnem: skipped \(reason) (not a valid memory; see 'mnem doctor')")
    }

    /// The files an index update left out.
    static func skipped(_ report: IndexReport?, _ console: Console) {
        guard let skipped = report?.skipped, !skipped.isEmpty else { return }
        let reporter = InvalidMemoryReport(console)
        for reason in skipped { reporter.skip(reason) }
    }
}

/// Writes a JSON value as one canonical document on standard output.
func printJSON(_ value: JSONValue, _ console: Console) {
    console.outJSON(CanonicalJSON.document(value))
}

/// `value` with three decimals, as `String(format: "%.3f")` prints it (halves round away from zero).
func fixedPoint3(_ value: Float) -> String {
    guard value.isFinite else { return "\(value)" }
    let thousandths = Int((Double(value) * 1000).rounded())
    let magnitude = thousandths.magnitude
    let fraction = String(magnitude % 1000)
    return (thousandths < 0 ? "-" : "") + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
}

/// ISO 8601 in UTC, e.g. 2026-11-21T20:30:05Z.
func isoDate(_ date: Date) -> String {
    // ISO8601DateFormatter is not Sendable; a formatter per call is cheap next to what commands do.
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
}

extension Commit {
    var summaryLine: String { message.firstLine(limit: 200) }

    func json(change: String? = nil) -> JSONValue {
        var m: [String: JSONValue] = [
            "commit": .string(id.hex),
            "author": .string(author.name),
            "email": .string(author.email),
            "date": .string(isoDate(author.time)),
            "message": .string(message),
            "parents": .array(parents.map { .string($0.hex) }),
        ]
        if let change { m["change"] = .string(change) }
        return .object(m)
    }
}

extension Memory {
    /// `id kind domain outcome task` on one line, as `mnem list` prints it.
    var listLine: String {
        let kindText = kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
        let domainText = domain.count > 18 ? String(domain.prefix(17)) + "…" : domain.padding(toLength: 18, withPad: " ", startingAt: 0)
        let outcomeText = outcome.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
        return "\(id.short)  \(kindText) \(domainText) \(outcomeText)  \(headline.firstLine(limit: 80))"
    }
}

extension Pool {
    /// Commit details for a write made from the command line, authored as the console's environment says.
    func commitInfo(_ summary: String, _ console: Console, trailers: [(String, String)] = []) -> CommitInfo {
        CommitInfo(summary: summary, author: defaultAuthor(environment: console.environment), trailers: trailers)
    }
}
