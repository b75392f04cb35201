import Foundation
import MnemCore
import MnemGit

/// How a capture run reads and what it writes.
public struct CaptureOptions: Sendable {
    /// Read every file as this format instead of detecting it.
    public var format: TranscriptFormat?
    /// The domain of every trajectory, instead of inferring it.
    public var domain: String?
    /// The outcome of every trajectory, instead of the format's signals.
    public var outcome: Outcome?
    /// Observations longer than this many characters are cut (error lines of the cut part kept).
    public var maxObservationLength = 2_000
    /// Inputs (commands, tool arguments) longer than this are cut.
    public var maxInputLength = 8_000
    /// Tasks longer than this are cut.
    public var maxTaskLength = 8_000
    /// Read, redact and report, but write nothing to the pool.
    public var dryRun = false
    /// `source.capturedAt`; the current time when nil. Not part of a memory's id.
    public var capturedAt: String?
    /// Extra tags for every trajectory.
    public var tags: [String] = []

    public init(
        format: TranscriptFormat? = nil, domain: String? = nil, outcome: Outcome? = nil, maxObservationLength: Int = 2_000,
        dryRun: Bool = false
    ) {
        self.format = format
        self.domain = domain
        self.outcome = outcome
        self.maxObservationLength = maxObservationLength
        self.dryRun = dryRun
    }
}

/// What a capture run did.
public struct CaptureSummary: Sendable {
    /// A trajectory added to the pool (or, in a dry run, that would be).
    public struct Captured: Sendable {
        public var id: MemoryID
        public var file: String
        public var format: TranscriptFormat
        public var agent: String?
        public var sessionId: String?
        public var steps: Int
        public var supersedes: [MemoryID]
    }

    /// A file, or a session of one, that gave no trajectory, and why.
    public struct Skipped: Sendable, Hashable {
        public var file: String
        /// The session within the file, when only that session was skipped.
        public var session: String?
        public var reason: String
    }

    /// A session already in the pool: the same trajectory, or one that contains it.
    public struct Unchanged: Sendable {
        public var id: MemoryID
        public var file: String
        public var sessionId: String?
        /// Why nothing was added (`already captured`, `contained in a longer capture`).
        public var reason: String
    }

    public var captured: [Captured] = []
    /// Trajectories already in the pool (same content, or the same session with nothing new).
    public var unchanged: [MemoryID] = []
    /// The sessions behind `unchanged` that this run read, with the file and the reason.
    public var unchangedSessions: [Unchanged] = []
    public var skipped: [Skipped] = []
    /// Lines skipped as corrupt (file, line, reason); at most 20 per file listed.
    public var warnings: [TranscriptError] = []
    public var corruptLineCount = 0
    /// Credentials redacted, by kind (never the credentials themselves).
    public var redactions: [String: Int] = [:]
    /// The commit the run made; nil when nothing was new or in a dry run.
    public var commit: String?
    /// The memories built (all of them, including unchanged ones), for dry runs and callers that show them.
    public var memories: [Memory] = []
    /// How many bytes of transcript were read.
    public var bytesRead = 0
}

/// A transcript file an installed agent left on this machine.
public struct DiscoveredTranscript: Sendable, Hashable {
    public var agent: String
    public var path: String
}

/// Turns agent session files into trajectory memories and adds them to a pool in one commit.
///
/// Files are read one at a time: JSON Lines transcripts and Aider histories are streamed line by
/// line; every string is redacted before it is kept, observations are trimmed as they are read,
/// and the pool gets one commit for the whole run, or none.
public struct Capturer {
    public var options: CaptureOptions
    let pool: Pool?
    /// When this run started: every memory's `capturedAt` unless the options give one.
    let startedAt = Capturer.now()
    /// Called before each file is read, with its 1-based number, the file count and the path.
    public var progress: ((Int, Int, String) -> Void)?

    /// - Parameter pool: the pool to add to; nil reads and reports only (like `dryRun`).
    public init(pool: Pool?, options: CaptureOptions = CaptureOptions()) {
        self.pool = pool
        self.options = options
    }

