import Foundation
import MnemCore
import MnemIntegrations

/// `mnem doctor [--fix]`: checks the pool and mnem's installation, names each problem with its file.
struct DoctorCommand: Command {
    static let name = "doctor"
    static let abstract = "Check the pool and mnem's hooks; --fix repairs what is safe"
    static let help = """
        Usage: mnem doctor [--fix] [--json]

        Checks, naming each problem with its file:
          memories   every file at the tip: valid, its id matching its content, at the path its
                     kind and id name; feedback files likewise; other files are kept and ignored
          locks      git lock files a crashed writer left in the pool (writes fail until they go)
          index      the vector sidecar of the embedder in use: checksums, and the commit it indexes
          hooks      every hook and MCP configuration that runs mnem (user and project scope, git
                     hooks): the program exists, and is not a build directory's
          identity   the git identity commits are authored with
          remote     each remote's HEAD names a branch it has (else 'git clone' checks out nothing)

          --fix      a memory edited by hand becomes a new memory that supersedes it; a memory at
                     the wrong path is moved; stale locks are removed; the index is rebuilt or
                     updated; configurations that do not resolve are installed again. Files that are
                     not memories, the identity and remotes are left to you, with the command to run.

        Exit status: 0 when no problem is left, 1 otherwise.
        """

    var fix: Bool
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        fix = args.flag("--fix")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let location = PoolLocator.locate(explicit: global.pool, environment: console.environment, currentDirectory: console.currentDirectory)
        let pool: Pool
        do {
            pool = try Pool.open(at: location.path)
        } catch {
            report([DoctorFinding(check: "pool", severity: .problem, file: location.path, message: error.oneLine, remedy: "mnem init \(location.path)")], console)
            return MnemCLI.ExitCode.failure
        }
        let executable = try? MnemExecutable.resolve(
            requested: nil, current: DetachedProcess.currentExecutable(), environment: console.environment, currentDirectory: console.currentDirectory)
        let doctor = Doctor(
            pool: pool, environment: console.environment, home: console.environment["HOME"] ?? NSHomeDirectory(),
            projectRoot: HookInstaller.projectRoot(from: console.currentDirectory), currentDirectory: console.currentDirectory,
            executable: executable)
        var findings = [DoctorFinding(check: "pool", severity: .ok, file: location.path, message: "found through \(location.origin)")]
        findings += try doctor.run(fix: fix)
        report(findings, console)
        return findings.contains { $0.severity == .problem && !$0.fixed } ? MnemCLI.ExitCode.failure : MnemCLI.ExitCode.success
    }

    func report(_ findings: [DoctorFinding], _ console: Console) {
        if global.json {
            printJSON(.array(findings.map { f in
                [
                    "check": .string(f.check), "severity": .string(f.severity.rawValue), "file": f.file.map { .string($0) } ?? .null,
                    "message": .string(f.message), "remedy": f.remedy.map { .string($0) } ?? .null, "fixed": .bool(f.fixed),
                ]
            }), console)
            return
        }
        for f in findings {
            let label = f.fixed ? "fixed" : f.severity.rawValue
            var line = label.padding(toLength: 8, withPad: " ", startingAt: 0) + f.check.padding(toLength: 9, withPad: " ", startingAt: 0)
            line += (f.file.map { $0 + ": " } ?? "") + f.message
            if let remedy = f.remedy { line += " (\(remedy))" }
            console.out(line)
        }
        let problems = findings.filter { $0.severity == .problem && !$0.fixed }.count
        let warnings = findings.filter { $0.severity == .warning && !$0.fixed }.count
        let fixed = findings.filter(\.fixed).count
        let fixable = findings.filter { !$0.fixed && $0.remedy?.hasPrefix("--fix") == true }.count
        var summary = "doctor: \(problems) \(problems == 1 ? "problem" : "problems"), \(warnings) \(warnings == 1 ? "warning" : "warnings")"
        if fixed > 0 { summary += ", \(fixed) fixed" }
        if fixable > 0 { summary += "; 'mnem doctor --fix' repairs \(fixable)" }
        console.out(summary)
    }
}
