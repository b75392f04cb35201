import Foundation
import MnemCore

/// Infers a trajectory's domain when none is given, and says how.
///
/// In order: a benchmark instance id (`django__django-13658` → `django`); the repository the
/// format records (`owner/repo` → `repo`); the dominant language or toolchain seen in the
/// commands and file names of the steps (`python`, `elixir`, `javascript/react`, …); the last
/// component of the working directory, unless it is a generic sandbox path; else `general`.
/// Language comes before the directory name because a toolchain transfers across projects and
/// a directory name often does not.
public enum DomainInference {
    public static func infer(_ session: CapturedSession) -> (domain: String, how: String) {
        if let instance = session.instanceId, let project = projectFromInstance(instance) {
            return (project, "benchmark instance id \(instance)")
        }
        if let repository = session.source.repository, let name = repositoryName(repository) {
            return (name, "repository \(repository)")
        }
        if let (language, evidence) = dominantLanguage(session.steps) {
            return (language, "dominant language/toolchain in steps (\(evidence))")
        }
        if let cwd = session.source.workingDirectory {
            let name = URL(fileURLWithPath: cwd).lastPathComponent.lowercased()
            if !genericDirectories.contains(name), !name.isEmpty, name != "/" {
                return (name, "working directory \(cwd)")
            }
        }
        return ("general", "no project, repository or language signal")
    }

    static let genericDirectories: Set<String> = ["workspace", "testbed", "app", "repo", "src", "tmp", "home", "root", "code", "project"]

    /// `django__django-13658` → `django`; `pylint-dev__astroid-1978` → `astroid`; `SWE-agent__test-repo-i1` → `test-repo`.
    static func projectFromInstance(_ instance: String) -> String? {
        let parts = instance.components(separatedBy: "__")
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        var repo = Substring(parts[1])
        // The issue number: `-13658`, or `-i1` in SWE-agent's test repository.
        if let dash = repo.lastIndex(of: "-"), repo[repo.index(after: dash)...].contains(where: \.isNumber), dash > repo.startIndex {
            repo = repo[..<dash]
        }
        return repo.isEmpty ? nil : repo.lowercased()
    }

    /// `https://github.com/owner/repo.git` or `owner/repo` → `repo`.
    static func repositoryName(_ repository: String) -> String? {
        var name = repository.split(separator: "/").last.map(String.init) ?? repository
        if name.hasSuffix(".git") { name = String(name.dropLast(4)) }
        return name.isEmpty ? nil : name.lowercased()
    }

    /// Signals per language: command words and file extensions.
    static let signals: [(language: String, commands: [String], extensions: [String])] = [
        ("python", ["python", "python3", "pytest", "pip", "pip3", "poetry", "uv", "tox", "django-admin"], [".py"]),
        ("elixir", ["mix", "iex", "elixir"], [".ex", ".exs", ".heex"]),
        ("javascript", ["node", "npm", "npx", "yarn", "pnpm", "jest", "vitest", "bun"], [".js", ".jsx", ".mjs", ".cjs"]),
        ("typescript", ["tsc", "ts-node", "tsx"], [".ts", ".tsx"]),
        ("rust", ["cargo", "rustc"], [".rs"]),
        ("go", ["go"], [".go"]),
        ("swift", ["swift", "swiftc", "xcodebuild"], [".swift"]),
        ("java", ["mvn", "gradle", "javac", "java"], [".java"]),
        ("ruby", ["ruby", "bundle", "rake", "rails", "rspec"], [".rb"]),
        ("c/c++", ["gcc", "g++", "clang", "make", "cmake", "gdb"], [".c", ".cc", ".cpp", ".h", ".hpp"]),
        ("php", ["php", "composer", "phpunit"], [".php"]),
        ("verilog", ["iverilog", "verilator"], [".v", ".sv"]),
    ]

    static let commandLanguages: [String: String] = {
        var out: [String: String] = [:]
        for signal in signals { for command in signal.commands { out[command] = signal.language } }
        return out
    }()

    static let extensionLanguages: [String: String] = {
        var out: [String: String] = [:]
        for signal in signals { for ext in signal.extensions { out[String(ext.dropFirst())] = signal.language } }
        return out
    }()

    static let separators: Set<UInt8> = Set(" \n\t;&|()\"'`=,:<>[]{}".utf8)

    /// The language with the most evidence: a command word at the start of a command scores 2,
    /// a file name with its extension 1. Words are read from the first 2 KB of each step's input.
    static func dominantLanguage(_ steps: [TrajectoryStep]) -> (String, String)? {
        var scores: [String: Int] = [:]
        var react = 0
        var next = 0
        for step in steps {
            var folded = Array(step.input.utf8.prefix(2_000))
            for i in folded.indices where (folded[i] &- 65) < 26 { folded[i] |= 0x20 }
            var wordIndex = 0
            var start = 0
            var i = 0
            while i <= folded.count {
                if i == folded.count || separators.contains(folded[i]) {
                    if i > start {
                        let word = folded[start..<i]
                        let text = String(decoding: word, as: UTF8.self)
                        if wordIndex < 3, let language = commandLanguages[text] { scores[language, default: 0] += 2 }
                        if let dot = word.lastIndex(of: 0x2E), dot > start, dot < i - 1 {
                            let ext = String(decoding: folded[(dot + 1)..<i], as: UTF8.self)
                            if let language = extensionLanguages[ext] { scores[language, default: 0] += 1 }
                        }
                        wordIndex += 1
                    }
                    if i < folded.count, folded[i] == 0x0A || folded[i] == 0x3B || folded[i] == 0x26 || folded[i] == 0x7C { wordIndex = 0 }
                    start = i + 1
                }
                i += 1
            }
            let input = String(decoding: folded, as: UTF8.self)
            if ByteSearch.contains(input, "react") { react += 1 }
            if ByteSearch.contains(input, "next.config") || ByteSearch.contains(input, "create-next-app") || ByteSearch.contains(input, "next dev")
                || ByteSearch.contains(input, "next build")
            {
                next += 1
            }
        }
        if let ts = scores["typescript"] { scores["javascript", default: 0] += ts }
        scores["typescript"] = nil
        guard let best = scores.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value >= 3 else {
            return nil
        }
        var language = best.key
        if language == "javascript" {
            if next > 0 { language = "javascript/nextjs" } else if react > 0 { language = "javascript/react" }
        }
        return (language, "score \(best.value) over \(steps.count) steps")
    }
}

/// The fallback outcome rule for every format: the exit status of the last test command.
///
/// When the format's own signals leave the outcome unknown, the last step whose command runs a
/// test suite (`pytest`, `mix test`, `npm test`, `go test`, `cargo test`, `swift test`, …) and
/// whose exit status is known decides: 0 → success, anything else → failure.
public enum TestCommandOutcome {
    static let testCommands = [
        "pytest", "py.test", "mix test", "npm test", "npm run test", "yarn test", "pnpm test", "go test", "cargo test",
        "swift test", "jest", "vitest", "tox", "rspec", "phpunit", "ctest", "make test", "gradle test", "mvn test",
        "manage.py test", "runtests.py", "unittest", "bun test", "deno test",
    ]

    public static func outcome(_ steps: [TrajectoryStep]) -> (Outcome, String)? {
        for step in steps.reversed() {
            guard let exit = step.exitStatus, ByteSearch.containsAnyFolded(step.input.prefix(500), testCommands) else { continue }
            return (exit == 0 ? .success : .failure, "last test command exited \(exit)")
        }
        return nil
    }
}
