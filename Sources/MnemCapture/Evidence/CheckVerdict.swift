import MnemCore

/// Whether a check (a test run, a build, the program run) passed, from its exit status and its output.
///
/// A runner's own summary decides first, because a pipe (`pytest | tail -20`) hides the
/// runner's exit status behind the last command's; then the exit status when the runner is the
/// last command of its pipeline; then what the output shows (an error, a traceback, or a
/// build's success line). Output that shows nothing either way, with no status, decides nothing.
enum CheckVerdict {
    struct Verdict: Equatable {
        var passed: Bool
        var detail: String
    }

    static func of(_ step: TrajectoryStep, signal: OutcomeSignal) -> Verdict? {
        let output = step.observation
        if wasRefused(step) { return nil }
        if signal != .run, let summary = RunnerSummary.parse(output) { return summary }
        let exit = reliableExit(step)
        if let exit, exit != -1 {
            if exit == 0 {
                if signal == .run, let error = ErrorLines.first(in: output) { return Verdict(passed: false, detail: "exited 0 but printed: \(error)") }
                return Verdict(passed: true, detail: "exited 0")
            }
            return Verdict(passed: false, detail: "exited \(exit)")
        }
        if step.isError == true, step.exitStatus != -1 { return Verdict(passed: false, detail: "reported as an error") }
        if signal == .run, let summary = RunnerSummary.parse(output) { return summary }
        if let error = ErrorLines.first(in: output) { return Verdict(passed: false, detail: "printed: \(error)") }
        if signal == .build, let line = buildSuccess(output) { return Verdict(passed: true, detail: "printed: \(line)") }
        // A program that ran to its end without an error in what it printed (stderr included):
        // formats that record no exit status (SWE-agent) give nothing else to go on.
        if signal == .run, step.exitStatus == nil, step.isError != true, !looksInterrupted(output) {
            return Verdict(passed: true, detail: output.trimmingWhitespace.isEmpty ? "ran without output or error" : "ran without an error in its output")
        }
        return nil
    }

    /// Whether the user refused or interrupted the call: it ran no check.
    static func wasRefused(_ step: TrajectoryStep) -> Bool {
        refusals.contains(where: { step.observation.hasPrefix($0) })
    }

    static let refusals = [
        "The user doesn't want to proceed", "User rejected", "[Request interrupted", "Permission to use", "The user denied",
        "Tool use was rejected", "User denied", "Command was cancelled", "Cancelled by user",
    ]

    /// The exit status when it is the check's own: known, and not hidden behind a pipe.
    static func reliableExit(_ step: TrajectoryStep) -> Int? {
        guard let exit = step.exitStatus else { return nil }
        let segments = CommandLine.segments(step.input[...])
        // The status is the last command's; it is the check's when that command is the check
        // (or the line has no pipe after the check).
        guard let lastCheck = segments.lastIndex(where: {
            if case .check = StepRole.classify(CommandLine.words($0.text)) { return true }
            return false
        }) else { return exit }
        let after = segments[(lastCheck + 1)...]
        if segments[lastCheck].followedBy == "|" || segments[lastCheck].followedBy == "||" { return nil }
        if after.contains(where: { seg in
            let words = CommandLine.words(seg.text)
            return !(words.first == "echo" || words.first == "exit")
        }), segments[lastCheck].followedBy == ";" {
            return nil
        }
        return exit
    }

    static let successLines = [
        "build complete", "build succeeded", "build successful", "compiled successfully", "successfully compiled", "built in ",
        "finished `", "finished dev", "finished release", "compiling done", "no issues found", "no errors found", "0 problems",
        "found 0 errors", "success: no issues", "all checks passed", "type check passed",
    ]

    static func buildSuccess(_ output: String) -> String? {
        let lower = output.lowercased()
        for marker in successLines where lower.contains(marker) { return marker.trimmingWhitespace }
        return nil
    }

    static func looksInterrupted(_ output: String) -> Bool {
        let lower = output.lowercased()
        return lower.contains("timed out") || lower.contains("timeout") || lower.contains("interrupted") || lower.contains("killed")
            || lower.contains("running in background") || lower.contains("still running")
    }
}

