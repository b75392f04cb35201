import Foundation
import MnemCore
import MnemGit
import MnemTestSupport
import Testing

@testable import MnemCapture

@Suite struct RedactionTests {
    @Test func scannerFindsEveryPlantedKind() {
        var fakes = FakeSecrets()
        for (kind, text, secret) in fakes.all() {
            let findings = SecretScanner.scan("some context\n\(text)\nmore")
            #expect(findings.map(\.kind).contains(kind), "\(kind) not found in \(text.prefix(50))")
            var redactor = Redactor()
            let redacted = redactor.redact(text)
            #expect(!redacted.contains(secret), "\(kind) survived: \(redacted.prefix(80))")
            #expect(redacted.contains("[REDACTED:"))
        }
        #expect(Set(fakes.all().map(\.kind)).count >= 30)
    }

    /// Found by fuzzing: replacing one credential can leave another the scanner then sees.
    /// Redaction runs to a fixpoint, so what it returns holds nothing the scanner finds.
    @Test func redactionLeavesNothingTheScannerFinds() {
        let texts = [
            "2026withTpassword=HyTwithTpassword=Hunter2secretTandTerTchatTstartedTatT2026withTpassword=HyTwithTpassword=Hunter2secretTandTAKIThunter2Tsscommand?T(Y)es/(N)oT[Yes]:Ty",
            "password=Hy with password=Hunter2secret and password=Hy with password=Hunter2secret",
        ]
        for text in texts {
            #expect(!SecretScanner.scan(text).isEmpty)
            var redactor = Redactor()
            let redacted = redactor.redact(text)
            #expect(SecretScanner.scan(redacted).isEmpty, "\(redacted)")
            #expect(!redacted.contains("Hunter2secret"))
        }
    }

    @Test(arguments: [
        "let token = tokenizer.next_token()", "password = request.form['password']", "api_key = os.environ['API_KEY']",
        "git checkout 0123456789abcdef0123456789abcdef01234567", "The key is to use a dictionary", "sk-learn is not a key",
        "secret_key_base = Rails.application.credentials.secret_key_base", "PASSWORD: ${DB_PASSWORD}",
        "https://user@example.com/repo.git", "Authorization: Bearer $TOKEN", "hf_hub_download(repo_id=...)",
        "token_count = 1234567890123456", "uuid: 550e8400-e29b-41d4-a716-446655440000",
        // Near misses of the command-line kinds: prompts, references, other tools' flags.
        "mysql -u root -p shop", "mysql -uroot -p$MYSQL_ROOT_PASSWORD shop", "mysqldump -p --all-databases > all.sql",
        "mysql -h db -P 3306 -u app shop", "mysql --password shop", "sshpass -f ~/.pw ssh -p 2222 deploy@web1",
        "sshpass -e ssh -p 2222 deploy@web1", "docker login -u ci --password-stdin registry.example.com",
        "docker login -u ci -p \"$REGISTRY_TOKEN\" registry.example.com", "docker run -p 8080:80 nginx",
        "PGPASSWORD=$PGPASS psql -h db", "PGPASSWORD: ${{ secrets.PG_PASSWORD }}",
        "conn = psycopg2.connect(host=host, user=user, password=pw)", "psycopg2.connect(host=h, password=os.environ['PG'])",
        "connect(host=cfg.host, dbname=cfg.db, password=cfg.password)",
        "SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY')", "SECRET_KEY = get_random_secret_key()", "SECRET_KEY='test-key'",
        "SECRET_KEY=get_random_secret_key()", "API_KEY=$(cat /run/secrets/api_key)", "cache_key = \"user:12345:profile:v2\"",
        "DB_PASSWORD=DEFAULT_DB_PASSWORD", "\"key\": \"2024-01-15T10:30:00Z\"", "telegram_alerts.py watchlist.py 123456789:abc",
        "\"api_key\": \"your-api-key-here-12\"",
    ])
    func ordinaryTextIsLeftAlone(_ text: String) {
        #expect(SecretScanner.scan(text).isEmpty, "\(SecretScanner.scan(text).map(\.kind))")
    }

