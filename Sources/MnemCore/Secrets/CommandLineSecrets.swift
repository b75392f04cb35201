/// Credentials handed to tools on a command line or through their environment variables:
/// `mysql -pS3cret`, `mysqldump --password=S3cret`, `sshpass -p S3cret ssh …`,
/// `docker login -u me -p S3cret`, `PGPASSWORD=S3cret psql …`, libpq connection strings
/// (`host=db user=app password=S3cret`), and Telegram bot tokens.
///
/// Unlike a `password=` assignment in code, a value in these places is a password whatever it
/// looks like (`-proot` is root's password, not an identifier), so only references and
/// placeholders (`$VAR`, `${…}`, `<password>`, `***`, `[REDACTED…]`) are let through.
extension SecretRules {
    /// How a tool takes its password on the command line.
    struct PasswordFlags: Sendable {
        /// The short flag (`-p`), if the tool has one.
        var short: String?
        /// Whether the short flag's value may be the next word (`sshpass -p S3cret`); `mysql -p db`
        /// prompts for a password and names a database, so for mysql it may not.
        var shortTakesNextWord: Bool
        /// Long flags (`--password`).
        var long: [String]
        /// Whether a long flag's value may be the next word (`docker login --password S3cret`).
        var longTakesNextWord: Bool
        /// When set, options end at the first word that is neither one nor the value of one of
        /// these: `sshpass -f file ssh -p 2222 host` gives ssh a port, not sshpass a password.
        var optionsWithValue: Set<String>? = nil
    }

    static let commandLineRules: [SecretRule] = [
        // mysql, mysqldump, mysqladmin, mysqlimport, mysqlsh, mysqlcheck, mysqlpump; MariaDB's own names.
        commandPassword(
            "mysql-password", tools: ["mysql", "mariadb"], flags: PasswordFlags(short: "-p", shortTakesNextWord: false, long: ["--password"], longTakesNextWord: false)),
        commandPassword(
            "sshpass-password", tools: ["sshpass"],
            flags: PasswordFlags(short: "-p", shortTakesNextWord: true, long: [], longTakesNextWord: false, optionsWithValue: ["-f", "-d", "-P"])),
        registryLogin,
        environmentPassword("postgres-password", ["PGPASSWORD"]),
        environmentPassword("mysql-password", ["MYSQL_PWD"]),
        environmentPassword("sshpass-password", ["SSHPASS"]),
        connectionStringPassword,
        telegramBotTokenInURL,
        telegramBotToken,
        prefixed("django-secret-key", ["django-insecure-"], body: djangoKeyCharacters, minimum: 30, priority: 3),
    ]

    /// What Django's `get_random_secret_key()` draws from.
    static let djangoKeyCharacters = ByteClass(characters: "!@#$%^&*(-_=+)", alnum: true)

    /// Bytes that end a shell command: a newline (also as JSON's `\n`), `;`, `|`, `&`.
    static func commandEnd(_ t: Text, _ i: Int) -> Bool {
        let b = t[i]
        if b == 0x0A || b == 0x0D || b == 0x3B || b == 0x7C || b == 0x26 { return true }
        return b == 0x5C && i + 1 < t.count && t[i + 1] == 0x6E
    }

    /// The value of a command-line word starting at `start`: up to the matching quote when it
    /// starts with one, else up to a space, a quote or a shell operator. Nil when it is empty.
    static func wordValue(_ t: Text, from start: Int) -> Range<Int>? {
        guard start < t.count else { return nil }
        var i = start
        if t[i] == 0x5C, i + 1 < t.count, t[i + 1] == 0x22 { i += 1 }  // `\"` inside JSON text
        let quote = t[i]
        if quote == 0x22 || quote == 0x27 {
            let s = i + 1
            let e = t.run(from: s, .until(quote: quote), limit: 256)
            guard e < t.count, e > s else { return nil }
            return s..<e
        }
        let e = t.run(from: i, commandWord, limit: 256)
        return e > i ? i..<e : nil
    }

    /// Where a command-line word ends: a space or a shell operator.
    static let commandWordEnd = ByteClass { $0 > 0x20 && $0 != 0x3B && $0 != 0x7C && $0 != 0x26 }
    /// What may follow a tool's name and still name the tool (`mysql` → `mysqldump`, `mysql-client`).
    static let toolNameTail = ByteClass { ByteClass.isLower($0) || $0 == 0x2D }

    /// What an unquoted command-line word may contain.
    static let commandWord = ByteClass { b in
        b > 0x20 && b < 0x7F && !"\"'`;|&<>()\\".utf8.contains(b) || b >= 0x80
    }

