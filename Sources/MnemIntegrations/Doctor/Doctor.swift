import Foundation
import MnemCore
import MnemGit
import MnemIndex

/// One thing `mnem doctor` found, named with the file it concerns.
public struct DoctorFinding: Sendable {
    public enum Severity: String, Sendable {
        /// Something is broken; `mnem doctor` exits 1 while one is left.
        case problem
        /// Works, but will bite (a hook tied to one machine, no git identity).
        case warning
        case ok
    }

    /// Which check: pool, memories, feedback, locks, index, hooks, identity, remote.
    public var check: String
    public var severity: Severity
    /// The file (a tree path, or a path on disk) it concerns.
    public var file: String?
    public var message: String
    /// What `--fix` did or would do, or how to fix it by hand.
    public var remedy: String?
    public var fixed = false

    public init(check: String, severity: Severity, file: String? = nil, message: String, remedy: String? = nil) {
        self.check = check
        self.severity = severity
        self.file = file
        self.message = message
        self.remedy = remedy
    }
}

/// Checks a pool and mnem's installation, and repairs what is safe to repair.
///
/// The pool: every file at the tip (memories whose id matches their content and who sit at the
/// path their kind and id name, feedback files, nothing else under `memories/` or `feedback/`),
/// stale git lock files, the vector index, the git identity commits are authored with, and each
/// remote's HEAD. The installation: every hook and MCP configuration that runs mnem resolves to
/// an executable, and none is tied to a build directory.
///
/// `fix` repairs: a memory edited by hand becomes a new memory (its id recomputed) that
/// supersedes the old one; a valid memory at the wrong path is moved; stale lock files are
/// removed; the index is rebuilt or brought up to date; hook and MCP configurations that do not
/// resolve are installed again with a `mnem` that does. A file that is not a memory at all, a
/// remote's HEAD and the git identity are left to the user, with the command that fixes them.
public struct Doctor {
    public var pool: Pool
    public var environment: [String: String]
    public var home: String
    /// The repository around the current directory (project-scope configurations, git hooks).
    public var projectRoot: String
    public var currentDirectory: String
    /// The mnem to write into configurations that `fix` reinstalls (nil: none fit, so they are left).
    public var executable: String?
    /// A lock file untouched for this long belongs to no running git or mnem.
    public var staleLockAge: TimeInterval = 600

    public init(pool: Pool, environment: [String: String], home: String, projectRoot: String, currentDirectory: String, executable: String?) {
        self.pool = pool
        self.environment = environment
        self.home = home
        self.projectRoot = projectRoot
        self.currentDirectory = currentDirectory
        self.executable = executable
    }