/// The summary lines of test runners and build tools.
enum RunnerSummary {
    /// Words that count passes and failures after a number (`3 passed`, `2 failing`, `0 failures`).
    static let passWords: Set<String> = ["passed", "passing", "pass", "passes", "succeeded", "successful", "ok"]
    static let failWords: Set<String> = ["failed", "failing", "fail", "fails", "failures", "failure", "errors", "error", "errored", "broken", "crashed"]
    /// Words that may sit between the number and the status (`5 tests failed`, `1 test passed`).
    static let nounWords: Set<String> = ["test", "tests", "examples", "example", "specs", "spec", "suites", "suite", "files", "file", "cases", "case", "checks", "check", "doctests", "properties"]

    /// The verdict of the last summary line of `output`, or nil when it has none.
    static func parse(_ output: String) -> CheckVerdict.Verdict? {
        var lines = output.split(separator: "\n", omittingEmptySubsequences: true)
        if lines.count > 400 { lines = Array(lines.suffix(400)) }
        for line in lines.reversed() {
            if let verdict = verdict(of: line) { return verdict }
        }
        return nil
    }

    static func verdict(of rawLine: Substring) -> CheckVerdict.Verdict? {
        var line = rawLine.trimmingCharacters(in: " \t\r=-*_✓✔✗✘×·|")
        // A log level in front (`[INFO] BUILD SUCCESS`).
        if line.hasPrefix("["), let close = line.firstIndex(of: "]"), line.distance(from: line.startIndex, to: close) < 12 {
            line = line[line.index(after: close)...].trimmingCharacters(in: " \t")
        }
        guard !line.isEmpty, line.count < 400 else { return nil }
        let detail = String(line.prefix(160))
        // Fixed verdict lines.
        if line == "OK" || line.hasPrefix("OK (") { return .init(passed: true, detail: detail) }
        if line.hasPrefix("FAILED (") || line == "FAILED" || line == "FAIL" || line.hasPrefix("FAIL\t") || line.hasPrefix("FAIL ")
            || line.hasPrefix("FAILURES!") || line.hasPrefix("ERRORS!") || line.hasPrefix("--- FAIL")
        {
            return .init(passed: false, detail: detail)
        }
        if line.hasPrefix("ok \t") || line.hasPrefix("ok  ") || line.hasPrefix("ok\t") || line == "PASS" || line.hasPrefix("PASS\t") {
            return .init(passed: true, detail: detail)
        }
        if line.hasPrefix("test result: ok") { return .init(passed: true, detail: detail) }
        if line.hasPrefix("test result: FAILED") { return .init(passed: false, detail: detail) }
        if line.hasPrefix("BUILD SUCCESS") { return .init(passed: true, detail: detail) }
        if line.hasPrefix("BUILD FAIL") { return .init(passed: false, detail: detail) }
        if line.hasPrefix("Test Suite 'All tests' passed") || (line.hasPrefix("Test run with ") && line.hasSuffix(" passed")) {
            return .init(passed: true, detail: detail)
        }
        if line.hasPrefix("Test Suite 'All tests' failed") || (line.hasPrefix("Test run with ") && line.contains(" failed")) {
            return .init(passed: false, detail: detail)
        }
        // Counted lines: `3 failed, 10 passed`, `Tests: 1 failed, 4 total`, `Failures: 0`, `# fail 0`.
        var passed = 0
        var failed = 0
        var sawFailZero = false
        var sawCount = false
        let words = tokens(line)
        for (i, token) in words.enumerated() {
            guard let n = Int(token.text) else { continue }
            // `3 failed`, `5 tests passed`: a number, spaces, (a noun,) the status.
            var j = i + 1
            if j < words.count, words[j].joinedBySpace, nounWords.contains(words[j].text) { j += 1 }
            if j < words.count, words[j].joinedBySpace {
                if passWords.contains(words[j].text), words[j].text != "ok" || j == i + 1 {
                    passed += n
                    sawCount = true
                    continue
                } else if failWords.contains(words[j].text) {
                    failed += n
                    sawCount = true
                    if n == 0 { sawFailZero = true }
                    continue
                }
            }
            // `Failures: 1`, `Errors: 0`, `# fail 2`, `Passed: 5`: the status, then the number.
            if i > 0, token.joinedBySpace || token.joinedByColon {
                let before = words[i - 1].text
                if failWords.contains(before) {
                    failed += n
                    sawCount = true
                    if n == 0 { sawFailZero = true }
                } else if passWords.contains(before), before != "ok" {
                    passed += n
                    sawCount = true
                }
            }
        }
        guard sawCount else { return nil }
        if failed > 0 { return .init(passed: false, detail: detail) }
        if passed > 0 || sawFailZero {
            // `0 failures` alone passes only beside a count of what ran (`5 tests, 0 failures`).
            if passed == 0, !words.contains(where: { nounWords.contains($0.text) }) { return nil }
            return .init(passed: true, detail: detail)
        }
        return nil
    }

