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

    static func dominantLanguage(_ steps: [TrajectoryStep]) -> (String, String)? {
        var scores: [String: Int] = [:]
        var react = 0
        var next = 0
        for step in steps {
            let input = step.input.prefix(2000)
            let words = input.split(whereSeparator: { " \n\t;&|()\"'".contains($0) })
            for (n, word) in words.enumerated() {
                let w = word.lowercased()
                for signal in signals {
                    // A command word counts at the start of a command (first word, or after a separator).
                    if n == 0 || n < 3, signal.commands.contains(w) { scores[signal.language, default: 0] += 2 }
                    if signal.extensions.contains(where: { w.hasSuffix($0) && w.count > $0.count }) {
                        scores[signal.language, default: 0] += 1
                    }
                }
                if w.contains("react") { react += 1 }
                if w.contains("next") && (w.contains("next.config") || w == "next" || w.contains("create-next-app")) { next += 1 }
            }
        }
        if let ts = scores["typescript"] { scores["javascript", default: 0] += ts }
        guard let best = scores.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value >= 3 else {
            return nil
        }
        var language = best.key
        if language == "typescript" { language = "javascript" }
        if language == "javascript" {
            if next > 0 { language = "javascript/nextjs" } else if react > 0 { language = "javascript/react" }
        }
        return (language, "score \(best.value) of \(steps.count) steps")
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
            let input = step.input.prefix(500).lowercased()
            guard testCommands.contains(where: { input.contains($0) }), let exit = step.exitStatus else { continue }
            return (exit == 0 ? .success : .failure, "last test command exited \(exit)")
        }
        return nil
    }
}
