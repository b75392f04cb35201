import Foundation
import MnemCore
import MnemTestSupport
import Testing

@testable import MnemCLI

/// Runs `mnem` in-process with a captured console, in `dir`, with a private HOME.
struct CLI {
    let dir: TemporaryDirectory
    var environment: [String: String]

    init(_ dir: TemporaryDirectory, environment: [String: String] = [:]) {
        self.dir = dir
        self.environment = ["HOME": dir.file("home"), "MNEM_AUTHOR_NAME": "tester", "MNEM_AUTHOR_EMAIL": "tester@mnem.invalid"]
            .merging(environment) { $1 }
    }

    struct Result {
        var code: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    func run(_ arguments: [String], stdin: String = "") -> Result {
        let console = Console.captured(environment: environment, currentDirectory: dir.path, stdin: Data(stdin.utf8))
        let code = MnemCLI.run(arguments, console: console)
        return Result(code: code, stdout: console.stdout, stderr: console.stderr)
    }
}

func memoryJSON(_ memory: Memory) -> String { CanonicalJSON.compactString(memory.jsonObject(includeID: false)) }

func insight(_ title: String, domain: String = "general") -> Memory {
    Memory(
        body: .insight(Insight(title: title, description: "d", content: "c")), task: "t", domain: domain, outcome: .success,
        source: MemorySource(agent: "claude-code", model: "claude-opus-4-6", sessionId: "s-\(title)"))
}

func trajectory(_ n: Int, domain: String = "python") -> Memory {
    Memory(
        body: .trajectory(Trajectory(steps: [TrajectoryStep(tool: "bash", input: "pytest -k t\(n)", observation: "ok", exitStatus: 0)])),
        task: "task \(n)", domain: domain, source: MemorySource(agent: "codex", model: "gpt-5", sessionId: "sess-\(n)"))
}

/// A hash of every file under a directory (names and contents), to show that nothing changed.
func treeDigest(_ path: String) -> String {
    var hasher = SHA256()
    let base = URL(fileURLWithPath: path)
    let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
    var files: [String] = []
    while let url = enumerator?.nextObject() as? URL { files.append(url.path) }
    for file in files.sorted() {
        hasher.update(Array(file.utf8))
        if let data = FileManager.default.contents(atPath: file) { hasher.update(Array(data)) }
    }
    return hasher.finalize().hexString
}
