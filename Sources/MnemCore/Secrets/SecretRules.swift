/// One way a credential shows itself: anchors that must occur, and a matcher run at each.
struct SecretRule: Sendable {
    typealias Match = @Sendable (Text, _ at: Int, _ anchorLength: Int) -> (kind: String, range: Range<Int>)?

    /// The kinds the rule reports (for `SecretScanner.kinds`).
    var kinds: [String]
    /// Literal substrings, matched case-insensitively, at least 2 bytes long.
    var anchors: [String]
    /// Which rule names the kind when two findings start at the same byte: higher wins.
    var priority: Int
    var match: Match
}

enum SecretRules {
    // MARK: - Rule builders

    /// A token that starts with a fixed, case-sensitive prefix, followed by `minimum...maximum`
    /// bytes of `body`; the byte before must not be a letter or digit.
    static func prefixed(
        _ kind: String, _ prefixes: [String], body: ByteClass, minimum: Int, maximum: Int = 512, exact: Bool = false,
        priority: Int = 2, needsDigit: Bool = false
    ) -> SecretRule {
        SecretRule(kinds: [kind], anchors: prefixes, priority: priority) { text, at, length in
            guard text.boundaryBefore(at) else { return nil }
            guard prefixes.contains(where: { text.hasLiteral($0, at: at) }) else { return nil }
            let start = at + length
            let end = text.run(from: start, body, limit: maximum + 1)
            let n = end - start
            guard n >= minimum, n <= maximum else { return nil }
            if exact, !text.boundaryAt(end) { return nil }
            if needsDigit, !text.hasDigitAndLetter(start..<end) { return nil }
            return (kind, at..<end)
        }
    }

