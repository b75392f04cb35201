import Foundation
import MnemCore
import MnemGit

extension Console {
    /// The credentials the environment offers for remotes (see `RemoteCredentials`).
    var remoteCredentials: RemoteCredentials { RemoteCredentials.from(environment: environment) }
}

/// Reads `[REMOTE]`, defaulting to `origin`.
func remoteArgument(_ args: inout Arguments, command: String) throws(UsageError) -> String {
    let rest = try args.positionals()
    guard rest.count <= 1 else { throw UsageError("\(command) takes one REMOTE at most") }
    return rest.first ?? "origin"
}

/// A configured remote's name as given; anything else is a URL or a path, made absolute when it
/// names a directory relative to where the command runs.
func remoteOrURL(_ argument: String, in pool: Pool, _ console: Console) -> String {
    if (try? pool.repository.remote(named: argument)) ?? nil != nil { return argument }
    return RemoteCommand.resolveLocal(argument, console)
}

extension PullResult {
    var json: JSONValue {
        var m: [String: JSONValue] = [
            "remote": .string(remote), "url": .string(url), "mode": .string(mode.rawValue),
            "new": .int(Int64(added.count)), "forgotten": .int(Int64(removed.count)), "unchanged": .int(Int64(unchanged)),
            "invalid": .int(0), "conflicts": .array(conflicts.map { .string($0.description) }),
            "added": .array(added.map { .string($0.rawValue) }),
        ]
        if let remoteTip { m["remoteTip"] = .string(remoteTip.hex) }
        if let remoteBranch { m["branch"] = .string(remoteBranch) }
        m["checkedCommits"] = .int(Int64(checkedCommits))
        if let before { m["before"] = .string(before.hex) }
        if let after { m["after"] = .string(after.hex) }
        if let mergeCommit { m["mergeCommit"] = .string(mergeCommit.hex) }
        return .object(m)
    }

    var humanLines: [String] {
        var lines: [String]
        switch mode {
        case .remoteEmpty: lines = ["\(remote) has no pool yet; nothing to pull."]
        case .upToDate: lines = ["Already up to date with \(remote) (\(remoteTip?.hex.prefix(10) ?? ""))."]
        case .fastForward:
            lines = ["Pulled from \(remote): \(added.count) new, \(removed.count) forgotten, 0 invalid in \(checkedCommits) new commits; fast-forward \(before?.hex.prefix(10) ?? "(empty)")..\(after?.hex.prefix(10) ?? "")."]
        case .merged:
            lines = ["Pulled from \(remote): \(added.count) new, \(unchanged) unchanged, \(removed.count) forgotten, 0 invalid in \(checkedCommits) new commits; merge commit \(mergeCommit?.hex.prefix(10) ?? "")."]
        }
        for conflict in conflicts { lines.append("  resolved \(conflict.description)") }
        return lines
    }
}

extension PushResult {
    var json: JSONValue {
        var m: [String: JSONValue] = [
            "remote": .string(remote), "url": .string(url), "rejections": .int(Int64(rejections)),
            "pulls": .array(pulls.map(\.json)),
        ]
        if let pushed { m["pushed"] = .string(pushed.hex) }
        if let remoteBranch { m["branch"] = .string(remoteBranch) }
        m["upToDate"] = .bool(upToDate)
        if !notes.isEmpty { m["notes"] = .array(notes.map { .string($0) }) }
        return .object(m)
    }

    var humanLines: [String] {
        var lines: [String] = []
        for pull in pulls {
            lines.append("\(remote) had moved on; pulled first:")
            lines += pull.humanLines.map { "  " + $0 }
        }
        let onto = remoteBranch.map { ", branch \(Pool.shortBranch($0))" } ?? ""
        let target = remote == url ? url : "\(remote) (\(url))"
        if let pushed, upToDate {
            lines.append("Nothing to push: \(target)\(onto) already has \(pushed.hex.prefix(10)).")
        } else if let pushed {
            lines.append("Pushed \(pushed.hex.prefix(10)) to \(target)\(onto).")
        } else {
            lines.append("The pool is empty; nothing to push.")
        }
        lines += notes.map { "note: " + $0 }
        return lines
    }
}

/// Runs a sync operation, turning a rejected pull into a report naming each entry.
func reportingRejection(_ console: Console, json: Bool, _ body: () throws -> Void) throws -> Int32 {
    do {
        try body()
        return MnemCLI.ExitCode.success
    } catch let rejected as PullRejectedError {
        if json {
            printJSON(
                [
                    "remote": .string(rejected.remote), "url": .string(rejected.url), "rejected": .bool(true),
                    "remoteTip": .string(rejected.remoteTip.hex), "invalid": .int(Int64(rejected.invalid.count)),
                    "entries": .array(rejected.invalid.map { .object(["path": .string($0.path), "problem": .string($0.problem.rawValue), "reason": .string($0.reason)]) }),
                ], console)
        }
        console.err("mnem: pull from \(rejected.source) rejected, nothing changed: \(rejected.invalid.count) invalid")
        for entry in rejected.invalid {
            console.err("  \(entry.path): \(entry.reason)" + (entry.commit.map { " (commit \($0.hex.prefix(12)))" } ?? ""))
        }
        return MnemCLI.ExitCode.failure
    } catch let stopped as MassForgetError {
        if json {
            printJSON(
                [
                    "remote": .string(stopped.remote), "url": .string(stopped.url), "stopped": .bool(true),
                    "forgets": .int(Int64(stopped.forgotten.count)), "poolMemories": .int(Int64(stopped.poolCount)),
                    "limit": .int(Int64(stopped.limit)),
                    "commits": .array(stopped.commits.map {
                        .object(["commit": .string($0.commit.hex), "summary": .string($0.summary), "forgets": .int(Int64($0.count))])
                    }),
                ], console)
        }
        console.err("mnem: \(stopped.description)")
        return MnemCLI.ExitCode.failure
    }
}
