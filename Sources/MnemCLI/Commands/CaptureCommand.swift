import Foundation
import MnemCapture
import MnemCore

/// `mnem capture PATH…`: agent session files → trajectory memories, one commit per run.
struct CaptureCommand: Command {
    static let name = "capture"
    static let abstract = "Capture agent sessions into trajectory memories (secrets redacted)"
    static let help = """
        Usage: mnem capture [PATH…] [--discover] [--format F] [--domain D] [--outcome O]
                            [--max-observation N] [--dry-run] [--json]

          PATH              transcript files, or directories searched recursively
          --discover        also capture the sessions of the agents installed for this user
                            (Claude Code, Codex, Gemini CLI) and Aider's history in this repository
          --format F        read every file as F instead of detecting it:
                            \(TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", "))
          --domain D        the domain of every trajectory (default: inferred, and the inference recorded)
          --outcome O       success, failure or unknown (default: from the format's own signals)
          --max-observation N  cut tool output longer than N characters, keeping error lines (default 2000)
          --dry-run         read the pool and say what a real run would do (capture, leave
                            unchanged, supersede); write nothing. With --json, the trajectories
                            it would write, steps included

        Secrets (cloud, LLM and SaaS keys, tokens, JWTs, private keys, passwords) are replaced by
        typed placeholders before anything is written. Capturing a file twice adds nothing; a
        session that has grown since adds a trajectory that supersedes the earlier one (only
        when its steps extend the earlier one's: two runs under one session id are two
        trajectories, and placeholder ids such as NORMALIZED_SESSION_ID never match).
        Skipped files and sessions, and corrupt lines, are reported on standard error; a file
        that cannot be read does not stop the others.
        """