    /// Whether a value only names or hides a password: `$VAR`, `${…}`, `<password>`, `%s`, `{{…}}`,
    /// `***`, `[REDACTED…]`, or a placeholder word.
    static func isReferenceOrPlaceholder(_ t: Text, _ value: Range<Int>) -> Bool {
        let first = t[value.lowerBound]
        if first == 0x24 || first == 0x3C || first == 0x25 || first == 0x7B || first == 0x2A || first == 0x5B || first == 0x60 { return true }
        let lowered = t.string(value).lowercased()
        return placeholderWords.contains(lowered) || lowered.allSatisfy { $0 == "x" || $0 == "*" || $0 == "." }
    }

    static let placeholderWords: Set<String> = [
        "password", "passwd", "pass", "pwd", "secret", "changeme", "redacted", "null", "none", "true", "false", "undefined",
        "your_password", "yourpassword", "your-password", "mypassword", "my_password", "...",
    ]

    /// The first password passed with `flags` in the command that starts after `from`.
    static func flaggedPassword(_ t: Text, from: Int, flags: PasswordFlags) -> Range<Int>? {
        var i = from
        let limit = min(t.count, from + 1024)
        var expectingValue = false
        // Whether the word before was an option whose value this word is (`-f file`).
        var previousTakesValue = false
        while i < limit {
            if commandEnd(t, i) { return nil }
            if t[i] == 0x20 || t[i] == 0x09 {
                i += 1
                continue
            }
            // One word, from i.
            if expectingValue {
                guard let value = wordValue(t, from: i) else { return nil }
                return isReferenceOrPlaceholder(t, value) ? nil : value
            }
            let wordEnd = t.run(from: i, commandWordEnd, limit: 512)
            if let short = flags.short, t.hasLiteral(short, at: i), t.boundaryBefore(i) {
                let after = i + short.utf8.count
                if after == wordEnd || t[after] == 0x20 {
                    expectingValue = flags.shortTakesNextWord
                } else if t[after] != 0x2D, let value = wordValue(t, from: after) {  // `-pS3cret`, not `-p-…`
                    return isReferenceOrPlaceholder(t, value) ? nil : value
                }
            } else if let long = flags.long.first(where: { t.hasLiteral($0, at: i) }) {
                let after = i + long.utf8.count
                if after < t.count, t[after] == 0x3D, let value = wordValue(t, from: after + 1) {
                    return isReferenceOrPlaceholder(t, value) ? nil : value
                }
                if after == wordEnd { expectingValue = flags.longTakesNextWord }
            } else if let optionsWithValue = flags.optionsWithValue {
                if t[i] != 0x2D && !previousTakesValue { return nil }
                previousTakesValue = optionsWithValue.contains(t.string(i..<wordEnd))
            }
            i = max(wordEnd, i + 1)
        }
        return nil
    }

    /// A password on the command line of one of `tools` (the tool's name may be followed by more
    /// letters: `mysql` covers `mysqldump` and `mysqladmin`).
    static func commandPassword(_ kind: String, tools: [String], flags: PasswordFlags) -> SecretRule {
        SecretRule(kinds: [kind], anchors: tools, priority: 3) { text, at, length in
            guard text.boundaryBefore(at) else { return nil }
            let nameEnd = text.run(from: at + length, toolNameTail, limit: 16)
            guard nameEnd < text.count, text[nameEnd] == 0x20 || text[nameEnd] == 0x09 else { return nil }
            guard let value = flaggedPassword(text, from: nameEnd, flags: flags) else { return nil }
            return (kind, value)
        }
    }

    /// `docker login -p S3cret`, `--password S3cret`, `--password=S3cret`; the same for podman,
    /// buildah, skopeo, nerdctl, oras and `helm registry login`. `--password-stdin` reads no argument.
    static let registryLogin = SecretRule(kinds: ["registry-password"], anchors: [" login "], priority: 3) { text, at, length in
        // The tool is the word before `login` (`docker login`, `helm registry login`), or an
        // earlier one when global flags come between (`docker --config dir login`).
        let lineStart = max(0, at - 200)
        var tool = false
        for name in registryTools {
            var from = lineStart
            while let hit = text.find(name, from: from, to: at + 1) {
                if text.boundaryBefore(hit), !(lineStart..<at).contains(where: { commandEnd(text, $0) && $0 > hit }) { tool = true }
                from = hit + 1
            }
        }
        guard tool else { return nil }
        let flags = PasswordFlags(short: "-p", shortTakesNextWord: true, long: ["--password"], longTakesNextWord: true)
        guard let value = flaggedPassword(text, from: at + length - 1, flags: flags) else { return nil }
        return ("registry-password", value)
    }

