import Foundation
import MnemCore

/// Infers a trajectory's domain when none is given, and says which evidence decided.
///
/// The project comes first, because one project is one domain however its sessions are run:
/// 1. a benchmark instance id (`django__django-13658` → `django`);
/// 2. the repository the format records: its remote's name (`…/ledger.git` → `ledger`) or its root;
/// 3. the git repository around the working directory, when it exists where capture runs: the
///    `origin` remote's name, else the root's (a linked worktree counts as its main repository);
/// 4. the working directory's path, read as a project: a worktree (`<p>-worktrees/<branch>`,
///    `<p>/.claude/worktrees/<x>`) is its project `<p>`, a source sub-directory (`src`,
///    `assets`, `packages/<x>`, …) its parent.
/// Then the language and framework of the files the session touched and the manifests it read
/// (`package.json` with `react` or `vite` → `javascript/react`), edits weighing more than reads,
/// command words (`pytest`, `cargo`, `mix`) least. Else `general`.
///
/// A domain is never a temporary, home or sandbox directory, nor a user's name: those
/// candidates are passed over.
public enum DomainInference {
    public static func infer(_ session: CapturedSession) -> (domain: String, how: String) {
        infer(session, roles: session.steps.map(StepRole.of))
    }

    /// - Parameter roles: `StepRole.of` each step, computed once for all the evidence readers.
    static func infer(_ session: CapturedSession, roles: [StepRole]) -> (domain: String, how: String) {
        let user = userName(session.source.workingDirectory)
        if let instance = session.instanceId, let project = projectFromInstance(instance), acceptable(project, user: user) {
            return (project, "benchmark instance id \(instance)")
        }
        if let repository = session.source.repository, let name = repositoryName(repository), acceptable(name, user: user) {
            return (name, "repository \(repository)")
        }
        if let cwd = session.source.workingDirectory {
            if let (name, how) = LocalRepository.project(around: cwd), acceptable(name, user: user) { return (name, how) }
            if let (name, how) = projectFromPath(cwd), acceptable(name, user: user) { return (name, how) }
        }
        if let (language, evidence) = Toolchain.dominant(session, roles: roles) {
            return (language, evidence)
        }
        return ("general", "no project, repository or language signal")
    }

    /// The project a working directory belongs to, read the way a session's is (its git
    /// repository's `origin` or root, else its path), or nil: what a query made there is about,
    /// so retrieval can tell a concrete memory of the same project from one of another.
    public static func project(directory: String) -> String? {
        let user = userName(directory)
        if let (name, _) = LocalRepository.project(around: directory), acceptable(name, user: user) { return name }
        if let (name, _) = projectFromPath(directory), acceptable(name, user: user) { return name }
        return nil
    }

    // MARK: Projects

    /// `django__django-13658` → `django`; `pylint-dev__astroid-1978` → `astroid`; `SWE-agent__test-repo-i1` → `test-repo`.
    /// An id that is a path in disguise (`__home__alice__ctf__…`) names no project.
    static func projectFromInstance(_ instance: String) -> String? {
        let parts = instance.components(separatedBy: "__")
        guard parts.count == 2, !parts[0].isEmpty, !instance.contains("/") else { return nil }
        var repo = Substring(parts[1])
        // The issue number: `-13658`, or `-i1` in SWE-agent's test repository.
        if let dash = repo.lastIndex(of: "-"), repo[repo.index(after: dash)...].contains(where: \.isNumber), dash > repo.startIndex {
            repo = repo[..<dash]
        }
        return repo.isEmpty ? nil : repo.lowercased()
    }

    /// `https://github.com/owner/repo.git`, `git@host:owner/repo.git` or `owner/repo` → `repo`;
    /// a local path → its last meaningful component.
    static func repositoryName(_ repository: String) -> String? {
        if repository.hasPrefix("/") || repository.hasPrefix("~") || repository.hasPrefix("file://") {
            return projectFromPath(repository.hasPrefix("file://") ? String(repository.dropFirst(7)) : repository)?.name
        }
        let last = repository.split(whereSeparator: { $0 == "/" || $0 == ":" }).last.map(String.init) ?? repository
        var name = last
        if name.hasSuffix(".git") { name = String(name.dropLast(4)) }
        return name.isEmpty ? nil : name.lowercased()
    }