    /// Whether `needle` occurs in `haystack`; both are short (a name around an anchor).
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        let h = Array(haystack.utf8)
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= h.count else { return n.isEmpty }
        return (0...(h.count - n.count)).contains { i in h[i..<(i + n.count)].elementsEqual(n) }
    }

    // MARK: - The rules

    static let all: [SecretRule] = [
        privateKeyBlock,
        prefixed("aws-access-key", ["AKIA", "ASIA", "ABIA", "ACCA"], body: .upperDigit, minimum: 16, maximum: 16, exact: true),
        prefixed("google-api-key", ["AIza"], body: .token, minimum: 35, maximum: 35, exact: true),
        prefixed("google-oauth-client-secret", ["GOCSPX-"], body: .token, minimum: 24),
        prefixed("google-oauth-token", ["ya29."], body: .token, minimum: 20),
        prefixed("anthropic-api-key", ["sk-ant-"], body: .token, minimum: 20, priority: 3),
        prefixed("openrouter-api-key", ["sk-or-v1-"], body: .alnum, minimum: 32, priority: 3),
        prefixed("openai-api-key", ["sk-"], body: .token, minimum: 20, needsDigit: true),
        prefixed("huggingface-token", ["hf_"], body: .alnum, minimum: 30),
        prefixed("github-token", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"], body: .alnum, minimum: 36),
        prefixed("github-token", ["github_pat_"], body: .tokenUnderscore, minimum: 22, priority: 3),
        prefixed("gitlab-token", ["glpat-", "gldt-", "glrt-", "glptt-", "glsoat-"], body: .token, minimum: 20),
        prefixed("slack-token", ["xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"], body: .tokenDash, minimum: 10),
        urlPath("slack-webhook", ["hooks.slack.com/services/", "hooks.slack.com/workflows/", "hooks.slack.com/triggers/"], minimum: 20),
        urlPath("discord-webhook", ["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"], minimum: 20),
        prefixed("stripe-key", ["sk_live_", "rk_live_", "sk_test_", "rk_test_", "whsec_"], body: .alnum, minimum: 16),
        prefixed("twilio-api-key", ["SK"], body: .hexLower, minimum: 32, maximum: 32, exact: true),
        sendGrid,
        prefixed("npm-token", ["npm_"], body: .alnum, minimum: 36),
        prefixed("pypi-token", ["pypi-Ag"], body: .token, minimum: 50),
        jwt,
        prefixed("groq-api-key", ["gsk_"], body: .alnum, minimum: 40),
        prefixed("replicate-api-token", ["r8_"], body: .alnum, minimum: 30),
        prefixed("perplexity-api-key", ["pplx-"], body: .alnum, minimum: 40),
        prefixed("xai-api-key", ["xai-"], body: .alnum, minimum: 60),
        prefixed("langsmith-api-key", ["lsv2_pt_", "lsv2_sk_"], body: .tokenUnderscore, minimum: 30),
        prefixed("pinecone-api-key", ["pcsk_"], body: .tokenUnderscore, minimum: 40),
        prefixed("tavily-api-key", ["tvly-"], body: .tokenDash, minimum: 20),
        prefixed("digitalocean-token", ["dop_v1_", "doo_v1_", "dor_v1_"], body: .hexLower, minimum: 64),
        prefixed("shopify-token", ["shpat_", "shpss_", "shpca_", "shppa_"], body: .hex, minimum: 32),
        prefixed("databricks-token", ["dapi"], body: .hexLower, minimum: 32, maximum: 32, exact: true),
        prefixed("linear-api-key", ["lin_api_"], body: .alnum, minimum: 40),
        prefixed("notion-token", ["ntn_"], body: .alnum, minimum: 40),
        prefixed("notion-token", ["secret_"], body: .alnum, minimum: 43, maximum: 43, exact: true),
        prefixed("atlassian-api-token", ["ATATT3"], body: ByteClass(characters: "_-=", alnum: true), minimum: 100),
        prefixed("vault-token", ["hvs.", "hvb."], body: .token, minimum: 24),
        prefixed("postman-api-key", ["PMAK-"], body: .tokenDash, minimum: 40),
        prefixed("mailgun-api-key", ["key-"], body: .hexLower, minimum: 32, maximum: 32, exact: true),
        prefixed("doppler-token", ["dp.pt.", "dp.st."], body: .alnum, minimum: 40),
        prefixed("heroku-api-key", ["HRKU-"], body: .tokenDash, minimum: 30),
        mailchimp,
        connectionStringKey("azure-storage-key", ["AccountKey="], minimum: 40),
        connectionStringKey("azure-shared-access-key", ["SharedAccessKey="], minimum: 20),
        azureSAS,
        urlPassword,
        passwordAssignment,
        authorizationHeader,
        bearerToken,
        namedSecret,
    ] + commandLineRules

    // MARK: - Structured rules

    /// `-----BEGIN … PRIVATE KEY-----` to the matching END line (or to the end of the text when cut).
    static let privateKeyBlock = SecretRule(kinds: ["private-key"], anchors: ["-----BEGIN"], priority: 3) { text, at, length in
        guard text.hasLiteral("-----BEGIN", at: at) else { return nil }
        guard let label = text.find("PRIVATE KEY", from: at + length, to: min(text.count, at + length + 40)) else { return nil }
        guard let end = text.find("-----END", from: label) else { return ("private-key", at..<text.count) }
        guard let close = text.find("-----", from: end + 8, to: min(text.count, end + 80)) else { return ("private-key", at..<text.count) }
        return ("private-key", at..<(close + 5))
    }

    /// A webhook URL whose path after `prefix` is the secret.
    static func urlPath(_ kind: String, _ prefixes: [String], minimum: Int) -> SecretRule {
        SecretRule(kinds: [kind], anchors: prefixes, priority: 2) { text, at, length in
            let start = at + length
            let end = text.run(from: start, .urlPath, limit: 512)
            guard end - start >= minimum else { return nil }
            return (kind, start..<end)
        }
    }

    /// SendGrid: `SG.<22>.<43>`.
    static let sendGrid = SecretRule(kinds: ["sendgrid-api-key"], anchors: ["SG."], priority: 2) { text, at, _ in
        guard text.boundaryBefore(at), text.hasLiteral("SG.", at: at) else { return nil }
        let mid = text.run(from: at + 3, .token, limit: 64)
        guard mid - (at + 3) >= 16, mid < text.count, text[mid] == 0x2E else { return nil }
        let end = text.run(from: mid + 1, .token, limit: 128)
        guard end - (mid + 1) >= 16 else { return nil }
        return ("sendgrid-api-key", at..<end)
    }

    /// A JSON Web Token: three base64url parts, the first two starting `eyJ` (`{"`).
    static let jwt = SecretRule(kinds: ["jwt"], anchors: ["eyJ"], priority: 2) { text, at, _ in
        guard text.boundaryBefore(at), text.hasLiteral("eyJ", at: at) else { return nil }
        let a = text.run(from: at, .token, limit: 4096)
        guard a - at >= 10, a < text.count, text[a] == 0x2E, text.hasLiteral("eyJ", at: a + 1) else { return nil }
        let b = text.run(from: a + 1, .token, limit: 8192)
        guard b - a >= 10, b < text.count, text[b] == 0x2E else { return nil }
        let c = text.run(from: b + 1, .token, limit: 1024)
        guard c - b >= 10 else { return nil }
        return ("jwt", at..<c)
    }

    /// Mailchimp: 32 hex digits, `-us`, a data-center number.
    static let mailchimp = SecretRule(kinds: ["mailchimp-api-key"], anchors: ["-us"], priority: 2) { text, at, _ in
        guard at >= 32, text.hasLiteral("-us", at: at) else { return nil }
        let start = at - 32
        guard text.boundaryBefore(start) else { return nil }
        for i in start..<at where !ByteClass.hexLower.contains(text[i]) { return nil }
        let end = text.run(from: at + 3, .digit, limit: 3)
        guard end > at + 3, text.boundaryAt(end) else { return nil }
        return ("mailchimp-api-key", start..<end)
    }

    /// `AccountKey=…` / `SharedAccessKey=…` in an Azure connection string.
    static func connectionStringKey(_ kind: String, _ anchors: [String], minimum: Int) -> SecretRule {
        SecretRule(kinds: [kind], anchors: anchors, priority: 3) { text, at, length in
            let start = at + length
            let end = text.run(from: start, .base64, limit: 256)
            guard end - start >= minimum else { return nil }
            return (kind, start..<end)
        }
    }

    /// The signature of an Azure shared access signature URL (`…&sig=…`, with `sv=` before it).
    static let azureSAS = SecretRule(kinds: ["azure-sas-token"], anchors: ["sig="], priority: 2) { text, at, length in
        guard at > 0, text[at - 1] == 0x26 || text[at - 1] == 0x3F else { return nil }
        guard text.find("sv=", from: max(0, at - 300), to: at) != nil else { return nil }
        let start = at + length
        let end = text.run(from: start, .sasSignature, limit: 256)
        guard end - start >= 20 else { return nil }
        return ("azure-sas-token", start..<end)
    }

    /// `scheme://user:password@host`: the password.
    static let urlPassword = SecretRule(kinds: ["url-password"], anchors: ["://"], priority: 1) { text, at, length in
        guard at >= 2, ByteClass.isAlnum(text[at - 1]) else { return nil }
        let start = at + length
        let end = text.run(from: start, .userinfo, limit: 512)
        guard end < text.count, text[end] == 0x40 else { return nil }
        guard let colon = text.find(":", from: start, to: end) else { return nil }
        let password = (colon + 1)..<end
        guard password.count >= 3 else { return nil }
        // `${PASSWORD}`, `$PASS`, `<password>` and `***` name or hide a password; they are not one.
        let first = text[password.lowerBound]
        if first == 0x24 || first == 0x3C || first == 0x2A || first == 0x25 { return nil }
        return ("url-password", password)
    }

    /// The value after `separator` in `name<sep>value`, skipping quotes and spaces; nil when none follows.
    /// Accepts `=`, `:`, `:=`, `=>`, and JSON's `": "` with escaped quotes.
    static func valueStart(_ t: Text, after nameEnd: Int, allowSpace: Bool) -> (start: Int, quote: UInt8?)? {
        var i = nameEnd
        func skip(_ set: String) {
            while i < t.count, set.utf8.contains(t[i]) { i += 1 }
        }
        skip("\"'`\\")
        skip(" \t")
        var sawSeparator = false
        if i < t.count, t[i] == 0x3D || t[i] == 0x3A {  // = or :
            sawSeparator = true
            i += 1
            if i < t.count, t[i] == 0x3D || t[i] == 0x3E { i += 1 }  // := or =>
        }
        if !sawSeparator {
            guard allowSpace, i > nameEnd else { return nil }
        }
        skip(" \t")
        var quote: UInt8?
        if i < t.count, t[i] == 0x5C { i += 1 }  // an escaped quote inside JSON text
        if i < t.count, t[i] == 0x22 || t[i] == 0x27 || t[i] == 0x60 {
            quote = t[i]
            i += 1
        }
        guard i < t.count else { return nil }
        return (i, quote)
    }

    /// The whole identifier around an anchor (`AWS_SECRET_ACCESS_KEY` around `secret`).
    static func identifier(_ t: Text, at: Int, length: Int) -> Range<Int> {
        var s = at
        while s > 0, ByteClass.identifier.contains(t[s - 1]) { s -= 1 }
        let e = t.run(from: at + length, .identifier, limit: 128)
        return s..<e
    }

    /// `password=…`, `PASSWORD: …`, `"password": "…"`, `--password …`: the value.
    static let passwordAssignment = SecretRule(
        kinds: ["password"], anchors: ["password", "passwd", "pwd"], priority: 1
    ) { text, at, length in
        let name = identifier(text, at: at, length: length)
        let isFlag = text[name.lowerBound] == 0x2D
        guard let (start, quote) = valueStart(text, after: name.upperBound, allowSpace: isFlag) else { return nil }
        let nameText = text.string(name).lowercased()
        // `password_hash`, `password_length`, `pwd_context`… name something else.
        if nameText.hasPrefix("_") || nameText.hasPrefix(".") { return nil }
        if notPasswordNames.contains(where: { contains(nameText, $0) }) { return nil }
        let end: Int
        if let quote {
            end = text.run(from: start, .until(quote: quote), limit: 256)
            guard end < text.count, text[end] == quote || text[end] == 0x5C else { return nil }
        } else {
            end = text.run(from: start, .password, limit: 256)
        }
        let value = start..<end
        guard value.count >= (quote == nil ? 6 : 4) else { return nil }
        let first = text[start]
        // References and placeholders: `$VAR`, `${…}`, `<…>`, `%(…)s`, `{{…}}`, `***`, `[REDACTED…]`.
        if first == 0x24 || first == 0x3C || first == 0x25 || first == 0x7B || first == 0x2A || first == 0x5B { return nil }
        let valueText = text.string(value)
        if valueText.contains("(") { return nil }  // a call: password=getpass()
        if quote == nil {
            // Unquoted code such as `password = request.form` or `password=password` is not a password;
            // in an environment file (`MYSQL_ROOT_PASSWORD=rootpass`) a plain word is one, unless it
            // names another variable (`DB_PASSWORD=DEFAULT_PASSWORD`).
            let isIdentifierPath = valueText.utf8.allSatisfy { ByteClass.isAlnum($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x5B || $0 == 0x5D }
                && !valueText.utf8.contains(where: ByteClass.isDigit)
            let isPlainWord = !valueText.utf8.contains(where: { $0 == 0x2E || $0 == 0x5B || $0 == 0x5D })
                && valueText.utf8.contains(where: ByteClass.isLower)
            if isIdentifierPath && !(isPlainWord && isEnvironmentAssignment(text, name: name, valueStart: start)) { return nil }
        }
        let lowered = valueText.lowercased()
        if ["null", "none", "true", "false", "password", "changeme", "undefined", "required", "string", "redacted", "secret"].contains(lowered) {
            return nil
        }
        return ("password", value)
    }

    static let notPasswordNames = [
        "hash", "length", "len", "policy", "reset", "field", "input", "prompt", "confirm", "file", "min", "max", "context",
        "manager", "strength", "form", "label", "placeholder", "change", "forgot",
    ]

    /// `Authorization: Bearer …` / `Basic …` / `token …`: the credential.
    static let authorizationHeader = SecretRule(
        kinds: ["authorization-header"], anchors: ["authorization"], priority: 2
    ) { text, at, length in
        guard let (start0, _) = valueStart(text, after: at + length, allowSpace: false) else { return nil }
        var start = start0
        let scheme = text.run(from: start, .alnum, limit: 16)
        let schemeText = text.string(start..<scheme).lowercased()
        if ["bearer", "basic", "token", "bot", "digest", "apikey"].contains(schemeText), scheme < text.count, text[scheme] == 0x20 {
            start = text.run(from: scheme, .space, limit: 8)
        }
        let end = text.run(from: start, .value, limit: 4096)
        guard end - start >= 8 else { return nil }
        if text[start] == 0x24 || text[start] == 0x3C || text[start] == 0x7B { return nil }
        return ("authorization-header", start..<end)
    }

    /// `Bearer <token>` anywhere (curl arguments, logs).
    static let bearerToken = SecretRule(kinds: ["bearer-token"], anchors: ["bearer "], priority: 1) { text, at, length in
        let start = at + length
        let end = text.run(from: start, .value, limit: 4096)
        guard end - start >= 16, text.hasDigitAndLetter(start..<end) else { return nil }
        return ("bearer-token", start..<end)
    }

    /// Which provider a secret's name points at (`OPENAI_API_KEY` → `openai-api-key`).
    static let namedKinds: [(needle: String, kind: String)] = [
        ("aws_secret", "aws-secret-key"), ("secretaccesskey", "aws-secret-key"), ("secret_access_key", "aws-secret-key"),
        ("aws_session_token", "aws-session-token"), ("twilio", "twilio-auth-token"), ("azure", "azure-key"),
        ("cohere", "cohere-api-key"), ("mistral", "mistral-api-key"), ("openai", "openai-api-key"),
        ("anthropic", "anthropic-api-key"), ("gemini", "google-api-key"), ("google", "google-api-key"),
        ("huggingface", "huggingface-token"), ("hf_token", "huggingface-token"), ("sendgrid", "sendgrid-api-key"),
        ("together", "together-api-key"), ("deepseek", "deepseek-api-key"), ("fireworks", "fireworks-api-key"),
        ("private_key_id", "gcp-private-key-id"), ("heroku", "heroku-api-key"), ("datadog", "datadog-api-key"),
        ("dd_api_key", "datadog-api-key"), ("algolia", "algolia-api-key"), ("telegram", "telegram-bot-token"),
        ("client_secret", "oauth-client-secret"), ("django", "django-secret-key"), ("secret_key", "secret-key"),
    ]

    /// Whether `name=value` is written as in an environment or settings file: an upper-case name
    /// and `=` with no space around it (`SECRET_KEY=…`, `DB_PASSWORD=…`), not code (`key = value`).
    static func isEnvironmentAssignment(_ t: Text, name: Range<Int>, valueStart: Int) -> Bool {
        guard valueStart == name.upperBound + 1, t[name.upperBound] == 0x3D else { return false }
        var letters = 0
        for i in name {
            let b = t[i]
            if ByteClass.isLower(b) { return false }
            if ByteClass.isUpper(b) { letters += 1 }
        }
        return letters >= 2
    }

    /// Whether a value is a call (`get_random_secret_key()`, `os.getenv("X")`), not a literal.
    static func isCall(_ value: String) -> Bool {
        guard let paren = value.utf8.firstIndex(of: 0x28) else { return false }
        let head = value.utf8[..<paren]
        return !head.isEmpty && head.allSatisfy { ByteClass.isAlnum($0) || $0 == 0x5F || $0 == 0x2E } && !head.contains(where: ByteClass.isDigit)
    }

    /// A high-entropy value assigned to a name containing `key`, `token`, `secret` or `credential`.
    static let namedSecret = SecretRule(
        kinds: ["secret"] + Array(Set(namedKinds.map(\.kind))).sorted(), anchors: ["key", "token", "secret", "credential"], priority: 1
    ) { text, at, length in
        let name = identifier(text, at: at, length: length)
        // Only when the anchor ends the name or a segment of it: `api_key`, `keyId`? no; `tokenizer`? no.
        let after = at + length
        if after < name.upperBound {
            let b = text[after]
            if b != 0x5F && b != 0x2D && b != 0x2E && !ByteClass.isUpper(b) && !(b == 0x73 && after + 1 == name.upperBound) { return nil }
        }
        guard let (start, quote) = valueStart(text, after: name.upperBound, allowSpace: text[name.lowerBound] == 0x2D) else {
            return nil
        }
        // A quoted value, or one in an environment file (`SECRET_KEY=…`), may hold punctuation:
        // Django's keys draw from `!@#$%^&*(-_=+)`, Laravel's start `base64:`.
        let environment = quote == nil && isEnvironmentAssignment(text, name: name, valueStart: start)
        let end = text.run(from: start, quote != nil || environment ? .quotedValue : .value, limit: 1024)
        let value = start..<end
        guard value.count >= 16, value.count <= 1024 else { return nil }
        if let quote, end < text.count, text[end] != quote, text[end] != 0x5C { return nil }
        guard text.hasDigitAndLetter(value) else { return nil }
        // Punctuation beyond what tokens use makes format strings (`VS%0.f0COMNTOOLS`) look
        // random; random keys with punctuation are long.
        if value.count < 24, value.contains(where: { !ByteClass.value.contains(text[$0]) }) { return nil }
        let first = text[start]
        if first == 0x2F || first == 0x2E || first == 0x7E { return nil }  // a path
        if first == 0x24 || first == 0x3C || first == 0x25 || first == 0x7B || first == 0x2A || first == 0x5B { return nil }  // a reference
        let valueText = text.string(value)
        if valueText.hasPrefix("http") || valueText.hasPrefix("REDACTED") { return nil }
        if environment, isCall(valueText) { return nil }
        guard text.entropy(value) >= (value.count >= 32 ? 3.3 : 3.0) else { return nil }
        // Dotted, dashed or colon-separated words (`os.environ.get`, `my-token-name-1`, `user:42:profile`)
        // are names, not secrets.
        if valueText.utf8.allSatisfy({ ByteClass.value.contains($0) || $0 == 0x3A }) {
            let words = valueText.split(whereSeparator: { $0 == "." || $0 == "-" || $0 == "_" || $0 == "/" || $0 == ":" })
            if words.count >= 3, words.allSatisfy({ $0.count <= 12 }) { return nil }
        }
        let nameText = text.string(name).lowercased()
        let kind = namedKinds.first(where: { contains(nameText, $0.needle) })?.kind ?? "secret"
        return (kind, value)
    }
}
