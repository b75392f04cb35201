import MnemCore

/// The words of mined insights, built from what was mined: the error class, the toolchain, the kind
/// of step, the command families, and how large the difference was.
///
/// No number is written into the text: counts move with every new trajectory, and a memory whose
/// words change is a new memory. The rates stay in the evidence; the text names a difference in
/// coarse words ("most", "about half", "few"), which changes only when the difference does.
enum InsightPhrasing {
    struct Text: Equatable {
        var title: String
        var description: String
        var content: String
    }

    /// A rate in words.
    static func share(_ rate: Double) -> String {
        switch rate {
        case ..<0.15: "few"
        case ..<0.4: "some"
        case ..<0.6: "about half"
        case ..<0.85: "most"
        default: "nearly all"
        }
    }

    static func code(_ families: [String]) -> String {
        let quoted = families.map { "`\($0)`" }
        switch quoted.count {
        case 0: return ""
        case 1: return quoted[0]
        case 2: return quoted[0] + " or " + quoted[1]
        default: return quoted.dropLast().joined(separator: ", ") + " or " + (quoted.last ?? "")
        }
    }

    static func capitalized(_ text: String) -> String { text.prefix(1).uppercased() + text.dropFirst() }

    /// `error:missing-module@python` → (the error class, "Python"); `edit:not-read` → (nil, nil, the failure).
    static func parse(situation: String) -> (error: ErrorClass?, toolchain: String?, edit: EditFailure?) {
        if situation.hasPrefix("edit:") { return (nil, nil, EditFailure(rawValue: String(situation.dropFirst(5)))) }
        let body = situation.hasPrefix("error:") ? String(situation.dropFirst(6)) : situation
        let parts = body.split(separator: "@", maxSplits: 1).map(String.init)
        let toolchain = parts.count > 1 ? toolchainName(parts[1]) : nil
        return (ErrorClass(rawValue: parts[0]), toolchain, nil)
    }

    static func toolchainName(_ lower: String) -> String {
        LanguageDetector.byProgram.values.first { $0.lowercased() == lower } ?? LanguageDetector.byExtension.values.first { $0.lowercased() == lower } ?? lower
    }

    /// How a kind of step reads as an imperative ("install what is missing").
    static func imperative(_ category: StepCategory) -> String {
        switch category {
        case .install: "install or configure what is missing"
        case .inspect: "read the code or output around the failure"
        case .search: "search the code for where the failing name is defined"
        case .edit: "change the code or configuration"
        case .test: "run a narrower test"
        case .reproduce: "reproduce the failure in a small script"
        case .build: "rebuild"
        case .run: "check the environment with a small command"
        case .versionControl: "check the repository state"
        case .web: "look the error up"
        case .other: "change the approach"
        }
    }

    /// How a kind of step reads as a noun ("an install step").
    static func noun(_ category: StepCategory) -> String {
        switch category {
        case .install: "an install step"
        case .inspect: "reading the code or output"
        case .search: "a search of the code"
        case .edit: "an edit"
        case .test: "a narrower test run"
        case .reproduce: "a reproduction script"
        case .build: "a rebuild"
        case .run: "a small check command"
        case .versionControl: "a look at the repository state"
        case .web: "a web lookup"
        case .other: "another step"
        }
    }

    static func modifierMeaning(_ modifier: CommandFamily.Modifier) -> String {
        switch modifier {
        case .mergedStreams: "with standard error merged into the output"
        case .tail: "keeping only the end of its output"
        case .head: "keeping only the start of its output"
        case .grep: "filtering its output for the lines that matter"
        case .quietErrors: "with error noise discarded"
        case .timeout: "under a time limit"
        case .background: "in the background"
        }
    }

