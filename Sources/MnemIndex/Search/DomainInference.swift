import Foundation

/// Guesses the domain of the task at hand from the repository the agent works in.
///
/// Looks for a build manifest in `directory` and its parents up to the repository root (the
/// first directory holding `.git`): `Package.swift` → swift, `Cargo.toml` → rust, `go.mod` → go,
/// `pyproject.toml`/`setup.py`/`requirements.txt` → python, `package.json` → javascript,
/// `pom.xml` → java/maven, `build.gradle(.kts)` → java/gradle, `Gemfile` → ruby, `mix.exs` → elixir,
/// `CMakeLists.txt` → c. The names are the families the domain guard compares (`DomainMatch`).
public enum DomainInference {
    static let markers: [(file: String, domain: String)] = [
        ("Package.swift", "swift"), ("Cargo.toml", "rust"), ("go.mod", "go"), ("pyproject.toml", "python"),
        ("setup.py", "python"), ("requirements.txt", "python"), ("package.json", "javascript"), ("pom.xml", "java/maven"),
        ("build.gradle", "java/gradle"), ("build.gradle.kts", "java/gradle"), ("Gemfile", "ruby"), ("mix.exs", "elixir"),
        ("CMakeLists.txt", "c"),
    ]

    /// The domain the manifests in `directory` or above suggest, or nil.
    public static func infer(directory: String) -> String? {
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        let files = FileManager.default
        for _ in 0..<32 {
            for (file, domain) in markers where files.fileExists(atPath: url.appendingPathComponent(file).path) {
                return domain
            }
            if files.fileExists(atPath: url.appendingPathComponent(".git").path) { return nil }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
        return nil
    }
}