    /// Directory names that are places, not projects.
    static let genericDirectories: Set<String> = [
        "workspace", "workspaces", "testbed", "app", "apps", "repo", "repos", "repositories", "src", "source", "sources", "tmp", "temp",
        "home", "root", "code", "project", "projects", "dev", "develop", "development", "work", "git", "github", "gitlab", "users",
        "user", "var", "opt", "srv", "mnt", "data", "sandbox", "playground", "scratch", "desktop", "documents", "downloads", "path",
        "to", "private", "folders", "usr", "local", "share", "volumes", "workdir", "build", "out", "dist", "lib", "bin", "content",
        "mount", "host", "runner", "w", "job", "ws", "wt", "worktrees", ".worktrees", "conductor", "tasks", "task",
    ]
    /// Sub-directories of a project: a session started there belongs to the directory above.
    static let subDirectories: Set<String> = [
        "src", "lib", "app", "assets", "web", "frontend", "backend", "client", "server", "api", "cmd", "internal", "pkg", "docs",
        "doc", "scripts", "script", "test", "tests", "spec", "specs", "public", "static", "config", "ui", "core", "www", "site",
        "examples", "example", "tools", "bin", "priv", "include", "sources", "source",
    ]
    /// Folders of a monorepo whose children are packages of the project above.
    static let packageFolders: Set<String> = ["packages", "crates", "apps", "services", "libs"]

    /// Roots of temporary directories: nothing under them is a project.
    static let temporaryRoots = ["/tmp/", "/var/tmp/", "/private/tmp/", "/var/folders/", "/private/var/folders/", "/dev/shm/"]

    /// The project a working directory's path names, or nil when it names none (or lies in a temporary directory).
    static func projectFromPath(_ path: String) -> (name: String, how: String)? {
        if temporaryRoots.contains(where: { (path + "/").hasPrefix($0) }) || path.contains("/AppData/Local/Temp") { return nil }
        var parts = path.split(separator: "/").map(String.init)
        if path.contains("\\") { parts = path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).map(String.init) }
        guard !parts.isEmpty else { return nil }
        let user = userName(path)
        // A worktree: `<p>/.claude/worktrees/<x>`, `<p>/.worktrees/<x>`, `<p>-worktrees/<x>`.
        for (i, part) in parts.enumerated() {
            let lower = part.lowercased()
            if (lower == "worktrees" || lower == ".worktrees"), i > 0 {
                var j = i - 1
                if parts[j].hasPrefix("."), j > 0 { j -= 1 }  // `.claude`, `.git`
                let name = parts[j].lowercased()
                if meaningful(name, user: user) { return (name, "working directory \(path) (a worktree of \(parts[j]))") }
            }
            for suffix in ["-worktrees", "_worktrees", ".worktrees", "-worktree", "-wt"] where lower.hasSuffix(suffix) && lower.count > suffix.count {
                let name = String(lower.dropLast(suffix.count))
                if meaningful(name, user: user) { return (name, "working directory \(path) (a worktree of \(name))") }
            }
        }
        // The last component, unless it is a source sub-directory or a package of a monorepo
        // and the directory above is a project; a flattened path (`__Users__alice__ctf__x`) is unflattened first.
        if let last = parts.last, last.contains("__") {
            let unflattened = "/" + last.components(separatedBy: "__").filter { !$0.isEmpty }.joined(separator: "/")
            if unflattened.split(separator: "/").count > 1 {
                return projectFromPath(unflattened).map { ($0.name, "working directory \(path) (a flattened path)") }
            }
        }
        var i = parts.count - 1
        while i >= 0 {
            let name = parts[i].lowercased()
            if i > 1, packageFolders.contains(parts[i - 1].lowercased()), meaningful(parts[i - 2].lowercased(), user: user) {
                return (parts[i - 2].lowercased(), "working directory \(path) (a package of the project above)")
            }
            if subDirectories.contains(name), i > 0 {
                if meaningful(parts[i - 1].lowercased(), user: user) {
                    return (parts[i - 1].lowercased(), "working directory \(path) (a sub-directory of its project)")
                }
                i -= 1
                continue
            }
            return meaningful(name, user: user) ? (name, "working directory \(path)") : nil
        }
        return nil
    }

    /// The user whose home a path lies in (`/home/alice/…`, `/Users/alice/…`, `C:\Users\alice`).
    static func userName(_ path: String?) -> String? {
        guard let path else { return nil }
        let parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        for (i, part) in parts.enumerated() where i + 1 < parts.count {
            let lower = part.lowercased()
            if lower == "home" || lower == "users" { return parts[i + 1].lowercased() }
        }
        return nil
    }

    /// A name that can be a project: not a generic place, not a temporary or random name, not the user's.
    static func meaningful(_ name: String, user: String?) -> Bool {
        guard !name.isEmpty, name.count <= 100, !genericDirectories.contains(name), name != user else { return false }
        if name.hasPrefix("tmp") || name.hasPrefix("temp") || name.hasPrefix(".") { return false }
        if name.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "_" }) { return false }
        // A random name (`a3f9c2e1`, `mnem-capture-1F2E…`): mostly hex digits with several digits among them.
        let hex = name.filter { $0.isHexDigit }
        let digits = name.filter { $0.isNumber }
        if name.count >= 8, hex.count * 10 >= name.count * 8, digits.count >= 3 { return false }
        if name.contains(where: { $0.isHexDigit }) {
            for piece in name.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." }) where piece.count >= 8 && piece.allSatisfy(\.isHexDigit) && piece.contains(where: \.isNumber) {
                return false
            }
        }
        return true
    }

    /// Whether a candidate is a domain: meaningful, and not a path or an account.
    static func acceptable(_ name: String, user: String?) -> Bool {
        !name.contains("/") && !name.contains("\\") && meaningful(name.lowercased(), user: user)
    }
}

