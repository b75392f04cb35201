/// A usage error: the command line is wrong. Exit code 64.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The command line of one command, consumed as options are read.
///
/// Options take `--name value` or `--name=value`; short options `-k value`. Everything after
/// `--` is positional. Whatever is left unread at the end is an error (`finish()`), so an
/// unknown flag is always reported rather than ignored.
public struct Arguments {
    private var tokens: [String]
    private var positionalOnlyFrom: Int

    public init(_ tokens: [String]) {
        self.tokens = tokens
        positionalOnlyFrom = tokens.firstIndex(of: "--") ?? tokens.count
    }

    /// Removes a boolean flag; true if it was there (any number of times).
    public mutating func flag(_ names: String...) -> Bool {
        var found = false
        var i = 0
        while i < positionalOnlyFrom {
            if names.contains(tokens[i]) {
                tokens.remove(at: i)
                positionalOnlyFrom -= 1
                found = true
            } else {
                i += 1
            }
        }
        return found
    }

    /// Removes every occurrence of an option with a value, in order.
    public mutating func options(_ names: String...) throws(UsageError) -> [String] {
        var values: [String] = []
        var i = 0
        while i < positionalOnlyFrom {
            let token = tokens[i]
            if names.contains(token) {
                guard i + 1 < positionalOnlyFrom else { throw UsageError("\(token) needs a value") }
                values.append(tokens[i + 1])
                tokens.removeSubrange(i...(i + 1))
                positionalOnlyFrom -= 2
            } else if let name = names.first(where: { token.hasPrefix($0 + "=") }) {
                values.append(String(token.dropFirst(name.count + 1)))
                tokens.remove(at: i)
                positionalOnlyFrom -= 1
            } else {
                i += 1
            }
        }
        return values
    }

    /// Removes an option that may be given once; the last one wins if repeated.
    public mutating func option(_ names: String...) throws(UsageError) -> String? {
        var values: [String] = []
        for name in names { values += try options(name) }
        return values.last
    }

    public mutating func intOption(_ names: String..., range: ClosedRange<Int> = 0...Int.max) throws(UsageError) -> Int? {
        var values: [String] = []
        for name in names { values += try options(name) }
        guard let text = values.last else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("\(names[0]) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// Removes and returns the positional arguments; an option-like token left over is an error.
    public mutating func positionals() throws(UsageError) -> [String] {
        var out: [String] = []
        for (i, token) in tokens.enumerated() {
            if i == positionalOnlyFrom { continue }
            if i < positionalOnlyFrom, token.hasPrefix("-"), token != "-" {
                throw UsageError("unknown option '\(token)'")
            }
            out.append(token)
        }
        tokens.removeAll()
        positionalOnlyFrom = 0
        return out
    }

    /// Removes and returns every token left, options included (for `mnem hook`, which never fails).
    public mutating func drain() -> [String] {
        let out = tokens.enumerated().filter { $0.offset != positionalOnlyFrom }.map(\.element)
        tokens.removeAll()
        positionalOnlyFrom = 0
        return out
    }

    /// What has not been consumed yet.
    public var remaining: [String] { tokens }

    /// Fails if anything was not consumed.
    public func finish() throws(UsageError) {
        for (i, token) in tokens.enumerated() where i != positionalOnlyFrom {
            if token.hasPrefix("-") && token != "-" { throw UsageError("unknown option '\(token)'") }
            throw UsageError("unexpected argument '\(token)'")
        }
    }
}