    /// Runs every check, repairing as it goes when `fix` is set.
    public func run(fix: Bool) throws -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        // Locks first: a stale branch lock would make the repairs below fail.
        findings += checkLocks(fix: fix)
        findings += try checkFiles(fix: fix)
        findings += checkIndex(fix: fix)
        findings += checkConfigurations(fix: fix)
        findings += checkIdentity()
        findings += checkRemotes()
        return findings
    }

    // MARK: - Files at the tip

    /// What one memory file is.
    enum Diagnosis {
        case valid
        /// The content is a valid memory whose id is not the stated one: edited by hand.
        case edited(Memory, oldID: MemoryID?)
        /// A valid memory, not at its path.
        case misplaced(Memory)
        case invalid(String)
    }

    func diagnose(_ bytes: [UInt8], path: String) -> Diagnosis {
        let json: JSONValue
        do {
            json = try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) in try JSONParser.parse(buffer) }
        } catch {
            return .invalid("not valid JSON: \(error.description)")
        }
        do {
            let memory = try Memory(json: json, idPolicy: .mustMatch)
            return memory.path == path ? .valid : .misplaced(memory)
        } catch where error.field == "id" {
            guard case .object(var members) = json else { return .invalid(error.description) }
            let stated = members["id"]?.stringValue.flatMap(MemoryID.init)
            members["id"] = nil
            do {
                var memory = try Memory(json: .object(members), idPolicy: .optionalButMatching)
                let old = MemoryPath.parse(path)?.id ?? stated
                if let old, !memory.supersedes.contains(old) {
                    memory.supersedes.append(old)
                    memory.refreshID()
                }
                return .edited(memory, oldID: old)
            } catch {
                return .invalid("not a valid memory: \(error.description)")
            }
        } catch {
            return .invalid("not a valid memory: \(error.description)")
        }
    }

    func checkFiles(fix: Bool) throws -> [DoctorFinding] {
        guard let tree = try pool.tipTree() else {
            return [DoctorFinding(check: "memories", severity: .ok, message: "the pool is empty")]
        }
        var findings: [DoctorFinding] = []
        var repairs: [Memory] = []
        var repairedPaths: [String] = []
        var repairFindings: [Int] = []
        var valid = 0
        var feedback = 0
        var others: [String] = []
        for delta in try pool.repository.changedFiles(nil, tree) {
            let path = delta.path
            let inMemories = path.hasPrefix(MemoryPath.root + "/")
            let inFeedback = path.hasPrefix(Feedback.root + "/")
            guard inMemories || inFeedback else {
                others.append(path)
                continue
            }
            guard delta.newMode == .blob else {
                findings.append(DoctorFinding(
                    check: inMemories ? "memories" : "feedback", severity: .problem, file: path, message: "not a regular file (\(delta.newMode))",
                    remedy: "remove it with git"))
                continue
            }
            let bytes = try pool.repository.readBlob(delta.newID)
            if inFeedback {
                if let problem = feedbackProblem(bytes, path: path) {
                    findings.append(DoctorFinding(check: "feedback", severity: .problem, file: path, message: problem, remedy: "fix or remove it with git"))
                } else {
                    feedback += 1
                }
                continue
            }
            switch diagnose(bytes, path: path) {
            case .valid:
                valid += 1
            case .edited(let memory, let old):
                repairFindings.append(findings.count)
                findings.append(DoctorFinding(
                    check: "memories", severity: .problem, file: path,
                    message: "the content does not match the id \(old?.short ?? "?") (edited by hand?)",
                    remedy: "--fix makes it a new memory, \(memory.id.short), that supersedes \(old?.short ?? "it")"))
                repairs.append(memory)
                repairedPaths.append(path)
            case .misplaced(let memory):
                repairFindings.append(findings.count)
                findings.append(DoctorFinding(
                    check: "memories", severity: .problem, file: path, message: "memory \(memory.id.short) is not at its path, \(memory.path)",
                    remedy: "--fix moves it there"))
                repairs.append(memory)
                repairedPaths.append(path)
            case .invalid(let reason):
                let id = MemoryPath.parse(path)?.id
                findings.append(DoctorFinding(
                    check: "memories", severity: .problem, file: path, message: reason,
                    remedy: "fix it by hand" + (id.map { ", or remove it with 'mnem forget \($0.short)'" } ?? ", or remove it with git")))
            }
        }
        if fix, !repairs.isEmpty {
            let author = pool.defaultAuthor(environment: environment)
            let summary = "doctor: repair \(repairs.count) memory \(repairs.count == 1 ? "file" : "files")"
            let result = try pool.repair(adding: repairs, removingPaths: repairedPaths, info: CommitInfo(summary: summary, author: author))
            for index in repairFindings {
                findings[index].fixed = true
                findings[index].remedy = findings[index].remedy.map { $0.replacingOccurrences(of: "--fix makes", with: "made").replacingOccurrences(of: "--fix moves", with: "moved") }
                    .map { $0 + (result.commit.map { " (commit \($0.hex.prefix(10)))" } ?? "") }
            }
        }
        var summary = "\(valid) valid memories, \(feedback) feedback files"
        if !others.isEmpty { summary += "; \(others.count) other files kept and ignored (\(others.prefix(3).joined(separator: ", "))\(others.count > 3 ? ", …" : ""))" }
        findings.insert(DoctorFinding(check: "memories", severity: .ok, message: summary), at: 0)
        return findings
    }

    func feedbackProblem(_ bytes: [UInt8], path: String) -> String? {
        guard let (memoryID, feedbackID) = Feedback.parsePath(path) else {
            return "not where feedback belongs (\(Feedback.root)/<2 hex>/<memory id>/<id>.json)"
        }
        guard let json = try? JSONParser.parse(Data(bytes)) else { return "not valid JSON" }
        let feedback: Feedback
        do { feedback = try Feedback(json: json) } catch { return "not valid feedback: \(error.description)" }
        if feedback.memory != memoryID { return "feedback about \(feedback.memory.short) filed under \(memoryID.short)" }
        if feedback.id != feedbackID { return "the content does not match the id in its name (edited by hand?)" }
        return nil
    }

    // MARK: - Locks

    /// git's lock files in the pool's git directory: the branch and HEAD references, the
    /// configuration, the index and packed-refs. A crashed writer leaves one behind and every
    /// later write to that reference fails until it is removed.
    func lockFiles() -> [String] {
        let gitDirectory = pool.repository.gitDirectory.hasSuffix("/") ? String(pool.repository.gitDirectory.dropLast()) : pool.repository.gitDirectory
        var found: [String] = []
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: gitDirectory)) ?? [] where name.hasSuffix(".lock") && name != "mnem-worktree.lock" {
            found.append(gitDirectory + "/" + name)
        }
        if let walker = fm.enumerator(atPath: gitDirectory + "/refs") {
            while let relative = walker.nextObject() as? String {
                if relative.hasSuffix(".lock") { found.append(gitDirectory + "/refs/" + relative) }
            }
        }
        return found.sorted()
    }

    func checkLocks(fix: Bool) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        let now = Date()
        for path in lockFiles() {
            let modified = ((try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date) ?? now
            let age = now.timeIntervalSince(modified)
            guard age >= staleLockAge else {
                findings.append(DoctorFinding(check: "locks", severity: .ok, file: path, message: "held now (\(Int(age)) s old): a write is under way"))
                continue
            }
            var finding = DoctorFinding(
                check: "locks", severity: .problem, file: path, message: "stale lock, \(Int(age / 60)) minutes old: writes to it fail until it goes",
                remedy: "--fix removes it")
            if fix, (try? FileManager.default.removeItem(atPath: path)) != nil {
                finding.fixed = true
                finding.remedy = "removed"
            }
            findings.append(finding)
        }
        if findings.isEmpty { findings.append(DoctorFinding(check: "locks", severity: .ok, message: "no lock files")) }
        return findings
    }

    // MARK: - Index

    func checkIndex(fix: Bool) -> [DoctorFinding] {
        let name = environment["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 } ?? EmbedderRegistry.defaultName
        let index: VectorIndex
        do {
            index = VectorIndex(pool: pool, embedder: try EmbedderRegistry.makeEmbedder(name: name))
        } catch {
            return [DoctorFinding(check: "index", severity: .problem, message: "embedder \(name) cannot start: \(error.oneLine)")]
        }
        var finding: DoctorFinding
        do {
            switch try index.health() {
            case .missing:
                return [DoctorFinding(check: "index", severity: .ok, file: index.path, message: "not built yet (the first search builds it)")]
            case .current(let count):
                return [DoctorFinding(check: "index", severity: .ok, file: index.path, message: "\(count) memories, up to date")]
            case .behind(let commit):
                finding = DoctorFinding(
                    check: "index", severity: .ok, file: index.path, message: "indexes \(commit.prefix(10)), behind the tip (the next search updates it)",
                    remedy: "--fix updates it")
            case .corrupt(let problem):
                finding = DoctorFinding(check: "index", severity: .problem, file: index.path, message: "\(problem)", remedy: "--fix rebuilds it")
            }
        } catch {
            return [DoctorFinding(check: "index", severity: .problem, file: index.path, message: error.oneLine)]
        }
        if fix {
            do {
                let (_, report) = try index.open(rebuild: finding.severity == .problem, verification: .full)
                finding.fixed = true
                finding.remedy = "\(report)"
            } catch {
                finding.remedy = "could not rebuild it: \(error.oneLine)"
            }
        }
        return [finding]
    }

    // MARK: - Hook and MCP configurations

    /// One place a configuration runs mnem.
    struct Reference {
        var agent: IntegrationAgent
        var scope: InstallScope
        var file: String
        var program: String
        var mcp: Bool
    }

    func references() -> [Reference] {
        var found: [Reference] = []
        let hooks = HookInstaller(home: home, projectRoot: projectRoot, mnem: "mnem", environment: environment)
        let mcp = MCPInstaller(home: home, projectRoot: projectRoot, mnem: "mnem", environment: environment)
        for agent in [IntegrationAgent.claudeCode, .codex, .gemini, .cursor] {
            for scope in InstallScope.allCases {
                for file in (try? hooks.settingsFiles(agent, scope: scope)) ?? [] {
                    guard let bytes = try? AtomicFile.read(file) else { continue }
                    let text = String(decoding: bytes, as: UTF8.self)
                    var programs: [String] = []
                    if file.hasSuffix(".toml") {
                        if let argv = CodexConfig.notifyArgv(text), ShellWords.isMnemHook(argv: argv), let program = argv.first { programs.append(program) }
                    } else if let json = try? JSONParser.parse(text) {
                        programs = Self.commands(in: json).filter(ShellWords.isMnemHook).compactMap { ShellWords.words($0, limit: 1).first }
                    }
                    for program in Set(programs).sorted() {
                        found.append(Reference(agent: agent, scope: scope, file: file, program: program, mcp: false))
                    }
                }
                if let program = mcp.installedCommand(agent, scope: scope), let file = try? mcp.configFile(agent, scope: scope) {
                    found.append(Reference(agent: agent, scope: scope, file: file, program: program, mcp: true))
                }
            }
        }
        if let directory = try? GitHooks.hooksDirectory(repositoryRoot: projectRoot) {
            for event in ["post-commit", "pre-commit"] {
                let file = directory + "/" + event
                guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains(GitHooks.marker),
                    let line = text.split(separator: "\n").first(where: { $0.contains(" hook git ") }),
                    let program = ShellWords.words(line.trimmingCharacters(in: .whitespaces), limit: 1).first
                else { continue }
                found.append(Reference(agent: .git, scope: .project, file: file, program: program, mcp: false))
            }
        }
        return found
    }

    /// Every `command` string in a hooks settings document.
    static func commands(in json: JSONValue) -> [String] {
        switch json {
        case .object(let members):
            return members.flatMap { key, value in
                key == "command" ? [value.stringValue].compactMap { $0 } : commands(in: value)
            }
        case .array(let items): return items.flatMap(commands(in:))
        default: return []
        }
    }

    func checkConfigurations(fix: Bool) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        var reinstalled: Set<String> = []
        for reference in references() {
            let what = reference.mcp ? "MCP server" : "hooks"
            let command = reference.mcp ? "mnem mcp install" : "mnem hooks install"
            let scopeFlag = reference.scope == .project && reference.agent != .git ? " --scope project" : ""
            let reinstall = "\(command) \(reference.agent.rawValue)\(scopeFlag)"
            let directory = reference.agent == .git ? projectRoot : (reference.scope == .project ? projectRoot : currentDirectory)
            let resolved = MnemExecutable.locate(reference.program, environment: environment, currentDirectory: directory)
            var finding: DoctorFinding
            if resolved == nil {
                finding = DoctorFinding(
                    check: "hooks", severity: .problem, file: reference.file,
                    message: "\(reference.agent.rawValue) \(what) run '\(reference.program)', which does not exist here", remedy: "--fix runs '\(reinstall)'")
            } else if MnemExecutable.isBuild(reference.program) {
                finding = DoctorFinding(
                    check: "hooks", severity: .warning, file: reference.file,
                    message: "\(reference.agent.rawValue) \(what) run a build directory's mnem (\(reference.program)), which teammates do not have",
                    remedy: "--fix runs '\(reinstall)'")
            } else {
                findings.append(DoctorFinding(check: "hooks", severity: .ok, file: reference.file, message: "\(reference.agent.rawValue) \(what) run \(reference.program)"))
                continue
            }
            if fix, let executable {
                let key = "\(reference.mcp) \(reference.agent.rawValue) \(reference.scope.rawValue)"
                do {
                    if !reinstalled.contains(key) {
                        if reference.mcp {
                            _ = try MCPInstaller(home: home, projectRoot: projectRoot, mnem: executable, environment: environment).install(reference.agent, scope: reference.scope)
                        } else {
                            _ = try HookInstaller(home: home, projectRoot: projectRoot, mnem: executable, environment: environment).install(reference.agent, scope: reference.scope)
                        }
                        reinstalled.insert(key)
                    }
                    finding.fixed = true
                    finding.remedy = "installed again, running \(executable)"
                } catch {
                    finding.remedy = "could not install again: \(error)"
                }
            }
            findings.append(finding)
        }
        if findings.isEmpty { findings.append(DoctorFinding(check: "hooks", severity: .ok, message: "no hook or MCP configuration runs mnem (see 'mnem hooks install', 'mnem mcp install')")) }
        return findings
    }

    // MARK: - Identity and remotes

    func checkIdentity() -> [DoctorFinding] {
        if let name = environment["MNEM_AUTHOR_NAME"], !name.isEmpty {
            return [DoctorFinding(check: "identity", severity: .ok, message: "commits are authored as \(name) (MNEM_AUTHOR_NAME)")]
        }
        if let signature = pool.repository.defaultSignature() {
            return [DoctorFinding(check: "identity", severity: .ok, message: "commits are authored as \(signature.name) <\(signature.email)> (git config)")]
        }
        let author = pool.defaultAuthor(environment: environment)
        return [DoctorFinding(
            check: "identity", severity: .warning,
            message: "no git identity: commits are authored as \(author.name) <\(author.email)>, taken from the environment",
            remedy: "git config --global user.name \"Your Name\" && git config --global user.email you@example.org")]
    }

    func checkRemotes() -> [DoctorFinding] {
        guard let remotes = try? pool.repository.remotes(), !remotes.isEmpty else {
            return [DoctorFinding(check: "remote", severity: .ok, message: "no remotes (see 'mnem remote add')")]
        }
        let credentials = RemoteCredentials.from(environment: environment)
        return remotes.map { remote in
            let advertisement: RemoteAdvertisement
            do {
                advertisement = try pool.repository.advertisement(ofRemote: remote.url, credentials: credentials)
            } catch {
                return DoctorFinding(check: "remote", severity: .warning, file: remote.url, message: "\(remote.name): cannot be read: \(error.oneLine)")
            }
            guard let head = advertisement.head else {
                return DoctorFinding(check: "remote", severity: .ok, file: remote.url, message: "\(remote.name): does not say what its HEAD names")
            }
            if advertisement.references.isEmpty {
                return DoctorFinding(check: "remote", severity: .ok, file: remote.url, message: "\(remote.name): empty; its HEAD names \(head)")
            }
            guard advertisement.headResolves else {
                let has = advertisement.references.keys.filter { $0.hasPrefix("refs/heads/") }.sorted()
                let target = has.contains(pool.branch) ? pool.branch : (has.first ?? pool.branch)
                return DoctorFinding(
                    check: "remote", severity: .problem, file: remote.url,
                    message: "\(remote.name): HEAD names \(head), which it does not have (it has \(has.joined(separator: ", "))): 'git clone' checks out nothing",
                    remedy: "in the remote repository: git symbolic-ref HEAD \(target)")
            }
            return DoctorFinding(check: "remote", severity: .ok, file: remote.url, message: "\(remote.name): HEAD names \(head)")
        }
    }
}
