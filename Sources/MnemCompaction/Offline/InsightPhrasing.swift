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
    /// Without `rates`, a practice: reruns after it got further in several projects, and too few
    /// went otherwise to measure a difference.
    ///
    /// The words name the error and the technique first and give the technique's own reason: a
    /// shared sentence skeleton made every recovery read alike (under MiniLM, 40 possible
    /// recoveries were 10 distinct texts).
    static func recovery(situation: String, technique: String, families: [String], failing: [String], rates: (with: Double, without: Double)?) -> Text? {
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
        let examples = families.isEmpty ? "" : " (for example \(code(families)))"
        let evidence = rates.map { "\(capitalized(share($0.with))) reruns after it got further, against \(share($0.without)) of the others." }
            ?? "It got reruns further in several projects; too few went otherwise to compare."
        func text(_ title: String, _ description: String, _ reason: String) -> Text {
            Text(title: title, description: description, content: reason + " " + evidence)
        }
        if technique.hasPrefix("category|"), let category = StepCategory(rawValue: String(technique.dropFirst(9))) {
            return text(
                capitalized(imperative(category)) + " after " + whenShort,
                "When \(when), \(imperative(category))\(examples) before running it again.",
                reason(category))
        }
        if technique == "category|retry" {
            return text(
                "Search differently after " + whenShort,
                "When \(when), change the search instead of repeating it: widen it or look by another key\(examples).",
                "A search that found nothing tested one spelling in one place; names differ between layers and code moves.")
        }
        if technique.hasPrefix("+|"), let modifier = CommandFamily.Modifier(rawValue: String(technique.dropFirst(2))) {
            return text(
                "Rerun " + modifierMeaning(modifier) + " after " + whenShort,
                "When \(when), run it again \(modifierMeaning(modifier)) (`\(modifier.rawValue)`) to see what actually failed.",
                "The first attempt's output hid the line that mattered; changing only how it is shown brings that line into view.")
        }
        switch technique {
        case "read-target":
            return text(
                "Read the file before retrying after " + whenShort,
                "When \(when), open the file as it is now and build the next edit from what it shows.",
                "The file changed since it was last read, so an edit built from memory misses.")
        case "smaller-anchor":
            return text(
                "Retry with a smaller, exact anchor after " + whenShort,
                "When \(when), retry with a shorter text to replace, copied character for character from the file.",
                "A long anchor has more whitespace and quoting to mismatch; a few distinctive lines are enough to place the edit.")
        default:
            if technique.hasPrefix("switch-tool|") {
                let family = String(technique.dropFirst("switch-tool|".count))
                return text(
                    "Switch the editing tool after " + whenShort,
                    "When \(when) again and again, make the change with another tool (for example `\(family)`).",
                    "A tool that keeps refusing one edit will refuse it again; another tool's matching rules may not.")
            }
            return nil
        }
    }

    /// Why a kind of step helps a failing command get further.
    static func reason(_ category: StepCategory) -> String {
        switch category {
        case .install: "Missing packages are the environment's fault, and no change to the code gets past them."
        case .inspect: "The last frames of the output and the code they point to say what the message alone does not."
        case .search: "Where the failing name is defined, or should be, shows whether it was renamed, moved or never existed."
        case .edit: "The failure was in the code or its configuration, so only a change there could pass it."
        case .test: "A narrower run isolates the failing case and answers in seconds instead of minutes."
        case .reproduce: "A minimal script separates the failure from everything else the full run does."
        case .build: "A stale build makes fixed code fail as before; rebuilding rules that out."
        case .run: "A small command shows the environment the failure happened in: versions, paths and variables."
        case .versionControl: "What changed since it last worked is usually where it broke."
        case .web: "The documented meaning of a message often names its fix directly."
        case .other: "Another route around the failure beat pushing through it."
        }
    }

    /// What keeps an error coming back until something changes: the lesson of an unchanged rerun.
    static func persistence(_ error: ErrorClass) -> String {
        switch error {
        case .missingModule: "An import fails the same way until the package is installed or the import path is fixed."
        case .syntaxError: "A syntax error stops the file before anything runs; only an edit at the reported line gets past it."
        case .permissionDenied: "Permissions do not change between runs; use a writable location or change the mode."
        case .commandNotFound: "A missing command stays missing until it is installed or called by its full path."
        case .fileNotFound: "A wrong path stays wrong; list the directory or search for where the file really is."
        case .portInUse: "The port stays taken until the other process stops; free it or choose another port."
        case .connectionFailed: "Nothing is listening yet; start the service, or wait until it is up, before connecting again."
        case .compileError: "The compiler reports the same error until the code it names changes."
        case .testFailure: "A failing assertion fails the same way until the code or the test changes."
        case .runtimeException: "The same input raises the same exception; the traceback's last frames say where to look."
        case .timeout: "The same work under the same limit times out again; narrow the work or raise the limit."
        case .undefinedName: "A name stays undefined until it is imported, defined, or spelled as it was declared."
        case .dependencyConflict: "Conflicting version requirements do not resolve themselves; relax or align the pins."
        case .isDirectory: "A directory passed where a file belongs fails every time; name a file inside it."
        case .invalidToolInput: "The tool rejects the same parameters again; check them against what the tool accepts."
        case .rejectedByUser: "A call the user turned down will be turned down again; ask, or take another approach."
        case .versionControlRefused: "Git refuses for the reason it states, such as uncommitted changes or diverged history; deal with that first."
        }
    }

    /// An unchanged rerun that rarely helps.
    static func unchangedRerun(situation: String, failing: [String], with: Double, without: Double) -> Text? {
        let (error, toolchain, edit) = parse(situation: situation)
        let place = toolchain.map { " in \($0)" } ?? ""
        let what = failing.isEmpty ? "the failing step" : code(Array(failing.prefix(2)))
        let evidence = "\(capitalized(share(with))) immediate identical reruns got further, against \(share(without)) of the reruns made after another step."
        if let error {
            return Text(
                title: "Do not rerun unchanged after " + errorShort(error) + place,
                description: "After \(error.phrase)\(place), running \(what) again with nothing changed in between rarely gets further.",
                content: persistence(error) + " " + evidence)
        }
        if let edit {
            return Text(
                title: "Do not repeat an edit after \(edit.phrase)",
                description: "After \(edit.phrase), sending the same edit again gets the same refusal.",
                content: "An edit that did not apply will not apply unchanged: read the file again and copy the text to replace exactly. " + evidence)
        }
        if situation == "search:empty" {
            return Text(
                title: "Do not repeat a search that found nothing",
                description: "After a search comes back empty, running \(what) again as it was finds nothing new.",
                content: "Widen the scope, search by another name, or search for files instead of text. "
                    + "\(capitalized(share(with))) repeated searches found something, against \(share(without)) of changed ones.")
        }
        return nil
    }

    /// A habit relative to the edits, or a way of shaping output, that went with success. With
    /// `rates`, the difference it made; without, a practice: it went well in several projects and
    /// the data held too few failures to measure more.
    static func habit(group: String, families: [String], measure: InsightMiner.Measure, rates: (with: Double, without: Double)?) -> Text? {
        let parts = group.split(separator: "|").map(String.init)
        let result = measure == .outcome ? "succeeded" : "passed their first check after editing"
        let support = rates.map { "Trajectories that did this \(result) in \(share($0.with)) cases, against \(share($0.without)) of those that did not." }
            ?? "A habit of successful projects."
        let examples = families.isEmpty ? "" : " (for example \(code(families)))"
        let said: (title: String, description: String, reason: String)?
        switch parts.first {
        case "before", "after":
            guard parts.count == 2, let category = StepCategory(rawValue: parts[1]) else { return nil }
            said = parts[0] == "before" ? beforeFirstEdit(category, examples) : afterLastEdit(category, examples)
        case "between":
            guard parts.count == 2, parts[1] == "check" else { return nil }
            said = (
                "Confirm each change before building on it",
                "After each edit, and not only the last, rerun a quick check so a mistake is caught where it was made.",
                "A failure seen right after the edit that caused it points at its cause; seen after five more edits it points nowhere."
            )
        case "scratch":
            switch parts.count > 1 ? parts[1] : "" {
            case "before": said = beforeFirstEdit(.reproduce, examples)
            case "after": said = afterLastEdit(.reproduce, examples)
            case "cleanup":
                said = (
                    "Remove scratch scripts before finishing",
                    "Delete the reproduction and debugging scripts written along the way once the fix is confirmed.",
                    "Leftover scratch files end up in the change set and confuse review."
                )
            default: said = nil
            }
        case "shape":
            guard parts.count == 2, let category = StepCategory(rawValue: parts[1]), !families.isEmpty else { return nil }
            said = (
                "Trim the output of \(runNoun(category)) to the lines that matter",
                "Add \(code(families)) to \(runNoun(category)) so the failure and its summary stay in view.",
                "Long logs bury the failing line and fill the context; merged and cut output keeps the signal."
            )
        default:
            said = nil
        }
        guard let said else { return nil }
        return Text(title: said.title, description: said.description, content: said.reason + " " + support)
    }

    /// What a kind of step before the first edit is for: a title, what to do, and why.
    static func beforeFirstEdit(_ category: StepCategory, _ examples: String) -> (String, String, String)? {
        switch category {
        case .test:
            ("Record a baseline of the test suite before editing", "Before the first edit, run the existing tests\(examples) and write down which already fail.",
             "Failures that were there before are not the change's to chase; without a baseline they look like regressions.")
        case .reproduce:
            ("Reproduce the problem with a throwaway script before editing", "Write a small script that triggers the problem\(examples), run it, and keep it to check the fix.",
             "A self-contained reproduction turns the report into a signal that can be rerun after every edit.")
        case .build:
            ("Build the project before the first edit", "Compile or type-check the untouched code first\(examples).",
             "Errors that appear afterwards then belong to the change, not to the environment.")
        case .run:
            ("Observe the current behaviour before changing it", "Trigger the behaviour the task describes with a one-off command\(examples) and note the actual output first.",
             "What the code really does now says what the change has to alter, and it is the baseline to compare against.")
        case .search:
            ("Locate every place involved with a search before editing", "Search the repository for the names the task mentions\(examples) before choosing where to change.",
             "Seeing where a behaviour is defined and used puts the fix at the cause rather than at one symptom.")
        case .inspect:
            ("Understand the surrounding code before the first edit", "Open the files to be changed and read the functions and callers around the target\(examples).",
             "Edits written from the file as it is apply cleanly and fit their context; edits from memory miss.")
        case .versionControl:
            ("Check the repository state before starting", "Look at what is already modified or recently changed\(examples) before making changes.",
             "Knowing the starting state keeps the new change apart from work already in progress.")
        case .install:
            ("Set up the dependencies before the first change", "Install what the project needs\(examples) before editing, so that tests and scripts can run.",
             "An environment error met after editing looks like a failure of the change and costs a detour.")
        case .web:
            ("Read the documentation before using an unfamiliar API", "Look up the library's documentation or the error\(examples) before writing the change.",
             "Working from documented behaviour avoids guessing at signatures and semantics.")
        case .edit, .other:
            nil
        }
    }

    /// What a kind of step after the last edit is for: a title, what to do, and why.
    static func afterLastEdit(_ category: StepCategory, _ examples: String) -> (String, String, String)? {
        switch category {
        case .test:
            ("Run the relevant tests against the final version", "Once the last change is made, run the tests that cover it\(examples) before declaring the task done.",
             "A change checked only before its last edit is not checked.")
        case .reproduce:
            ("Rerun the reproduction after the fix", "After the final change, run the script that showed the problem again\(examples) and compare its output.",
             "The same script that showed the problem is the quickest proof that it is gone.")
        case .build:
            ("Build or type-check after the last edit", "Compile the project once more after the final change\(examples).",
             "A compile or type error left by the last edit breaks everything downstream.")
        case .run:
            ("Try the fixed feature the way a user would", "Once the last change is in, invoke the program's real entry point on a realistic input\(examples).",
             "Unit tests cover what they cover; the real entry point shows what a user will actually get.")
        case .search:
            ("Search for other occurrences once the fix is in", "After the change, search the code\(examples) for other places with the same pattern and for stale uses of what changed.",
             "The same mistake is often repeated elsewhere, and a changed name leaves callers behind.")
        case .inspect:
            ("Check that the last edit landed where intended", "Display the edited region once more\(examples) and look for wrong indentation, duplicated or lost lines.",
             "Editing tools can put a change in the wrong place or break its layout without reporting an error; a look catches it before the tests do.")
        case .versionControl:
            ("Review the whole diff before finishing", "Read the complete change with version control\(examples) and keep only what the task needs.",
             "Stray debug output, scratch files and unrelated edits show up in the diff before they reach review.")
        case .install, .web, .edit, .other:
            nil
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