    /// Plants every kind into a transcript of every format, captures them all into a real pool,
    /// and reads every object of its repository: no secret may be in any of them.
    @Test func committedBlobsHoldNoSecret() throws {
        let dir = try TemporaryDirectory()
        var fakes = FakeSecrets()
        let secrets = fakes.all()
        let planted = secrets.map(\.text).joined(separator: "\n")
        let task = "Deploy with \(secrets[0].text) and \(secrets[8].text)"
        let command = "env \(secrets[4].text) ./deploy.sh --token=\(secrets[12].secret) # \(secrets[33].text)"
        let thought = "I will deploy with \(secrets[2].text) now"
        let samples = FormatSamples.all(
            task: task, command: command, output: "deploy log\n" + planted + "\ndone", thought: thought,
            secretURL: "https://deploy:\(secrets[30].secret)@git.example.com/shop.git")
        var paths: [String] = []
        for sample in samples { paths.append(try dir.file("in/" + sample.name, sample.contents)) }

        let pool = try Pool.create(at: dir.path + "/pool")
        var options = CaptureOptions()
        options.maxObservationLength = 100_000  // keep every line so every secret reaches the memory
        let summary = try Capturer(pool: pool, options: options).capture(paths: [dir.path + "/in"])
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        #expect(summary.captured.count == samples.count)
        #expect(Set(summary.captured.map(\.format)) == Set(TranscriptFormat.allCases))
        #expect(summary.redactions.values.reduce(0, +) >= secrets.count * samples.count)

        let objects = try allGitObjects(inRepository: dir.path + "/pool")
        #expect(objects.components(separatedBy: " blob ").count > samples.count)
        for (kind, _, secret) in secrets where objects.contains(secret) {
            Issue.record("a \(kind) secret is in a committed object")
        }
        for memory in try pool.memories(kinds: [.trajectory]) {
            let text = String(decoding: memory.canonicalBytes(), as: UTF8.self)
            #expect(text.contains("[REDACTED:"), "\(memory.source.format ?? "")")
            // The reasoning is kept, with its secret redacted.
            let reasoning = memory.steps.compactMap(\.reasoning).joined(separator: "\n")
            #expect(reasoning.contains("I will deploy with ") && reasoning.contains("[REDACTED:"), "\(memory.source.format ?? ""): \(reasoning)")
        }
        // The scan API reports findings in a pool by kind, memory and field, never the secret.
        let report = try SecretScan.scan(pool: pool)
        #expect(report.isEmpty)
    }

    /// A secret in a file the session wrote is redacted in the patch kept as its result.
    @Test func thePatchIsRedacted() throws {
        let dir = try TemporaryDirectory()
        var fakes = FakeSecrets()
        let secret = fakes.all()[0]
        let write: [String: JSONValue] = ["type": "tool_use", "id": "toolu_w", "name": "Write", "input": ["file_path": "/home/dev/shop/.env", "content": .string("KEY=\(secret.text)\n")]]
        let lines: [JSONValue] = [
            FormatSamples.claudeLine(type: "user", uuid: "u0", message: ["role": "user", "content": "Add the deploy settings"]),
            FormatSamples.claudeLine(type: "assistant", uuid: "a0", message: ["role": "assistant", "model": "claude-opus-4-6", "content": [.object(write)]]),
            FormatSamples.claudeLine(type: "user", uuid: "r0", message: ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_w", "content": "File created", "is_error": false]]],
                                     extra: ["toolUseResult": ["type": "create", "filePath": "/home/dev/shop/.env", "content": .string("KEY=\(secret.text)\n"), "structuredPatch": []]]),
        ]
        let path = try dir.file("s.jsonl", FormatSamples.lines(lines))
        let m = try #require(try readSessions(path).1.memories.first)
        let patch = try #require(m.trajectory?.result?.patch)
        #expect(patch.hasPrefix("diff --git a/.env b/.env\nnew file\n--- /dev/null\n+++ b/.env\n"))
        #expect(patch.contains("+KEY=") && patch.contains("[REDACTED:"))
        #expect(!String(decoding: m.canonicalBytes(), as: UTF8.self).contains(secret.secret))
    }

    /// Every object in the repository: through `git cat-file` when git is installed, else the tip's tree.
    func allObjects(inRepository path: String) throws -> [String] {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/git") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", path, "cat-file", "--batch-all-objects", "--batch"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            return text.components(separatedBy: "\n{\n")
        }
        let repository = try Repository.open(at: path)
        let pool = try Pool.open(at: path)
        var out: [String] = []
        if let tree = try pool.tipTree() {
            try repository.walkBlobs(tree) { _, entry in out.append(String(decoding: try repository.readBlob(entry.id), as: UTF8.self)) }
        }
        return out
    }

    @Test func scanReportsFindingsInAPoolWithoutTheSecret() throws {
        let dir = try TemporaryDirectory()
        let pool = try Pool.create(at: dir.path + "/pool")
        var fakes = FakeSecrets()
        let secret = fakes.all()[8].secret
        // A memory written by something other than capture, with a secret in it.
        let memory = Memory(
            body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "echo \(secret)", observation: "ok")])),
            task: "leaky", domain: "general")
        _ = try pool.add([memory], info: CommitInfo(summary: "test"))
        let findings = try SecretScan.scan(pool: pool)
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.kind == "github-token")
        #expect(finding.memory == memory.id)
        #expect(finding.field == "trajectory/steps/0/input")
        #expect(!"\(finding)".contains(secret))
    }
}
