import Foundation

/// What a command's help text says about its syntax: its subcommand words, its options with
/// their value placeholders and choices, and the words its positional arguments take.
///
/// The completion scripts and the man page are generated from this, so they can never say
/// something the help does not; the help texts follow one layout (a `Usage:` block, then
/// two-space-indented `--option VALUE   description` lines) and this reads that layout. A test
/// checks every option and every choice read here against the command's own parser.
struct HelpSyntax: Sendable {
    struct Option: Sendable, Hashable {
        /// `--kind`, or `-k` and `--limit` for one option with two spellings.
        var names: [String]
        /// The placeholder of the value it takes (`N`, `PATH`, `K`), nil for a flag.
        var value: String?
        /// The words the value may be, when the help lists them.
        var choices: [String]
        var description: String

        /// What a shell should offer for the value.
        var valueKind: ValueKind {
            guard let value else { return .none }
            if !choices.isEmpty { return .words(choices) }
            switch value {
            case "DIR": return .directory
            case "PATH", "FILE": return .file
            default: return .any
            }
        }
    }

    enum ValueKind: Equatable, Sendable {
        case none, any, file, directory
        case words([String])
    }

    var name: String
    var abstract: String
    /// The usage forms, without `Usage: `.
    var usage: [String]
    /// Literal words that may come first after the command (`install`, `uninstall`).
    var subcommands: [String]
    /// Choices for the positional argument after a subcommand, e.g. the agents of `hooks install AGENT`.
    var positionalChoices: [String]
    /// Whether a positional argument names files (`PATH…`, `FILE…`).
    var takesFiles: Bool
    var options: [Option]

    static let brackets = CharacterSet(charactersIn: "[]…")

    /// Options every command takes (`MnemCLI.run` reads them before the command).
    static let global: [Option] = [
        Option(names: ["--pool"], value: "PATH", choices: [], description: "the pool to use"),
        Option(names: ["--json"], value: nil, choices: [], description: "machine-readable output"),
        Option(names: ["-h", "--help"], value: nil, choices: [], description: "this command's help"),
    ]

    init(_ command: any Command.Type) {
        name = command.name
        abstract = command.abstract
        let lines = command.help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        usage = Self.usageForms(lines, command: command.name)
        var options: [String: Option] = [:]
        var order: [String] = []
        func merge(_ option: Option) {
            let key = option.names.last ?? ""
            guard var known = options[key] else {
                options[key] = option
                order.append(key)
                return
            }
            known.names = Array(Set(known.names + option.names)).sorted { $0.count < $1.count || ($0.count == $1.count && $0 < $1) }
            known.value = known.value ?? option.value
            if known.choices.isEmpty { known.choices = option.choices }
            if known.description.isEmpty { known.description = option.description }
            options[key] = known
        }
        // An option line, and the deeper-indented lines that continue its description.
        var pending: Option?
        for line in lines + [""] {
            let indent = line.prefix { $0 == " " }.count
            if var option = pending, indent >= 12, !line.dropFirst(indent).hasPrefix("-") {
                option.description += " " + line.trimmingCharacters(in: .whitespaces)
                pending = option
                continue
            }
            if var option = pending {
                if option.value != nil, option.choices.isEmpty { option.choices = Self.listedChoices(option.description) ?? [] }
                merge(option)
            }
            pending = Self.optionLine(line)
        }
        var subcommands: [String] = []
        var takesFiles = false
        for form in usage {
            let tokens = Self.tokens(form)
            guard tokens.count > 1, tokens[0] == "mnem", tokens[1] == command.name else { continue }
            if let first = tokens.dropFirst(2).first, Self.isLiteral(first) {
                for word in first.split(separator: "|") where !subcommands.contains(String(word)) { subcommands.append(String(word)) }
            }
            for (n, token) in tokens.enumerated() {
                let bare = token.trimmingCharacters(in: Self.brackets)
                guard Self.isOptionName(bare) else { continue }
                var value: String?
                if !token.hasSuffix("]"), n + 1 < tokens.count {
                    let next = tokens[n + 1].trimmingCharacters(in: Self.brackets)
                    if Self.isPlaceholder(next) { value = next }
                }
                var choices = value.map { $0.split(separator: "|").map(String.init) } ?? []
                if choices.count < 2 || !choices.allSatisfy(Self.isLiteral) { choices = [] }
                merge(Option(names: [bare], value: value, choices: choices, description: ""))
            }
            // A positional PATH or FILE (not the value of an option) names files.
            for (n, token) in tokens.enumerated().dropFirst(2) {
                let bare = token.trimmingCharacters(in: Self.brackets)
                let afterOption = Self.isOptionName(tokens[n - 1].trimmingCharacters(in: Self.brackets)) && !tokens[n - 1].hasSuffix("]")
                if !afterOption, bare.hasPrefix("PATH") || bare.hasPrefix("FILE") { takesFiles = true }
            }
        }
        self.subcommands = subcommands
        self.takesFiles = takesFiles
        self.options = order.compactMap { options[$0] }
        positionalChoices = []
        for line in lines {
            // `  AGENT           claude-code, codex, gemini, cursor or git`
            let trimmed = line.drop { $0 == " " }
            guard line.hasPrefix("  "), let first = trimmed.split(separator: " ").first, first.allSatisfy({ $0.isUppercase }), first.count > 1 else { continue }
            let description = trimmed.dropFirst(first.count).drop { $0 == " " }
            if let choices = Self.listedChoices(String(description)), !subcommands.isEmpty { positionalChoices = choices }
        }
    }