    /// Captures every transcript in `paths` (files, or directories searched recursively).
    ///
    /// - Returns: what was captured, unchanged and skipped, with warnings and redaction counts.
    /// - Throws: only pool errors (reading the pool or committing); a bad file is reported in
    ///   `skipped`, never thrown, so the other files are still captured.
    public func capture(paths: [String]) throws -> CaptureSummary {
        var summary = CaptureSummary()
        var built: [(memory: Memory, file: String, format: TranscriptFormat)] = []
        let files = expand(paths, summary: &summary)
        for (n, file) in files.enumerated() {
            progress?(n + 1, files.count, file)
            read(file, into: &summary, built: &built)
        }
        let (captures, indexState) = try earlierCaptures(for: built.map(\.memory))
        var known = captures
        var toAdd: [Memory] = []
        // What the new captures extend leaves the tip in the same commit: it is their prefix, so
        // nothing is lost (history keeps it), and search never offers a session twice.
        var replacedAtTip: [MemoryID] = []
        var seen = Set<MemoryID>()
        for (memory, file, format) in built {
            var memory = memory
            if let key = SessionIdentity.key(memory) {
                let earlier = known[key] ?? []
                if let (kept, reason) = container(of: memory, among: earlier) {
                    summary.unchanged.append(kept.id)
                    summary.unchangedSessions.append(.init(id: kept.id, file: file, sessionId: memory.source.sessionId, reason: reason))
                    summary.memories.append(memory)
                    continue
                }
                // Replace only what this capture extends; a run it does not contain stays.
                let replaced = earlier.filter { SessionIdentity.extends(memory, $0) }
                let alreadyReplaced = Set(earlier.flatMap(\.supersedes))
                let supersedes = replaced.map(\.id).filter { !alreadyReplaced.contains($0) }.sorted()
                if !supersedes.isEmpty {
                    memory.supersedes = supersedes
                    memory.refreshID()
                }
                replacedAtTip += replaced.map(\.id)
                known[key, default: []].append(memory)
            }
            guard seen.insert(memory.id).inserted else { continue }
            summary.memories.append(memory)
            toAdd.append(memory)
            summary.captured.append(
                CaptureSummary.Captured(
                    id: memory.id, file: file, format: format, agent: memory.source.agent, sessionId: memory.source.sessionId,
                    steps: stepCount(memory), supersedes: memory.supersedes))
        }
        guard !toAdd.isEmpty, !options.dryRun, let pool else { return summary }
        let result = try pool.apply(adding: toAdd, removing: replacedAtTip, info: CommitInfo(summary: commitSummary(toAdd)))
        let added = Set(result.added)
        summary.unchanged.append(contentsOf: result.unchanged)
        summary.captured.removeAll { !added.contains($0.id) }
        summary.commit = result.commit?.description
        // The index follows the commit without reading back what this run wrote; if it cannot,
        // it is stale, and the next run brings it up to date from the tree diff.
        if let commit = result.commit, let state = indexState {
            try? state.index.advance(from: (state.commit, state.entries), to: commit, adding: toAdd)
        }
        return summary
    }