    struct Token {
        var text: String
        /// Whether only spaces separate it from the token before.
        var joinedBySpace: Bool
        /// Whether a colon or `=` (and spaces) separate it from the token before.
        var joinedByColon: Bool
    }

    /// Lowercased words and numbers of a line, with what separates each from the one before.
    static func tokens(_ line: Substring) -> [Token] {
        var out: [Token] = []
        var current = ""
        var separator = ""
        func flush() {
            guard !current.isEmpty else { return }
            let spaces = separator.allSatisfy { $0 == " " || $0 == "\t" }
            let colon = !spaces && separator.allSatisfy { $0 == " " || $0 == "\t" || $0 == ":" || $0 == "=" }
            out.append(Token(text: current, joinedBySpace: spaces && !out.isEmpty, joinedByColon: colon && !out.isEmpty))
            current = ""
            separator = ""
        }
        for c in line.lowercased() {
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                flush()
                separator.append(c)
            }
        }
        flush()
        return out
    }
}

/// Lines of output that show something went wrong.
enum ErrorLines {
    /// Case-sensitive markers at the start of a line, or anywhere for the distinctive ones.
    static let anywhere = [
        "Traceback (most recent call last)", "Error:", "Exception:", "panic:", "Segmentation fault", "error[E", "error TS", "npm ERR!",
        "SyntaxError", "ImportError", "ModuleNotFoundError", "AssertionError", "NameError", "TypeError", "ValueError", "AttributeError",
        "KeyError", "IndexError", "RuntimeError", "ReferenceError", "command not found", "No such file or directory", "FAILED",
        "fatal:", "FATAL", "[error]", "** (", "undefined reference", "cannot find module", "Cannot find module", "Uncaught",
    ]
    static let lineStarts = ["error:", "ERROR", "E   ", "FAIL", "Error ", "error "]
    /// Phrases that name an absence of errors (`no errors`, `0 errors`) and must not count as one.
    static let negations = ["no error", "0 error", "without error", "errors: 0", "error: 0", "0 failed", "no failures", "0 failures", "No errors"]

    static let anywhereBytes = anywhere.map { Array($0.utf8) }
    static let lineStartBytes = lineStarts.map { Array($0.utf8) }
    static let negationAnchors = ByteAnchors(negations)

    /// The first line that shows an error, cut to 160 characters, or nil.
    /// - Complexity: O(n · m) byte comparisons for n bytes and m markers, with `memchr` skipping.
    static func first(in output: String) -> String? {
        guard !output.isEmpty else { return nil }
        var text = output
        return text.withUTF8 { b -> String? in
            var start = 0
            while start < b.count {
                var end = start
                while end < b.count, b[end] != 0x0A { end += 1 }
                let line = UnsafeBufferPointer(rebasing: b[start..<end])
                var indent = 0
                while indent < line.count, line[indent] == 0x20 || line[indent] == 0x09 { indent += 1 }
                let hit = anywhereBytes.contains { m in m.withUnsafeBufferPointer { ByteSearch.find($0, in: line) } != nil }
                    || lineStartBytes.contains { m in line.count - indent >= m.count && line[indent..<(indent + m.count)].elementsEqual(m) }
                if hit, !negationAnchors.occurs(in: line) {
                    return String(decoding: line[indent...].prefix(160), as: UTF8.self)
                }
                start = end + 1
            }
            return nil
        }
    }
}