    // MARK: - Reading the layout

    /// The lines of the `Usage:` block, each usage form joined with its continuation lines.
    static func usageForms(_ lines: [String], command: String) -> [String] {
        var forms: [String] = []
        var inUsage = false
        for line in lines {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Usage: ") {
                inUsage = true
                forms.append(String(line.dropFirst("Usage: ".count)).trimmingCharacters(in: .whitespaces))
            } else if inUsage, trimmed.hasPrefix("mnem \(command)") {
                forms.append(trimmed)
            } else if inUsage, !trimmed.isEmpty, let last = forms.indices.last {
                forms[last] += " " + trimmed
            } else {
                inUsage = false
            }
        }
        return forms
    }

    /// A two-space-indented option line: `  -v, --verbose   description`, `  --kind K   description`.
    static func optionLine(_ line: String) -> Option? {
        guard line.hasPrefix("  ") else { return nil }
        let body = line.drop { $0 == " " }
        guard body.hasPrefix("-"), line.count - body.count <= 12 else { return nil }
        // The description starts after the first run of two or more spaces.
        guard let gap = body.range(of: "  ") else { return nil }
        let head = body[..<gap.lowerBound]
        let description = body[gap.upperBound...].trimmingCharacters(in: .whitespaces)
        var names: [String] = []
        var value: String?
        for part in head.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let words = part.split(separator: " ").map(String.init)
            guard let name = words.first, isOptionName(name) else { return nil }
            names.append(name)
            if words.count > 1 { value = words[1] }
        }
        guard !names.isEmpty else { return nil }
        var choices = value.map { $0.split(separator: "|").map(String.init) } ?? []
        if choices.count < 2 || !choices.allSatisfy(isLiteral) { choices = [] }
        return Option(names: names, value: value, choices: choices, description: description)
    }

    /// The words a description lists as the possible values: `success, failure or unknown`,
    /// `only this kind (trajectory, workflow, summary, insight)`, `…: workflow, summary or insight`.
    static func listedChoices(_ description: String) -> [String]? {
        var candidates: [Substring] = [description[...]]
        if let open = description.firstIndex(of: "("), let close = description[open...].firstIndex(of: ")") {
            candidates.append(description[description.index(after: open)..<close])
        }
        if let colon = description.firstIndex(of: ":") { candidates.append(description[description.index(after: colon)...]) }
        for candidate in candidates {
            // The list runs until the first ';' or '(' or the end.
            let list = candidate.prefix { $0 != ";" && $0 != "(" }.trimmingCharacters(in: .whitespaces)
            let words = list.replacingOccurrences(of: " or ", with: ", ").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if words.count >= 2, words.allSatisfy(isLiteral) { return words }
        }
        return nil
    }

    /// Splits a usage form on spaces, keeping bracketed groups like `[--by kind|domain]` as two tokens.
    static func tokens(_ form: String) -> [String] { form.split(separator: " ").map(String.init) }

    static func isOptionName(_ text: String) -> Bool {
        guard text.hasPrefix("-"), text.count >= 2 else { return false }
        let body = text.drop { $0 == "-" }
        return !body.isEmpty && body.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } && (text.hasPrefix("--") || body.count == 1)
    }

    /// A word typed as is: lower-case letters, digits, '-', '_' and '.'.
    static func isLiteral(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." || $0 == "|" }
            && !text.hasPrefix("-")
    }

    /// An upper-case placeholder (`N`, `PATH`, `TOKENS`, `N,N,…`) or a `a|b` choice list.
    static func isPlaceholder(_ text: String) -> Bool {
        guard let first = text.first else { return false }
        return first.isUppercase || (text.contains("|") && isLiteral(text))
    }
}