    static func errorShort(_ error: ErrorClass) -> String {
        switch error {
        case .missingModule: "a missing module"
        case .syntaxError: "a syntax error"
        case .permissionDenied: "a permission error"
        case .commandNotFound: "a missing command"
        case .fileNotFound: "a missing file or path"
        case .portInUse: "a port already in use"
        case .connectionFailed: "a refused connection"
        case .compileError: "a compile error"
        case .testFailure: "a failing test"
        case .runtimeException: "a runtime exception"
        case .timeout: "a time-out"
        case .undefinedName: "an undefined name"
        case .dependencyConflict: "a dependency conflict"
        case .isDirectory: "a directory read as a file"
        case .invalidToolInput: "an invalid tool call"
        case .rejectedByUser: "a rejected tool call"
        case .versionControlRefused: "a refused git operation"
        }
    }

    /// A recovery: after `situation`, `technique` made the rerun get further.
    static func recovery(situation: String, technique: String, families: [String], failing: [String], with: Double, without: Double) -> Text? {
        let (error, toolchain, edit) = parse(situation: situation)
        let place = toolchain.map { " in \($0)" } ?? ""
        let when: String
        let whenShort: String
        if let error {
            whenShort = errorShort(error) + place
            when = (failing.isEmpty ? "a step" : code(Array(failing.prefix(2)))) + " fails with " + error.phrase + place
        } else if let edit {
            whenShort = "a refused edit"
            when = edit.phrase + " happens"
        } else if situation == "search:empty" {
            whenShort = "an empty search"
            when = "a search of the code comes back empty"
        } else {
            return nil
        }
        let difference = "\(capitalized(share(with))) such reruns got further, against \(share(without)) of the others."
        if technique.hasPrefix("category|"), let category = StepCategory(rawValue: String(technique.dropFirst(9))) {
            return Text(
                title: capitalized(imperative(category)) + " after " + whenShort,
                description: "When \(when), \(imperative(category)) before running it again (for example \(code(families))).",
                content: "Reruns preceded by \(noun(category)) got past the error more often than reruns without it. " + difference)
        }
        if technique == "category|retry" {
            return Text(
                title: "Search differently after " + whenShort,
                description: "When \(when), change the search instead of repeating it: widen it or look by another key (for example \(code(families))).",
                content: "Searches retried with another command or scope found something more often than searches repeated as they were. " + difference)
        }
        if technique.hasPrefix("+|"), let modifier = CommandFamily.Modifier(rawValue: String(technique.dropFirst(2))) {
            return Text(
                title: "Rerun " + modifierMeaning(modifier) + " after " + whenShort,
                description: "When \(when), run it again \(modifierMeaning(modifier)) (`\(modifier.rawValue)`) to see what actually failed.",
                content: "Reruns that changed only how the output was shown, adding `\(modifier.rawValue)`, got further than those that did not. " + difference)
        }
        switch technique {
        case "read-target":
            return Text(
                title: "Read the file before retrying after " + whenShort,
                description: "When \(when), open the file as it is now and build the next edit from what it shows.",
                content: "Retries made after reading the target file succeeded more often than retries from memory. " + difference)
        case "smaller-anchor":
            return Text(
                title: "Retry with a smaller, exact anchor after " + whenShort,
                description: "When \(when), retry with a shorter text to replace, copied exactly from the file.",
                content: "Retries whose text to replace was much shorter than the failed one succeeded more often than retries with an anchor as long. " + difference)
        default:
            if technique.hasPrefix("switch-tool|") {
                let family = String(technique.dropFirst("switch-tool|".count))
                return Text(
                    title: "Switch the editing tool after " + whenShort,
                    description: "When \(when) again and again, make the change with another tool (for example `\(family)`).",
                    content: "Retries that changed the tool succeeded more often than retries with the same one. " + difference)
            }
            return nil
        }
    }