    /// Reads one file into memories (no pool involved): detection, parsing, redaction.
    func read(_ file: String, into summary: inout CaptureSummary, built: inout [(memory: Memory, file: String, format: TranscriptFormat)]) {
        let format: TranscriptFormat
        var loaded: (JSONValue, String)?
        if let forced = options.format {
            format = forced
        } else {
            let (detection, document) = FormatDetector.detectAndLoad(path: file)
            loaded = document
            switch detection {
            case .format(let detected): format = detected
            case .empty:
                summary.skipped.append(.init(file: file, session: nil, reason: "empty file"))
                return
            case .binary:
                summary.skipped.append(.init(file: file, session: nil, reason: "binary file"))
                return
            case .unreadable(let why):
                summary.skipped.append(.init(file: file, session: nil, reason: "unreadable: \(why)"))
                return
            case .unknown(let why):
                summary.skipped.append(.init(file: file, session: nil, reason: "unknown format: \(why)"))
                return
            }
        }
        var text = StepText(
            maxObservationLength: options.maxObservationLength, maxInputLength: options.maxInputLength,
            maxTaskLength: options.maxTaskLength, redactor: Redactor())
        let result: ReadResult
        do {
            let reader = FormatDetector.reader(for: format)
            if let (document, digest) = loaded, let documentReader = reader as? any DocumentReader.Type {
                result = try documentReader.read(document: document, path: file, digest: digest, text: &text)
            } else {
                result = try reader.read(file, text: &text)
            }
        } catch let error as TranscriptError {
            summary.skipped.append(.init(file: file, session: nil, reason: error.description))
            return
        } catch {
            summary.skipped.append(.init(file: file, session: nil, reason: "unreadable: \(error)"))
            return
        }
        summary.warnings.append(contentsOf: result.corruptLines)
        summary.corruptLineCount += result.corruptLineCount
        summary.bytesRead += fileSize(file)
        if result.sessions.isEmpty {
            let reason = result.corruptLineCount > 0 ? "no readable records (\(result.corruptLineCount) corrupt lines)" : "no sessions"
            summary.skipped.append(.init(file: file, session: nil, reason: reason))
        }
        for (n, session) in result.sessions.enumerated() {
            guard !session.steps.isEmpty else {
                summary.skipped.append(.init(file: file, session: session.source.sessionId ?? "#\(n + 1)", reason: "no tool steps"))
                continue
            }
            built.append((memory(from: session, digest: result.digest, redactor: &text.redactor), file, format))
        }
        for (kind, count) in text.redactor.counts { summary.redactions[kind, default: 0] += count }
    }

