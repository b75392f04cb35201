import MnemCore

/// Why an edit tool refused an edit, named without anything task-specific.
public enum EditFailure: String, Sendable, CaseIterable, Hashable, Comparable {
    /// The tool requires the file to be read first (Claude Code's Edit and Write).
    case notRead = "not-read"
    /// The text to replace was not found verbatim.
    case anchorNotFound = "anchor-not-found"
    /// The text to replace occurs more than once.
    case ambiguousAnchor = "ambiguous-anchor"
    /// The edit was rejected because it broke the syntax (SWE-agent's lint gate).
    case introducedSyntaxError = "introduced-syntax-error"
    /// Writing was not permitted.
    case notPermitted = "not-permitted"

    public static func < (a: EditFailure, b: EditFailure) -> Bool { a.rawValue < b.rawValue }

    /// How the failure reads in a sentence.
    public var phrase: String {
        switch self {
        case .notRead: "an edit refused because the file was not read first"
        case .anchorNotFound: "an edit whose text to replace was not found"
        case .ambiguousAnchor: "an edit whose text to replace matched more than once"
        case .introducedSyntaxError: "an edit rejected for introducing a syntax error"
        case .notPermitted: "a write that was not permitted"
        }
    }

    static let signals: [(EditFailure, [String])] = [
        (.notRead, ["has not been read yet", "Read it first", "must read the file"]),
        (.ambiguousAnchor, ["Found multiple", "multiple occurrences", "appears multiple times", "more than once", "matches of the string"]),
        (.anchorNotFound, ["String to replace not found", "did not appear verbatim", "No replacement was performed", "not found in file", "Could not find the text"]),
        (.introducedSyntaxError, ["introduced new syntax error", "would have introduced", "Your proposed edit has introduced"]),
        (.notPermitted, ["haven't granted", "requested permissions", "Permission denied", "not allowed to write"]),
    ]

    static func detect(in text: String) -> EditFailure? {
        for (failure, needles) in signals where needles.contains(where: { text.contains($0) }) { return failure }
        return nil
    }
}

/// The facts about a step the miner and the workflow builder need beyond its category: the
/// command family of a tool call, the files it wrote, why an edit failed and how large its anchor was.
enum StepFacts {
    /// Tools whose family is the tool's own name (their input is not a command line).
    static func complete(_ result: inout ClassifiedStep, step: TrajectoryStep, tool: String, input: String, json: JSONValue?) {
        let isShell = StepClassifier.shellTools.contains(tool) || (json == nil && !StepClassifier.editTools.contains(tool) && !StepClassifier.editorTools.contains(tool))
        if result.family.isEmpty, !result.noOp {
            let file = fileArgument(json: json, input: input, tool: tool).map(CommandFamily.placeholder)
            var name = step.tool
            if StepClassifier.editorTools.contains(tool), let sub = json?["command"]?.stringValue { name += " " + sub }
            result.family = [name, file.map { $0.hasPrefix("<file") || $0 == "<path>" || $0 == "<dir>" ? $0 : "" } ?? ""]
                .filter { !$0.isEmpty }.joined(separator: " ")
        }
        if !isShell, result.category == .edit || result.category == .reproduce, let path = fileArgument(json: json, input: input, tool: tool) {
            let creates = tool.contains("write") || tool.contains("create") || json?["command"]?.stringValue == "create"
            if creates, let base = Abstraction.baseName(path) { result.writes.append(base) }
        }
        if result.category == .edit || result.category == .reproduce {
            // A refusal is said at the start of the answer; further down an editor echoes file
            // contents, whose words are not the tool's.
            let head = String(step.observation.prefix(400))
            if step.isError == true || result.failed || step.exitStatus == nil, let failure = EditFailure.detect(in: head) {
                result.editFailure = failure
                result.failed = true
            }
            if let old = json?["old_string"]?.stringValue ?? json?["old_str"]?.stringValue {
                result.anchorLength = old.count
            } else if let edits = json?["edits"]?.arrayValue, let first = edits.first?["old_string"]?.stringValue {
                result.anchorLength = first.count
            } else if tool == "edit", json == nil {
                // SWE-agent's `edit 'old' 'new'`: the first quoted word is the anchor.
                let command = ShellCommand(input)
                if let anchor = command.pipelines.first?.head?.arguments.first(where: \.quoted) { result.anchorLength = anchor.text.count }
            }
        }
    }

    /// The file a tool call names, if any.
    static func fileArgument(json: JSONValue?, input: String, tool: String) -> String? {
        if let json {
            for key in ["file_path", "path", "filename", "absolute_path", "notebook_path"] {
                if let value = json[key]?.stringValue, !value.isEmpty { return value }
            }
            return nil
        }
        let first = input.split(separator: "\n").first.map(String.init) ?? input
        let words = ShellCommand(first).pipelines.first?.head?.arguments ?? []
        if let word = words.first(where: { Abstraction.fileExtension($0.text) != nil }) { return word.text }
        if !first.contains(" "), Abstraction.fileExtension(first) != nil { return first }
        return nil
    }
}