    static let registryTools = ["docker ", "podman ", "buildah ", "skopeo ", "nerdctl ", "oras ", "helm registry "]

    /// `PGPASSWORD=S3cret` and other variables that hold nothing but a password.
    static func environmentPassword(_ kind: String, _ names: [String]) -> SecretRule {
        SecretRule(kinds: [kind], anchors: names, priority: 3) { text, at, length in
            guard names.contains(where: { text.hasLiteral($0, at: at) }), text.boundaryBefore(at), text.boundaryAt(at + length) else { return nil }
            guard at == 0 || text[at - 1] != 0x5F else { return nil }  // `OLD_PGPASSWORD` names another thing
            guard let (start, quote) = valueStart(text, after: at + length, allowSpace: false) else { return nil }
            let end: Int
            if let quote {
                end = text.run(from: start, .until(quote: quote), limit: 256)
                guard end < text.count, text[end] == quote || text[end] == 0x5C else { return nil }
            } else {
                end = text.run(from: start, commandWord, limit: 256)
            }
            guard end > start, !isReferenceOrPlaceholder(text, start..<end) else { return nil }
            return (kind, start..<end)
        }
    }

    /// `password=S3cret` in a libpq (`host=db dbname=app user=app password=S3cret`) or ADO.NET-style
    /// (`Server=db;User Id=app;Password=S3cret;`) connection string: the value, whatever it looks like.
    /// Keyword arguments in code (`connect(host=h, password=pw)`) name variables, not passwords.
    static let connectionStringPassword = SecretRule(kinds: ["database-password"], anchors: ["password="], priority: 3) { text, at, length in
        guard startsConnectionKeyword(text, at) else { return nil }
        // Another connection keyword on the same line, before or after.
        let lineStart = max(0, at - 256)
        let lineEnd = min(text.count, at + 256)
        let context = connectionKeywords.contains { keyword in
            var from = lineStart
            while let hit = text.findFolded(keyword, from: from, to: lineEnd) {
                if hit != at, startsConnectionKeyword(text, hit), !(min(hit, at)..<max(hit, at)).contains(where: { text[$0] == 0x0A }) { return true }
                from = hit + 1
            }
            return false
        }
        guard context, let value = wordValue(text, from: at + length) else { return nil }
        if value.upperBound < text.count, text[value.upperBound] == 0x28 || text[value.upperBound] == 0x29 { return nil }
        let valueText = text.string(value)
        if valueText.contains(",") || valueText.contains("[") { return nil }
        let isDottedName = valueText.contains(".") && valueText.utf8.allSatisfy { ByteClass.isAlnum($0) || $0 == 0x5F || $0 == 0x2E }
            && !valueText.utf8.contains(where: ByteClass.isDigit)
        guard !isDottedName, !isReferenceOrPlaceholder(text, value) else { return nil }
        return ("database-password", value)
    }

    /// Whether a connection keyword may start at `i`: at the start, or after a space, `;` or quote.
    static func startsConnectionKeyword(_ t: Text, _ i: Int) -> Bool {
        i == 0 || t[i - 1] == 0x20 || t[i - 1] == 0x09 || t[i - 1] == 0x3B || t[i - 1] == 0x22 || t[i - 1] == 0x27
    }

    static let connectionKeywords = ["host=", "hostaddr=", "dbname=", "user=", "sslmode=", "server=", "user id=", "uid=", "data source=", "database="]

    /// A Telegram bot token in an API URL: `api.telegram.org/bot<digits>:<token>`.
    static let telegramBotTokenInURL = SecretRule(kinds: ["telegram-bot-token"], anchors: ["telegram.org/bot"], priority: 3) { text, at, length in
        let start = at + length
        let digits = text.run(from: start, .digit, limit: 16)
        guard digits - start >= 5, digits < text.count, text[digits] == 0x3A else { return nil }
        let end = text.run(from: digits + 1, .token, limit: 128)
        guard end - (digits + 1) >= 30 else { return nil }
        return ("telegram-bot-token", start..<end)
    }

    /// A Telegram bot token anywhere: 8 to 10 digits, `:`, then 35 characters starting `AA`.
    static let telegramBotToken = SecretRule(kinds: ["telegram-bot-token"], anchors: [":AA"], priority: 2) { text, at, _ in
        guard text.hasLiteral(":AA", at: at) else { return nil }
        var start = at
        while start > 0, at - start < 11, ByteClass.isDigit(text[start - 1]) { start -= 1 }
        guard (8...10).contains(at - start), text.boundaryBefore(start) else { return nil }
        let end = text.run(from: at + 1, .token, limit: 36)
        guard end - (at + 1) == 35 else { return nil }
        return ("telegram-bot-token", start..<end)
    }
}