    var paths: [String]
    var discover: Bool
    var options: CaptureOptions
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        discover = args.flag("--discover")
        options = CaptureOptions()
        options.dryRun = args.flag("--dry-run", "-n")
        if let name = try args.option("--format") {
            guard let format = TranscriptFormat(rawValue: name) else {
                throw UsageError("unknown format '\(name)' (one of \(TranscriptFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            options.format = format
        }
        options.domain = try args.option("--domain")
        if let text = try args.option("--outcome") {
            guard let outcome = Outcome(rawValue: text) else { throw UsageError("--outcome takes success, failure or unknown, not '\(text)'") }
            options.outcome = outcome
        }
        if let n = try args.intOption("--max-observation", range: 80...10_000_000) { options.maxObservationLength = n }
        paths = try args.positionals()
        guard !paths.isEmpty || discover else { throw UsageError("capture needs a PATH or --discover") }
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        var inputs = paths.map { console.absolute($0) }
        for path in inputs where !FileManager.default.fileExists(atPath: path) {
            console.err("mnem: \(path): no such file or directory")
        }
        let existing = inputs.filter { FileManager.default.fileExists(atPath: $0) }
        if discover {
            let home = console.environment["HOME"] ?? NSHomeDirectory()
            inputs = existing + Capturer.discover(home: home, cwd: console.currentDirectory, environment: console.environment).map(\.path)
        } else {
            inputs = existing
        }
        guard !inputs.isEmpty else {
            if discover && paths.isEmpty {
                console.out("no agent sessions found")
                return 0
            }
            throw PoolError("nothing to capture: \(paths.joined(separator: ", ")) not found")
        }
        let pool = try openPool(console)
        var capturer = Capturer(pool: pool, options: options)
        if console.showsProgress && !global.json {
            capturer.progress = { n, total, file in
                FileHandle.standardError.write(Data("\r\u{1B}[K[\(n)/\(total)] \(TerminalText.escaped(String((file as NSString).lastPathComponent.prefix(60))))".utf8))
            }
        }
        let summary = try capturer.capture(paths: inputs)
        if console.showsProgress && !global.json { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        if global.json {
            reportSkipped(summary, console)
            printJSON(json(summary), console)
        } else {
            report(summary, console)
        }
        let nothingWorked = summary.captured.isEmpty && summary.unchanged.isEmpty && !summary.skipped.isEmpty
        return nothingWorked && !paths.isEmpty ? 1 : 0
    }

    /// The pool a run writes to; a dry run reads it too (to say what is unchanged or superseded),
    /// but does not create the user's pool when it does not exist yet.
    private func openPool(_ console: Console) throws -> Pool? {
        guard options.dryRun else { return try global.openPool(console) }
        let location = PoolLocator.locate(explicit: global.pool, environment: console.environment, currentDirectory: console.currentDirectory)
        if location.createIfMissing, !FileManager.default.fileExists(atPath: location.path) { return nil }
        return try PoolLocator.open(location)
    }

    private func report(_ s: CaptureSummary, _ console: Console) {
        let dry = options.dryRun
        for c in s.captured {
            let verb = c.supersedes.isEmpty ? (dry ? "would capture" : "captured") : (dry ? "would supersede" : "superseded")
            let superseding = c.supersedes.isEmpty ? "" : " \(c.supersedes.map(\.short).joined(separator: ", ")) with"
            console.out("\(verb)\(superseding) \(c.id.short)  \(c.format.rawValue)  \(c.steps) steps  \(c.file)")
        }
        for u in s.unchangedSessions {
            console.out("unchanged \(u.id.short)  \(u.file)\(u.sessionId.map { " (session \($0))" } ?? ""): \(u.reason)")
        }
        reportSkipped(s, console)
        for warning in s.warnings.prefix(20) { console.err("warning: \(warning)") }
        if s.warnings.count > 20 { console.err("warning: … \(s.warnings.count - 20) more") }
        let superseding = s.captured.filter { !$0.supersedes.isEmpty }.count
        var line = "\(s.captured.count) \(dry ? "would be captured" : "captured")"
        if superseding > 0 { line += " (\(superseding) superseding an earlier capture)" }
        line += ", \(s.unchanged.count) unchanged, \(s.skipped.count) skipped"
        if s.corruptLineCount > 0 { line += ", \(s.corruptLineCount) corrupt lines skipped" }
        let redacted = s.redactions.values.reduce(0, +)
        if redacted > 0 {
            line += ", \(redacted) secrets redacted (\(s.redactions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
        }
        if let commit = s.commit { line += " (commit \(commit.prefix(10)))" }
        console.out(line)
    }

    /// Skipped files and sessions, one line each, on standard error: they are not the result.
    private func reportSkipped(_ s: CaptureSummary, _ console: Console) {
        for skipped in s.skipped {
            console.err("mnem: skipped \(skipped.file)\(skipped.session.map { " (session \($0))" } ?? ""): \(skipped.reason)")
        }
    }

    private func json(_ s: CaptureSummary) -> JSONValue {
        var object: [String: JSONValue] = [
            "dryRun": .bool(options.dryRun),
            "commit": s.commit.map { .string($0) } ?? .null,
            "captured": .array(
                s.captured.map { c in
                    .object([
                        "id": .string(c.id.rawValue), "file": .string(c.file), "format": .string(c.format.rawValue),
                        "agent": c.agent.map { .string($0) } ?? .null, "sessionId": c.sessionId.map { .string($0) } ?? .null,
                        "steps": .int(Int64(c.steps)), "supersedes": .array(c.supersedes.map { .string($0.rawValue) }),
                    ])
                }),
            "unchanged": .array(s.unchanged.map { .string($0.rawValue) }),
            "skipped": .array(
                s.skipped.map { .object(["file": .string($0.file), "session": $0.session.map { .string($0) } ?? .null, "reason": .string($0.reason)]) }),
            "warnings": .array(s.warnings.map { .string($0.description) }),
            "corruptLines": .int(Int64(s.corruptLineCount)),
            "redactions": .object(s.redactions.mapValues { .int(Int64($0)) }),
            "bytesRead": .int(Int64(s.bytesRead)),
        ]
        object["unchangedSessions"] = .array(
            s.unchangedSessions.map { u in
                .object(["id": .string(u.id.rawValue), "file": .string(u.file), "sessionId": u.sessionId.map { .string($0) } ?? .null, "reason": .string(u.reason)])
            })
        if options.dryRun {
            // What a real run would write, as it would write it.
            let wanted = Set(s.captured.map(\.id))
            object["trajectories"] = .array(s.memories.filter { wanted.contains($0.id) }.map { $0.jsonObject() })
        }
        return .object(object)
    }
}
