/// Fake credentials in the shapes real ones have, generated at run time from a fixed seed.
public struct FakeSecrets {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init() {}

    public mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }

    public mutating func chars(_ n: Int, _ alphabet: String) -> String {
        let a = Array(alphabet)
        return String((0..<n).map { _ in a[Int(next() % UInt64(a.count))] })
    }

    public static let upperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    public static let alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    public static let token = alnum + "_-"
    public static let hex = "0123456789abcdef"
    public static let base64 = alnum + "+/"

    /// (kind the scanner should report, the text to plant, the secret part that must not survive).
    public mutating func all() -> [(kind: String, text: String, secret: String)] {
        var out: [(String, String, String)] = []
        func add(_ kind: String, _ secret: String, _ wrap: (String) -> String = { $0 }) { out.append((kind, wrap(secret), secret)) }
        add("aws-access-key", "AKIA" + chars(16, Self.upperDigits)) { "aws_access_key_id = \($0)" }
        add("aws-secret-key", chars(40, Self.base64)) { "aws_secret_access_key = \($0)" }
        add("google-api-key", "AIza" + chars(35, Self.token)) { "GOOGLE_API_KEY=\($0)" }
        add("google-oauth-client-secret", "GOCSPX-" + chars(28, Self.token))
        add("anthropic-api-key", "sk-ant-api03-" + chars(93, Self.token) + "AA") { "ANTHROPIC_API_KEY=\"\($0)\"" }
        add("openai-api-key", "sk-proj-" + chars(40, Self.alnum) + "T3BlbkFJ" + chars(40, Self.alnum))
        add("openai-api-key", "sk-" + chars(20, Self.alnum) + "T3BlbkFJ" + chars(20, Self.alnum)) { "openai.api_key = '\($0)'" }
        add("huggingface-token", "hf_" + chars(34, Self.alnum))
        add("github-token", "ghp_" + chars(36, Self.alnum)) { "git clone https://x-access-token:\($0)@github.com/acme/shop.git" }
        add("github-token", "gho_" + chars(36, Self.alnum))
        add("github-token", "github_pat_" + chars(22, Self.alnum) + "_" + chars(59, Self.alnum))
        add("gitlab-token", "glpat-" + chars(20, Self.token))
        add("slack-token", "xoxb-" + chars(12, "0123456789") + "-" + chars(13, "0123456789") + "-" + chars(24, Self.alnum))
        add("slack-webhook", "T" + chars(8, Self.upperDigits) + "/B" + chars(8, Self.upperDigits) + "/" + chars(24, Self.alnum)) {
            "https://hooks.slack.com/services/\($0)"
        }
        add("discord-webhook", chars(18, "0123456789") + "/" + chars(68, Self.token)) { "https://discord.com/api/webhooks/\($0)" }
        add("stripe-key", "sk_live_" + chars(24, Self.alnum))
        add("stripe-key", "rk_live_" + chars(24, Self.alnum))
        add("twilio-api-key", "SK" + chars(32, Self.hex))
        add("twilio-auth-token", chars(32, Self.hex)) { "TWILIO_AUTH_TOKEN=\($0)" }
        add("sendgrid-api-key", "SG." + chars(22, Self.token) + "." + chars(43, Self.token))
        add("npm-token", "npm_" + chars(36, Self.alnum)) { "//registry.npmjs.org/:_authToken=\($0)" }
        add("pypi-token", "pypi-AgEIcHlwaS5vcmc" + chars(60, Self.token))
        add("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI" + chars(20, Self.alnum) + "." + chars(43, Self.token))
        add("private-key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA" + chars(64, Self.base64) + "\n" + chars(64, Self.base64) + "\n-----END RSA PRIVATE KEY-----")
        add("private-key", "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg" + chars(60, Self.base64) + "\\n-----END PRIVATE KEY-----\\n") {
            "{\"type\": \"service_account\", \"private_key\": \"\($0)\"}"
        }
        add("gcp-private-key-id", chars(40, Self.hex)) { "\"private_key_id\": \"\($0)\"" }
        add("azure-storage-key", chars(86, Self.base64) + "==") {
            "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=\($0);EndpointSuffix=core.windows.net"
        }
        add("azure-sas-token", chars(44, Self.alnum) + "%3D") {
            "https://shopdata.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&sig=\($0)"
        }
        add("azure-key", chars(32, Self.hex)) { "AZURE_OPENAI_API_KEY=\($0)" }
        add("url-password", "Pg" + chars(14, Self.alnum)) { "DATABASE_URL=postgres://admin:\($0)@db.internal:5432/shop" }
        add("password", "Tr0ub4dor" + chars(6, Self.alnum)) { "DB_PASSWORD=\($0)" }
        add("password", "Hx" + chars(10, Self.alnum) + "!") { "PASSWORD: \"\($0)\"" }
        add("authorization-header", chars(40, Self.token)) { "curl -H \"Authorization: Bearer \($0)\" https://api.example.com" }
        add("authorization-header", chars(28, Self.alnum) + "==") { "Authorization: Basic \($0)" }
        add("groq-api-key", "gsk_" + chars(52, Self.alnum))
        add("replicate-api-token", "r8_" + chars(37, Self.alnum))
        add("mistral-api-key", chars(32, Self.alnum)) { "MISTRAL_API_KEY=\($0)" }
        add("cohere-api-key", chars(40, Self.alnum)) { "export COHERE_API_KEY='\($0)'" }
        add("perplexity-api-key", "pplx-" + chars(48, Self.alnum))
        add("xai-api-key", "xai-" + chars(80, Self.alnum))
        add("digitalocean-token", "dop_v1_" + chars(64, Self.hex))
        add("databricks-token", "dapi" + chars(32, Self.hex))
        add("mailgun-api-key", "key-" + chars(32, Self.hex))
        add("vault-token", "hvs." + chars(90, Self.token))
        add("linear-api-key", "lin_api_" + chars(40, Self.alnum))
        add("shopify-token", "shpat_" + chars(32, Self.hex))
        add("secret", chars(32, Self.alnum)) { "api_token: \"\($0)\"" }
        // The five kinds a hand-built test of 53 found missing, and their families.
        add("mysql-password", "Sq" + chars(10, Self.alnum) + "!") { "mysql -h db.internal -uroot -p\($0) shop < dump.sql" }
        add("mysql-password", chars(12, Self.alnum)) { "mysqldump --user=app --password=\($0) --databases shop" }
        add("mysql-password", "pw" + chars(8, "abcdefghijklmnopqrstuvwxyz")) { "MYSQL_PWD=\($0) mysqladmin status" }
        add("postgres-password", chars(14, Self.alnum)) { "PGPASSWORD=\($0) psql -h db -U app shop" }
        add("database-password", "word" + chars(8, "abcdefghijklmnopqrstuvwxyz")) { "psql \"host=db.internal port=5432 dbname=shop user=app password=\($0) sslmode=require\"" }
        add("sshpass-password", chars(12, Self.alnum)) { "sshpass -p '\($0)' ssh deploy@web1 'systemctl restart shop'" }
        add("sshpass-password", "Zz" + chars(10, Self.alnum)) { "sshpass -p\($0) scp build.tgz deploy@web1:" }
        add("registry-password", chars(16, Self.alnum)) { "docker login -u ci -p \($0) registry.example.com" }
        add("registry-password", chars(20, Self.alnum) + "#1") { "docker login registry.example.com --username ci --password=\($0)" }
        add("telegram-bot-token", chars(10, "123456789") + ":AA" + chars(33, Self.token)) {
            "curl -s https://api.telegram.org/bot\($0)/sendMessage -d chat_id=42 -d text=done"
        }
        add("telegram-bot-token", chars(9, "123456789") + ":AA" + chars(33, Self.token)) { "bot = Bot(token=\"\($0)\")" }
        add("django-secret-key", "django-insecure-" + chars(50, "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)")) { "SECRET_KEY = '\($0)'" }
        add("secret-key", "k#" + chars(40, "abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)") + "9") { "SECRET_KEY = \"\($0)\"" }
        add("secret-key", "x9" + chars(40, "abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*-_=+") + "!") { "SECRET_KEY=\($0)" }
        add("secret", "base64:" + chars(43, Self.base64) + "=") { "APP_KEY=\($0)" }
        add("secret", chars(30, Self.alnum) + "&!") { "JWT_SECRET=\($0)" }
        add("password", "rootpass" + chars(4, "abcdefghijklmnopqrstuvwxyz")) { "MYSQL_ROOT_PASSWORD=\($0)" }
        return out
    }
}

extension FakeSecrets {
    /// The first planted text of each kind, from a fresh generator: (text to plant, secret part).
    public static func first(of kinds: [String]) -> [(kind: String, text: String, secret: String)] {
        var fakes = FakeSecrets()
        let all = fakes.all()
        return kinds.compactMap { kind in all.first { $0.kind == kind } }
    }

    /// A few kinds from old and new families, for the doors' tests.
    public static let doorKinds = [
        "github-token", "aws-access-key", "private-key", "mysql-password", "sshpass-password", "registry-password",
        "telegram-bot-token", "django-secret-key", "postgres-password",
    ]
}

/// Every object in a git repository, as text, through `git cat-file --batch-all-objects`: what a
/// clone of it, or a push from it, could carry.
public func allGitObjects(inRepository path: String) throws -> String {
    try Shell.git(["-C", path, "cat-file", "--batch-all-objects", "--batch"])
}