/// The git repository around a working directory, read from the files git keeps (no process,
/// no library): capture often runs on the machine the session ran on, where this is the best
/// evidence of the project.
enum LocalRepository {
    /// The project of the repository holding `directory`: the `origin` remote's name, else the
    /// root directory's name; for a linked worktree, its main repository's.
    static func project(around directory: String) -> (String, String)? {
        let files = FileManager.default
        var url = URL(fileURLWithPath: directory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        for _ in 0..<32 {
            let dotGit = url.appendingPathComponent(".git")
            if files.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) {
                var gitDirectory = dotGit
                var root = url
                if !isDirectory.boolValue {
                    // A linked worktree: `.git` is a file `gitdir: <main>/.git/worktrees/<name>`.
                    guard let text = try? String(contentsOf: dotGit, encoding: .utf8), let line = text.split(separator: "\n").first,
                        line.hasPrefix("gitdir: ")
                    else { return nil }
                    var target = String(line.dropFirst("gitdir: ".count)).trimmingWhitespace
                    if !target.hasPrefix("/") { target = url.appendingPathComponent(target).standardizedFileURL.path }
                    gitDirectory = URL(fileURLWithPath: target)
                    if let range = target.range(of: "/.git/worktrees/") {
                        gitDirectory = URL(fileURLWithPath: String(target[..<range.lowerBound]) + "/.git")
                        root = URL(fileURLWithPath: String(target[..<range.lowerBound]))
                    }
                }
                if let remote = originURL(gitDirectory.appendingPathComponent("config").path), let name = DomainInference.repositoryName(remote) {
                    return (name, "git remote origin \(remote) of \(root.path)")
                }
                // Without a remote, the root's name, unless the root is a scratch directory.
                guard let (name, _) = DomainInference.projectFromPath(root.path), name == root.lastPathComponent.lowercased() else { return nil }
                return (name, "git repository root \(root.path)")
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
        return nil
    }

    /// `remote.origin.url` from a git config file.
    static func originURL(_ configPath: String) -> String? {
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else { return nil }
        var inOrigin = false
        for raw in text.split(separator: "\n") {
            let line = String(raw).trimmingWhitespace
            if line.hasPrefix("[") {
                inOrigin = line.replacingOccurrences(of: " ", with: "") == "[remote\"origin\"]"
                continue
            }
            if inOrigin, line.hasPrefix("url") {
                let value = line.drop(while: { $0 != "=" }).dropFirst()
                let url = String(value).trimmingWhitespace
                return url.isEmpty ? nil : url
            }
        }
        return nil
    }
}

/// The language and framework a session's files, manifests and commands point to.
enum Toolchain {
    static let extensions: [String: String] = [
        "py": "python", "pyi": "python", "ipynb": "python", "ex": "elixir", "exs": "elixir", "heex": "elixir", "eex": "elixir",
        "js": "javascript", "jsx": "javascript", "mjs": "javascript", "cjs": "javascript", "ts": "javascript", "tsx": "javascript",
        "vue": "javascript", "svelte": "javascript", "rs": "rust", "go": "go", "swift": "swift", "java": "java", "kt": "kotlin",
        "kts": "kotlin", "rb": "ruby", "erb": "ruby", "c": "c/c++", "cc": "c/c++", "cpp": "c/c++", "cxx": "c/c++", "h": "c/c++",
        "hpp": "c/c++", "php": "php", "v": "verilog", "sv": "verilog", "vhd": "vhdl", "cs": "csharp", "scala": "scala", "hs": "haskell",
        "ml": "ocaml", "lua": "lua", "dart": "dart", "zig": "zig", "jl": "julia", "r": "r", "clj": "clojure", "erl": "erlang",
    ]
    static let manifests: [String: String] = [
        "package.json": "javascript", "tsconfig.json": "javascript", "vite.config.ts": "javascript", "vite.config.js": "javascript",
        "next.config.js": "javascript", "next.config.mjs": "javascript", "next.config.ts": "javascript", "cargo.toml": "rust",
        "go.mod": "go", "mix.exs": "elixir", "pyproject.toml": "python", "requirements.txt": "python", "setup.py": "python",
        "setup.cfg": "python", "pipfile": "python", "gemfile": "ruby", "pom.xml": "java", "build.gradle": "java",
        "build.gradle.kts": "kotlin", "package.swift": "swift", "composer.json": "php", "cmakelists.txt": "c/c++",
        "pubspec.yaml": "dart", "build.zig": "zig", "stack.yaml": "haskell",
    ]
    static let commands: [String: String] = [
        "python": "python", "python3": "python", "pytest": "python", "pip": "python", "pip3": "python", "poetry": "python",
        "tox": "python", "django-admin": "python", "mix": "elixir", "iex": "elixir", "elixir": "elixir", "node": "javascript",
        "npm": "javascript", "npx": "javascript", "yarn": "javascript", "pnpm": "javascript", "jest": "javascript",
        "vitest": "javascript", "bun": "javascript", "tsc": "javascript", "cargo": "rust", "rustc": "rust", "go": "go",
        "swift": "swift", "swiftc": "swift", "mvn": "java", "gradle": "java", "javac": "java", "ruby": "ruby", "bundle": "ruby",
        "rake": "ruby", "rails": "ruby", "rspec": "ruby", "gcc": "c/c++", "g++": "c/c++", "clang": "c/c++", "cmake": "c/c++",
        "php": "php", "composer": "php", "iverilog": "verilog", "verilator": "verilog", "dotnet": "csharp",
    ]
    /// Frameworks, by what names them in a manifest or an import.
    static let frameworks: [(language: String, framework: String, markers: [String])] = [
        ("javascript", "nextjs", ["\"next\"", "next.config", "create-next-app", "next/router", "next/navigation", "next/image", "next dev", "next build"]),
        ("javascript", "react", ["\"react\"", "\"react-dom\"", "from 'react'", "from \"react\"", "@vitejs/plugin-react", "react-scripts"]),
        ("javascript", "vue", ["\"vue\"", "from 'vue'", "from \"vue\"", "createapp", "@vitejs/plugin-vue", "v-model=", "v-for=", "unpkg.com/vue"]),
        ("javascript", "svelte", ["\"svelte\"", "@sveltejs/"]),
        ("javascript", "angular", ["\"@angular/core\""]),
        ("python", "django", ["django.", "manage.py", "\"django\"", "django=", "django>", "django-admin"]),
        ("python", "flask", ["from flask", "\"flask\"", "flask=", "flask>"]),
        ("python", "fastapi", ["from fastapi", "\"fastapi\"", "fastapi=", "fastapi>"]),
        ("elixir", "phoenix", [":phoenix", "phx.", "phoenix."]),
        ("ruby", "rails", ["rails ", "\"rails\"", "gem 'rails'", "activerecord"]),
    ]

    static let plusHeader = Array("\n+++ b/".utf8)

    static let separators: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in " \n\t\r;&|()\"'`=,:<>[]{}".utf8 { table[Int(b)] = true }
        return table
    }()
    /// Manifest names, and `import `: a step that names one shows code or dependencies.
    static let manifestAnchors = ByteAnchors(Array(manifests.keys) + ["import "])
    /// Every framework marker, and the framework (index into `frameworks`) each belongs to.
    static let frameworkAnchors = ByteAnchors(frameworks.flatMap(\.markers))
    static let frameworkOfAnchor: [Int] = frameworks.enumerated().flatMap { n, f in f.markers.map { _ in n } }

    /// The best-supported language (with its framework), and the evidence, or nil when too little.
    static func dominant(_ session: CapturedSession, roles: [StepRole]) -> (String, String)? {
        var scores: [String: Int] = [:]
        var fileCount = 0
        var manifestNames: [String] = []
        var seenFiles = Set<String>()
        var frameworkHits: [String: Int] = [:]

        func noteFile(_ rawName: Substring, weight: Int) {
            // The base name, lower-cased, and its extension: on bytes (a character walk showed in profiles).
            let bytes = Array(rawName.utf8)
            let baseStart = (bytes.lastIndex(of: 0x2F) ?? -1) + 1
            var base = Array(bytes[baseStart...])
            for i in base.indices where (base[i] &- 65) < 26 { base[i] |= 0x20 }
            let name = String(decoding: base, as: UTF8.self)
            if let language = manifests[name] {
                scores[language, default: 0] += 5
                if !manifestNames.contains(name) { manifestNames.append(name) }
                return
            }
            guard let dot = base.lastIndex(of: 0x2E), let language = extensions[String(decoding: base[(dot + 1)...], as: UTF8.self)] else { return }
            scores[language, default: 0] += weight
            if seenFiles.insert(String(rawName)).inserted { fileCount += 1 }
            if name.hasSuffix(".jsx") || name.hasSuffix(".tsx") { frameworkHits["javascript/react", default: 0] += 1 }
            if name.hasSuffix(".vue") { frameworkHits["javascript/vue", default: 0] += 1 }
            if name.hasSuffix(".svelte") { frameworkHits["javascript/svelte", default: 0] += 1 }
        }

        /// Which frameworks the first `limit` bytes of a text name, in one pass over its bytes.
        func noteFrameworks(_ text: String, limit: Int) {
            var seen = Set<Int>()
            var copy = text
            copy.withUTF8 { b in
                frameworkAnchors.forEachHit(in: UnsafeBufferPointer(rebasing: b.prefix(limit))) { _, index in
                    seen.insert(frameworkOfAnchor[index])
                    return true
                }
            }
            for framework in seen {
                let (language, name, _) = frameworks[framework]
                frameworkHits["\(language)/\(name)", default: 0] += 2
            }
        }

        for (step, role) in zip(session.steps, roles) {
            let weight = role == .edit ? 3 : 1
            var commandWordSeen = false
            var input = step.input
            // Words split on shell and JSON punctuation: file names and the command's first word.
            let words: [(String, Bool)] = input.withUTF8 { all in
                let b = UnsafeBufferPointer(rebasing: all.prefix(2_000))
                var out: [(String, Bool)] = []
                var start = 0
                var dotted = false
                for i in 0...b.count {
                    if i == b.count || Self.separators[Int(b[i])] {
                        // Only a file name (it has a dot) or a command word can count: no string for the rest.
                        if i > start, i - start < 200, dotted || !commandWordSeen {
                            let word = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                            if dotted {
                                out.append((word, true))
                            } else if commands[word] != nil {
                                out.append((word, false))
                                commandWordSeen = true
                            }
                        }
                        start = i + 1
                        dotted = false
                    } else if b[i] == 0x2E {
                        dotted = true
                    }
                }
                return out
            }
            for (word, dotted) in words {
                if dotted {
                    noteFile(Substring(word), weight: weight)
                } else if let language = commands[word] {
                    scores[language, default: 0] += 1
                }
            }
            // A manifest read or written, or code written: its content names the framework.
            var input2 = step.input
            let namesManifest = input2.withUTF8 { manifestAnchors.occurs(in: UnsafeBufferPointer(rebasing: $0.prefix(2_000))) }
            if role == .edit || namesManifest {
                noteFrameworks(step.input, limit: 2_000)
                noteFrameworks(step.observation, limit: 4_000)
            }
        }
        for file in session.touchedFiles { noteFile(Substring(file), weight: 2) }
        if let patch = session.patch {
            // The files the patch changes: its `+++ b/<path>` lines.
            var copy = patch
            let paths: [String] = copy.withUTF8 { b in
                var out: [String] = []
                var i = 0
                while let at = Self.plusHeader.withUnsafeBufferPointer({ ByteSearch.find($0, in: UnsafeBufferPointer(rebasing: b[i...])) }) {
                    let start = i + at + Self.plusHeader.count
                    var end = start
                    while end < b.count, b[end] != 0x0A { end += 1 }
                    out.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self))
                    i = end
                }
                return out
            }
            for path in paths { noteFile(Substring(path), weight: 3) }
            noteFrameworks(patch, limit: 16_000)
        }
        guard let best = scores.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value >= 3 else {
            return nil
        }
        var domain = best.key
        let candidates = frameworkHits.filter { $0.key.hasPrefix(domain + "/") }
        // Next.js is a React framework: it wins when both are named.
        if let framework = candidates.max(by: { ($0.value, $0.key == "javascript/nextjs" ? 1 : 0) < ($1.value, $1.key == "javascript/nextjs" ? 1 : 0) }) {
            domain = candidates["javascript/nextjs"] != nil ? "javascript/nextjs" : framework.key
        }
        var evidence = "language of the files touched and commands run (\(domain): score \(best.value)"
        if fileCount > 0 { evidence += ", \(fileCount) files" }
        if !manifestNames.isEmpty { evidence += ", manifests \(manifestNames.prefix(3).joined(separator: ", "))" }
        evidence += ")"
        return (domain, evidence)
    }
}