    /// An unchanged rerun that rarely helps.
    static func unchangedRerun(situation: String, failing: [String], with: Double, without: Double) -> Text? {
        let (error, toolchain, edit) = parse(situation: situation)
        let place = toolchain.map { " in \($0)" } ?? ""
        let what = failing.isEmpty ? "the failing step" : code(Array(failing.prefix(2)))
        let whenShort: String
        let problem: String
        if let error {
            whenShort = errorShort(error) + place
            problem = error.phrase + place
        } else if let edit {
            whenShort = "a refused edit"
            problem = edit.phrase
        } else if situation == "search:empty" {
            return Text(
                title: "Do not repeat a search that found nothing",
                description: "After a search comes back empty, running \(what) again as it was finds nothing new.",
                content: "Widen the scope, search by another name, or search for files instead of text. "
                    + "\(capitalized(share(with))) repeated searches found something, against \(share(without)) of changed ones.")
        } else {
            return nil
        }
        return Text(
            title: "Do not rerun unchanged after " + whenShort,
            description: "After \(problem), running \(what) again with nothing changed in between rarely gets further.",
            content: "Read the error and change one thing (the code, the environment or the command) before the next attempt. "
                + "\(capitalized(share(with))) immediate identical reruns got further, against \(share(without)) of reruns after another step.")
    }

    /// A habit relative to the edits, or a way of shaping output, that went with success.
    static func habit(group: String, families: [String], measure: InsightMiner.Measure, with: Double, without: Double) -> Text? {
        let parts = group.split(separator: "|").map(String.init)
        let result = measure == .outcome ? "succeeded" : "passed their first check after editing"
        let difference = "Trajectories that did this \(result) in \(share(with)) cases, against \(share(without)) of those that did not."
        let examples = families.isEmpty ? "" : " (for example \(code(families)))"
        switch parts.first {
        case "before":
            guard parts.count == 2, let category = StepCategory(rawValue: parts[1]) else { return nil }
            return Text(
                title: capitalized(habitVerb(category)) + " before the first edit",
                description: "Before changing any code, \(habitVerb(category))\(examples).",
                content: "Starting from \(noun(category)) gives the change a concrete target and a check to rerun later. " + difference)
        case "after":
            guard parts.count == 2, let category = StepCategory(rawValue: parts[1]) else { return nil }
            return Text(
                title: capitalized(habitVerb(category)) + " after the last edit",
                description: "Once the last change is made, \(habitVerb(category))\(examples) before declaring the task done.",
                content: "A change checked after its final version is the change that was validated. " + difference)
        case "scratch":
            switch parts.count > 1 ? parts[1] : "" {
            case "before":
                return Text(
                    title: "Reproduce the problem with a throwaway script before editing",
                    description: "Write a small script that triggers the problem\(examples), run it, and keep it to check the fix.",
                    content: "A self-contained reproduction turns the report into a signal that can be rerun after every edit. " + difference)
            case "after":
                return Text(
                    title: "Rerun the reproduction script after the last edit",
                    description: "After the final change, run the scratch script that showed the problem again and compare its output.",
                    content: "The same script that showed the problem is the quickest proof that it is gone. " + difference)
            case "cleanup":
                return Text(
                    title: "Remove scratch scripts before finishing",
                    description: "Delete the reproduction and debugging scripts written along the way once the fix is confirmed.",
                    content: "Leftover scratch files end up in the change set and confuse review. " + difference)
            default:
                return nil
            }
        case "shape":
            guard parts.count == 3, let category = StepCategory(rawValue: parts[1]), let modifier = CommandFamily.Modifier(rawValue: parts[2]) else { return nil }
            return Text(
                title: "Run \(runNoun(category)) \(modifierMeaning(modifier))",
                description: "Invoke \(runNoun(category)) with `\(modifier.rawValue)` so the part of the output that matters fits in view.",
                content: "Long \(runNoun(category)) output buries the failure; shaping it keeps the signal. " + difference)
        default:
            return nil
        }
    }

    static func habitVerb(_ category: StepCategory) -> String {
        switch category {
        case .test: "run the relevant tests"
        case .reproduce: "reproduce the problem"
        case .build: "build or type-check the project"
        case .run: "run the program"
        case .search: "search the code"
        case .inspect: "read the code involved"
        case .versionControl: "review the change with version control"
        case .install: "install the dependencies"
        case .edit: "edit"
        case .web: "look up the documentation"
        case .other: "check the work"
        }
    }

    static func runNoun(_ category: StepCategory) -> String {
        switch category {
        case .test: "test runs"
        case .build: "builds"
        case .reproduce: "reproduction scripts"
        default: "commands"
        }
    }
}
