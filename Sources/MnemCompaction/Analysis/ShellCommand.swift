/// A command line split the way a shell would, closely enough to tell what each part runs.
///
/// Only the first line of a here-document is read (the body is data, not a command); quotes
/// group words and are remembered, because a quoted word is a string, never a program.
struct ShellCommand: Sendable {
    struct Word: Sendable, Hashable {
        var text: String
        var quoted: Bool
    }

    /// One simple command of a pipeline: its words (prefix assignments and wrappers removed)
    /// and whether its output is redirected into a file.
    struct Simple: Sendable {
        var words: [Word]
        var redirectsToFile: Bool
        var redirectTarget: String?
        var program: String { words.first.map { ShellCommand.programName($0.text) } ?? "" }
        var arguments: [Word] { Array(words.dropFirst()) }
    }

    /// A pipeline: the first command does the work, the rest filter its output.
    struct Pipeline: Sendable {
        var commands: [Simple]
        var head: Simple? { commands.first }
    }

    var pipelines: [Pipeline]

    /// The command's here-document marker, if any: what follows is data.
    var hasHereDocument: Bool

    init(_ line: String) {
        var text = line
        hasHereDocument = false
        if text.contains("<<"), let heredoc = text.firstRange(of: "<<") {
            hasHereDocument = true
            // Keep the rest of the first line (`cat <<'EOF' > file.py`), drop the body, and keep
            // the commands after its terminator (`EOF` then `python file.py`).
            let end = text[heredoc.upperBound...].firstIndex(of: "\n") ?? text.endIndex
            let delimiter = Self.hereDocumentDelimiter(text[heredoc.upperBound..<end])
            var rest = ""
            if end < text.endIndex, !delimiter.isEmpty {
                let body = text[text.index(after: end)...].split(separator: "\n", omittingEmptySubsequences: false)
                if let close = body.firstIndex(where: { $0.trimmedASCII == delimiter }) {
                    rest = body[(close + 1)...].joined(separator: "\n")
                }
            }
            text = String(text[..<end]) + (rest.isEmpty ? "" : "\n" + rest)
        }
        pipelines = Self.parse(Self.tokenize(text))
    }

    /// The word that ends a here-document (`<<'EOF'`, `<<-END`, `<< "X"`).
    static func hereDocumentDelimiter(_ text: Substring) -> String {
        var rest = text.drop(while: { $0 == "-" || $0 == " " || $0 == "\t" })
        if rest.first == "'" || rest.first == "\"" { rest = rest.dropFirst() }
        return String(rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
    }

    enum Token: Hashable {
        case word(Word)
        case pipe, sequence, redirect
    }

    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var quoted = false
        var inWord = false
        var quote: Unicode.Scalar?
        func flush() {
            if inWord { tokens.append(.word(Word(text: current, quoted: quoted))) }
            current = ""
            quoted = false
            inWord = false
        }
        // Unicode scalars, not Characters: grapheme breaking cost more than the rest of the parse,
        // and every character the shell treats specially is one scalar.
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let c = pending ?? iterator.next() {
            pending = nil
            if let q = quote {
                if c == q {
                    quote = nil
                } else if c == "\\" && q == "\"", let next = iterator.next() {
                    current.unicodeScalars.append(next)
                } else {
                    current.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "'", "\"":
                quote = c
                quoted = true
                inWord = true
            case "\\":
                if let next = iterator.next(), next != "\n" {
                    current.unicodeScalars.append(next)
                    inWord = true
                }
            case " ", "\t":
                flush()
            case "\n", ";":
                flush()
                tokens.append(.sequence)
            case "&":
                flush()
                if let next = iterator.next() {
                    if next == "&" { tokens.append(.sequence) } else if next == ">" { tokens.append(.redirect) } else {
                        tokens.append(.sequence)
                        pending = next
                    }
                } else {
                    tokens.append(.sequence)
                }
            case "|":
                flush()
                if let next = iterator.next() {
                    if next == "|" { tokens.append(.sequence) } else {
                        tokens.append(.pipe)
                        pending = next
                    }
                } else {
                    tokens.append(.pipe)
                }
            case ">":
                // `2>&1` and `2>/dev/null` are not writes to a file the task cares about.
                if current == "2" || current == "1" {
                    current = ""
                    inWord = false
                }
                flush()
                if let next = iterator.next() {
                    if next == ">" { tokens.append(.redirect) } else if next == "&" {
                        _ = iterator.next()  // `>&1`: a descriptor, not a file
                    } else {
                        tokens.append(.redirect)
                        pending = next
                    }
                } else {
                    tokens.append(.redirect)
                }
            case "<":
                flush()
            case "(", ")", "{", "}", "`":
                flush()
            default:
                current.unicodeScalars.append(c)
                inWord = true
            }
        }
        flush()
        return tokens
    }

    /// Words that only wrap the real command (`sudo`, `timeout 30`, `env X=1`).
    static let wrappers: Set<String> = ["sudo", "env", "time", "nohup", "exec", "command", "builtin", "xargs", "nice", "stdbuf", "unbuffer"]

    static func parse(_ tokens: [Token]) -> [Pipeline] {
        var pipelines: [Pipeline] = []
        var commands: [Simple] = []
        var words: [Word] = []
        var redirect = false
        var target: String?
        var expectTarget = false
        func endCommand() {
            var cleaned = words
            // Drop `VAR=value` prefixes and wrappers; `timeout 30` takes its duration with it.
            while let first = cleaned.first {
                if !first.quoted, first.text.contains("="), !first.text.hasPrefix("-"), first.text.first?.isLetter == true || first.text.first == "_" {
                    cleaned.removeFirst()
                } else if wrappers.contains(first.text) {
                    cleaned.removeFirst()
                } else if first.text == "timeout" {
                    cleaned.removeFirst()
                    while let next = cleaned.first, next.text.hasPrefix("-") || next.text.first?.isNumber == true { cleaned.removeFirst() }
                } else {
                    break
                }
            }
            if !cleaned.isEmpty || redirect { commands.append(Simple(words: cleaned, redirectsToFile: redirect, redirectTarget: target)) }
            words = []
            redirect = false
            target = nil
            expectTarget = false
        }
        func endPipeline() {
            endCommand()
            if !commands.isEmpty { pipelines.append(Pipeline(commands: commands)) }
            commands = []
        }
        for token in tokens {
            switch token {
            case .word(let word):
                if expectTarget {
                    expectTarget = false
                    if word.text != "/dev/null" {
                        redirect = true
                        target = word.text
                    }
                } else {
                    words.append(word)
                }
            case .redirect: expectTarget = true
            case .pipe: endCommand()
            case .sequence: endPipeline()
            }
        }
        endPipeline()
        return pipelines
    }

    /// `python3.11` → `python`, `/usr/bin/pip3` → `pip`, `py.test` → `pytest`.
    static func programName(_ word: String) -> String {
        var name = word.utf8.contains(UInt8(ascii: "/")) ? (word.split(separator: "/").last.map(String.init) ?? word) : word
        if name == "py.test" { return "pytest" }
        // Only names starting like the families below can be one of them (this runs for every command).
        guard let first = name.utf8.first, first == UInt8(ascii: "p") || first == UInt8(ascii: "n") || first == UInt8(ascii: "r") else { return name }
        for family in ["python", "pip", "node", "ruby", "perl", "php"] where name.hasPrefix(family) {
            let rest = name.dropFirst(family.count)
            if rest.allSatisfy({ $0.isNumber || $0 == "." }) { name = family }
        }
        return name
    }
}