    /// The memory of a session: domain, outcome and overrides applied, every string redacted once more.
    func memory(from session: CapturedSession, digest: String?, redactor: inout Redactor) -> Memory {
        var source = session.source
        source.transcriptDigest = digest
        source.capturedAt = options.capturedAt ?? startedAt
        let roles = session.steps.map(StepRole.of)
        let domain: String
        var how: String?
        if let given = options.domain, !given.isEmpty {
            domain = given
        } else {
            (domain, how) = DomainInference.infer(session, roles: roles)
        }
        var (outcome, evidence) = OutcomeInference.decide(session, roles: roles)
        if let forced = options.outcome {
            outcome = forced
            evidence = OutcomeEvidence(signal: .given, detail: "given on the command line")
        }
        var tags = session.tags + options.tags
        tags = Array(Set(tags)).sorted()

        // Source fields come straight from the file: redacted and kept to a sane length.
        func clean(_ s: String?) -> String? { s.map { ObservationTrimmer.cut(redactor.redact($0), limit: 1_024) } }
        // Reasoning, the first message and the result reached the session through `StepText`
        // (redacted, then cut); what is left to do is to keep empty ones out.
        func cleanText(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
        source.agent = clean(source.agent)
        source.agentVersion = clean(source.agentVersion)
        source.model = clean(source.model)
        source.models = source.models.prefix(20).map { ObservationTrimmer.cut(redactor.redact($0), limit: 256) }
        source.sessionId = clean(source.sessionId)
        source.repository = clean(source.repository)
        source.branch = clean(source.branch)
        source.commit = clean(source.commit)
        source.workingDirectory = clean(source.workingDirectory)
        // Times are whatever the file says they are (found by fuzzing: "password=…" in a timestamp).
        source.startedAt = clean(source.startedAt)
        source.endedAt = clean(source.endedAt)
        let steps = session.steps.map { step in
            TrajectoryStep(
                tool: redactor.redact(step.tool), input: redactor.redact(step.input), observation: redactor.redact(step.observation),
                exitStatus: step.exitStatus, isError: step.isError, timestamp: step.timestamp.map { ObservationTrimmer.cut(redactor.redact($0), limit: 1_024) }, reasoning: cleanText(step.reasoning))
        }
        let result = TrajectoryResult(patch: cleanText(session.patch), finalMessage: cleanText(session.finalMessage))
        let trajectory = Trajectory(steps: steps, firstUserMessage: cleanText(session.firstUserMessage), result: result.isEmpty ? nil : result)
        if let detail = evidence?.detail { evidence?.detail = ObservationTrimmer.cut(redactor.redact(detail), limit: 1_024) }
        return Memory(
            body: .trajectory(trajectory), task: redactor.redact(session.task),
            domain: ObservationTrimmer.cut(redactor.redact(domain), limit: 256),
            domainInference: how.map { ObservationTrimmer.cut(redactor.redact($0), limit: 1_024) }, outcome: outcome,
            outcomeEvidence: evidence, source: source,
            tags: tags.map { ObservationTrimmer.cut(redactor.redact($0), limit: 256) })
    }

    // MARK: - Sessions already in the pool

    /// Trajectories in the pool of the same agent and session as one of `memories`, by session
    /// key, found through the session index (read in full only when the index cannot be used),
    /// and the index as this run found it, to be moved past the run's commit.
    func earlierCaptures(for memories: [Memory]) throws -> (captures: [String: [Memory]], index: IndexState?) {
        guard let pool else { return ([:], nil) }
        let wanted = Set(memories.compactMap(SessionIdentity.key))
        guard !wanted.isEmpty else { return ([:], nil) }
        let index = SessionIndex(pool: pool)
        guard let (commit, entries, _) = try? index.current() else {
            return (try scanForSessions(wanted), nil)
        }
        var out: [String: [Memory]] = [:]
        guard let commit else { return (out, IndexState(index: index, commit: commit, entries: entries)) }
        let tree = try pool.repository.commit(commit).tree
        for (key, ids) in SessionIndex.ids(for: wanted, in: entries) {
            for id in ids {
                let path = MemoryPath.path(kind: .trajectory, id: id)
                guard let file = try pool.repository.treeEntry(atPath: path, in: tree) else { continue }
                let memory = try pool.readMemory(blob: file.id, path: path)
                // A collision of the key's hash prefix: the memory says which session it is.
                if SessionIdentity.key(memory) == key { out[key, default: []].append(memory) }
            }
        }
        return (out, IndexState(index: index, commit: commit, entries: entries))
    }

    /// The session index as a run found it.
    struct IndexState {
        var index: SessionIndex
        var commit: ObjectID?
        var entries: [SessionIndex.Entry]
    }

    /// Every trajectory of the pool read, for the sessions in `wanted`: what the index spares.
    func scanForSessions(_ wanted: Set<String>) throws -> [String: [Memory]] {
        guard let pool, !wanted.isEmpty else { return [:] }
        var out: [String: [Memory]] = [:]
        for memory in try pool.memories(kinds: [.trajectory]) {
            if let key = SessionIdentity.key(memory), wanted.contains(key) { out[key, default: []].append(memory) }
        }
        return out
    }

    /// An earlier capture that already holds all of `memory`, and why; nil when `memory` adds something.
    ///
    /// The same task and steps; or steps that are a prefix of an earlier capture's (an older
    /// copy of a transcript captured after a newer one), unless they are the same steps and
    /// `memory` ended later (the session went on without a tool call: a final message) or is in
    /// a newer format (it keeps what the older capture could not).
    func container(of memory: Memory, among earlier: [Memory]) -> (Memory, String)? {
        if let same = earlier.first(where: { sameTrajectory($0, memory) }) { return (same, "already captured") }
        for candidate in earlier where SessionIdentity.extends(candidate, memory) {
            let fewerSteps = stepCount(memory) < stepCount(candidate)
            let endedEarlier = (memory.source.endedAt ?? "") <= (candidate.source.endedAt ?? "")
            // A capture in an older format of the same steps is replaced: this one keeps more.
            let newerFormat = memory.version > candidate.version
            if fewerSteps || (endedEarlier && !newerFormat) { return (candidate, "contained in a longer capture of the session") }
        }
        return nil
    }

    /// The same task and steps: a re-capture of an unchanged session from a file that changed elsewhere.
    func sameTrajectory(_ a: Memory, _ b: Memory) -> Bool {
        a.task == b.task && a.body == b.body
    }

    func stepCount(_ memory: Memory) -> Int {
        if case .trajectory(let t) = memory.body { return t.steps.count }
        return 0
    }

    func commitSummary(_ memories: [Memory]) -> String {
        let agents = Array(Set(memories.compactMap(\.source.agent))).sorted().joined(separator: ", ")
        let sessions = memories.compactMap { $0.source.sessionId.map { String($0.prefix(40)) } }
        var line = "capture: \(memories.count) trajector\(memories.count == 1 ? "y" : "ies") from \(agents.isEmpty ? "unknown agent" : agents)"
        if !sessions.isEmpty {
            let shown = sessions.prefix(3).joined(separator: ", ")
            line += " (session\(sessions.count == 1 ? "" : "s") \(shown)\(sessions.count > 3 ? ", …" : ""))"
        }
        return line
    }

    // MARK: - Files

    /// Files under `paths`: files as given, directories walked recursively (sorted; `.git` skipped).
    func expand(_ paths: [String], summary: inout CaptureSummary) -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                summary.skipped.append(.init(file: path, session: nil, reason: "unreadable: no such file or directory"))
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            guard let walker = fm.enumerator(atPath: path) else {
                summary.skipped.append(.init(file: path, session: nil, reason: "unreadable: cannot list the directory"))
                continue
            }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                if relative.hasPrefix(".git/") || relative == ".git" || relative.contains("/.git/") {
                    walker.skipDescendants()
                    continue
                }
                let full = (path as NSString).appendingPathComponent(relative)
                var sub: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &sub) {
                    if !sub.boolValue { found.append(full) }
                } else {
                    summary.skipped.append(.init(file: full, session: nil, reason: "unreadable: a link to nothing"))
                }
            }
            files.append(contentsOf: found.sorted())
        }
        return files
    }

    /// The files `capture(paths:)` would read: files as given, directories walked recursively
    /// (sorted; `.git` skipped). Unreadable paths are left out.
    public func files(under paths: [String]) -> [String] {
        var ignored = CaptureSummary()
        return expand(paths, summary: &ignored)
    }

    func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }

    // MARK: - Discovery

    /// Session files of the agents installed for the user at `home`, and Aider's history in the
    /// repository around `cwd`.
    ///
    /// Claude Code `~/.claude/projects/**/*.jsonl`; Codex `$CODEX_HOME/sessions/**/rollout-*.jsonl`
    /// (`CODEX_HOME` defaults to `~/.codex`); Gemini CLI `~/.gemini/tmp/*/chats/session-*.json`;
    /// Aider `.aider.chat.history.md` in `cwd` or its repository's root.
    public static func discover(home: String, cwd: String, environment: [String: String] = [:]) -> [DiscoveredTranscript] {
        var out: [DiscoveredTranscript] = []
        func walk(_ root: String, agent: String, _ accept: (String) -> Bool) {
            guard let walker = FileManager.default.enumerator(atPath: root) else { return }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                if accept(relative) { found.append((root as NSString).appendingPathComponent(relative)) }
            }
            out.append(contentsOf: found.sorted().map { DiscoveredTranscript(agent: agent, path: $0) })
        }
        walk((home as NSString).appendingPathComponent(".claude/projects"), agent: "claude-code") { $0.hasSuffix(".jsonl") }
        let codexHome = environment["CODEX_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (home as NSString).appendingPathComponent(".codex")
        walk((codexHome as NSString).appendingPathComponent("sessions"), agent: "codex") { relative in
            let name = (relative as NSString).lastPathComponent
            return name.hasPrefix("rollout-") && name.hasSuffix(".jsonl")
        }
        walk((home as NSString).appendingPathComponent(".gemini/tmp"), agent: "gemini-cli") { relative in
            let parts = relative.split(separator: "/")
            return parts.count == 3 && parts[1] == "chats" && parts[2].hasPrefix("session-") && parts[2].hasSuffix(".json")
        }
        var directory = URL(fileURLWithPath: cwd).standardizedFileURL
        var candidates = [directory.appendingPathComponent(".aider.chat.history.md").path]
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) {
                candidates.append(directory.appendingPathComponent(".aider.chat.history.md").path)
                break
            }
            directory = directory.deletingLastPathComponent()
        }
        for candidate in Set(candidates).sorted() where FileManager.default.fileExists(atPath: candidate) {
            out.append(DiscoveredTranscript(agent: "aider", path: candidate))
        }
        return out
    }
}
