import MnemCore

/// Reads Aider's `.aider.chat.history.md`, line by line; every `# aider chat started at` run is a session.
///
/// - Steps, in file order: `> Applied edit to <path>` (tool `edit`; input the path and the
///   block the reply gave for it: SEARCH/REPLACE after the path or with the path inside the
///   fence, a whole file, or a unified diff), a command the user ran
///   (`#### /run CMD` or `#### !CMD`) or agreed to run from the model's suggestions
///   (`> Running CMD`) (tool `shell`), `> Commit <sha> <message>` (tool `git-commit`).
///   Aider keeps no command output in the history (it only says how many lines it added to
///   the chat), so a shell step's observation is empty and its status unknown; its own
///   console lines (`Added 3 lines of output…`, `You can use /undo…`, the next suggestion)
///   are not output.
/// - Reasoning: the reply's prose before its edits and commands; the last reply's prose is the
///   final message. Patch: the edits that were applied, as diffs.
/// - Task: the first user input (`#### ` lines, joined) that is not a slash command; `/ask`,
///   `/code` and `/architect` count with their arguments; later inputs are replies.
/// - Model: `> Main model: X with …` (or `> Model: X with …`); version `> Aider vX`; files
///   named in `> Added X to the chat.`; the working directory from `> Git repository created in X`.
/// - Session id: `aider@<start time>`; start time from the header (local time, no zone).
enum AiderChatHistory: TranscriptReader {
    static let format = TranscriptFormat.aider
    static let header = "# aider chat started at "
    static let taskCommands = ["/ask ", "/code ", "/architect "]

    /// One run's state while its lines are read; a class, so a line's update neither copies it nor its arrays.
    final class Run {
        var builder = SessionBuilder(format: AiderChatHistory.format)
        var userLines: [String] = []
        var inUserBlock = false
        /// The reply's edit blocks, by path, waiting for `Applied edit to`.
        var blocks: [String: [String]] = [:]
        var previousLine = ""
        var fence: String?
        var fencePath: String?
        var fenceBody: [String] = []
        /// The reply's prose (outside its fences) not yet given to a step.
        var prose: [String] = []
        /// A `/run` typed before the task, offered as the task if nothing else is.
        var firstRun: String?
        /// Whether the user has typed anything yet in this run.
        var sawUser = false
    }

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var reader = try LineReader(path: path)
        var run: Run?
        var sawHeader = false

        func takeProse(_ run: Run, text: inout StepText) {
            guard !run.prose.isEmpty else { return }
            let said = run.prose.joined(separator: "\n")
            run.builder.noteReasoning(said, text: &text)
            run.builder.noteAgentText(said)
            run.prose = []
        }
        func finishUser(_ run: Run, text: inout StepText) {
            guard run.inUserBlock else { return }
            run.inUserBlock = false
            let input = run.userLines.joined(separator: "\n").trimmingWhitespace
            run.userLines = []
            guard !input.isEmpty else { return }
            if let command = shellCommand(input) {
                if run.builder.session.task.isEmpty, run.firstRun == nil { run.firstRun = input }
                let index = run.builder.addStep(tool: "shell", input: text.input(command))
                if index >= 0 { run.builder.session.unrecordedOutput.insert(index) }
                return
            }
            var typed = input
            if input.hasPrefix("/") {
                guard let command = taskCommands.first(where: { input.hasPrefix($0) }) else { return }
                typed = String(input.dropFirst(command.count))
            }
            run.builder.noteUserMessage(typed, text: &text)
        }
        func finishRun(_ run: inout Run?, text: inout StepText, into result: inout ReadResult) {
            guard let current = run else { return }
            finishUser(current, text: &text)
            takeProse(current, text: &text)
            if current.builder.session.task.isEmpty, let firstRun = current.firstRun {
                current.builder.offerTask(text.task(firstRun))
                current.builder.offerFirstUserMessage(firstRun, text: &text)
            }
            result.sessions.append(current.builder.finish(text: &text))
            run = nil
        }

        while let line: String = try reader.next({ bytes in
            guard let bytes else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }) {
            let trimmedLine = line.hasSuffix("  ") ? String(line.dropLast(2)) : line
            if trimmedLine.hasPrefix(header) {
                finishRun(&run, text: &text, into: &result)
                sawHeader = true
                let next = Run()
                // `2024-05-26 01:03:32`, as aider writes it; anything else is not a time and names no session.
                let started = String(trimmedLine.dropFirst(header.count)).trimmingWhitespace
                if started.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?/) != nil {
                    let iso = started.replacingOccurrences(of: " ", with: "T")
                    next.builder.noteTime(iso)
                    next.builder.session.source.sessionId = "aider@\(iso)"
                }
                run = next
                continue
            }
            guard let current = run else { continue }
            if trimmedLine.hasPrefix("#### ") || trimmedLine == "####" {
                if !current.inUserBlock { takeProse(current, text: &text) }
                current.inUserBlock = true
                current.sawUser = true
                current.userLines.append(String(trimmedLine.dropFirst(min(5, trimmedLine.count))))
                current.blocks = [:]
                continue
            }
            finishUser(current, text: &text)
            if trimmedLine.hasPrefix("> ") {
                let console = String(trimmedLine.dropFirst(2))
                if console.hasPrefix("Aider v") {
                    current.builder.session.source.agentVersion = String(console.dropFirst("Aider v".count))
                } else if console.hasPrefix("Main model: ") || console.hasPrefix("Model: ") {
                    let rest = console.drop(while: { $0 != ":" }).dropFirst(2)
                    let model = rest.components(separatedBy: " with ").first ?? String(rest)
                    current.builder.noteModel(model)
                } else if console.hasPrefix("Applied edit to ") {
                    let file = String(console.dropFirst("Applied edit to ".count))
                    let blocks = current.blocks.removeValue(forKey: file) ?? []
                    takeProse(current, text: &text)
                    for block in blocks {
                        let root = current.builder.session.source.workingDirectory
                        current.builder.addPatch(patch(file: file, block: block, root: root), limit: text.maxPatchLength)
                    }
                    let input = blocks.isEmpty ? file : file + "\n" + blocks.joined(separator: "\n")
                    let index = current.builder.addStep(tool: "edit", input: text.input(input))
                    current.builder.setResult(index, observation: console)
                    current.builder.session.touchedFiles.append(file)
                } else if console.hasPrefix("Commit ") {
                    let index = current.builder.addStep(tool: "git-commit", input: text.input(String(console.dropFirst("Commit ".count))))
                    current.builder.setResult(index, observation: text.observation(console))
                } else if console.hasPrefix("Running ") {
                    takeProse(current, text: &text)
                    let index = current.builder.addStep(tool: "shell", input: text.input(String(console.dropFirst("Running ".count))))
                    if index >= 0 { current.builder.session.unrecordedOutput.insert(index) }
                } else if console.hasPrefix("Added "), console.hasSuffix(" to the chat."), !console.contains(" of output ") {
                    let file = String(console.dropFirst("Added ".count).dropLast(" to the chat.".count))
                    if !file.contains(" ") { current.builder.session.touchedFiles.append(file) }
                } else if console.hasPrefix("Git repository created in ") {
                    current.builder.session.source.workingDirectory = String(console.dropFirst("Git repository created in ".count))
                }
                continue
            }
            // Assistant text: collect fenced blocks that follow a path line, and the prose around them.
            if let fence = current.fence {
                if trimmedLine == fence {
                    if let (path, block) = editBlock(path: current.fencePath, body: current.fenceBody) {
                        current.blocks[path, default: []].append(block)
                    }
                    current.fence = nil
                    current.fencePath = nil
                    current.fenceBody = []
                } else {
                    current.fenceBody.append(trimmedLine)
                }
            } else if trimmedLine.hasPrefix("```") {
                current.fence = String(trimmedLine.prefix(while: { $0 == "`" }))
                let candidate = current.previousLine.trimmingWhitespace
                current.fencePath = looksLikePath(candidate) ? candidate : nil
                if current.fencePath != nil, current.prose.last?.trimmingWhitespace == candidate { current.prose.removeLast() }
            } else if current.sawUser, !trimmedLine.isEmpty || !(current.prose.last?.isEmpty ?? true) {
                // Text before the first input is aider's own (a wrapped command line), not a reply.
                current.prose.append(trimmedLine)
            }
            current.previousLine = trimmedLine
        }
        finishRun(&run, text: &text, into: &result)
        result.digest = reader.digest()
        guard sawHeader else {
            throw TranscriptError(file: path, line: 0, reason: "no '\(header)' line: not an Aider chat history")
        }
        return result
    }

    /// The file and edit of a fenced block: after a path line (whole and diff formats), with the
    /// path as the fence's first line (diff-fenced), or a unified diff naming it (udiff).
    static func editBlock(path: String?, body: [String]) -> (String, String)? {
        if let path { return (path, body.joined(separator: "\n")) }
        guard body.count >= 2 else { return nil }
        let first = body[0].trimmingWhitespace
        if body[1].hasPrefix("<<<<<<< SEARCH"), looksLikePath(first) {
            return (first, body.dropFirst().joined(separator: "\n"))
        }
        if body[0].hasPrefix("--- "), body[1].hasPrefix("+++ ") {
            var target = String(body[1].dropFirst(4)).trimmingWhitespace
            if target.hasPrefix("b/") { target = String(target.dropFirst(2)) }
            if looksLikePath(target) { return (target, body.joined(separator: "\n")) }
        }
        return nil
    }

    /// The command of a `/run CMD` or `!CMD` input, else nil.
    static func shellCommand(_ input: String) -> String? {
        if input.hasPrefix("/run ") { return String(input.dropFirst(5)).trimmingWhitespace }
        if input.hasPrefix("!"), input.count > 1 { return String(input.dropFirst()).trimmingWhitespace }
        return nil
    }

    /// The diff of one applied edit block: SEARCH/REPLACE pairs as replacements, a whole-file
    /// block as the file's new content.
    static func patch(file: String, block: String, root: String?) -> String {
        if block.hasPrefix("--- ") {
            // Already a diff (udiff format); aider's hunks have no line numbers (`@@ ... @@`).
            let p = PatchText.relative(file, to: root)
            return "diff --git a/\(p) b/\(p)\n" + block + (block.hasSuffix("\n") ? "" : "\n")
        }
        guard ByteSearch.contains(block, "<<<<<<< SEARCH") else { return PatchText.replacement(path: file, old: "", new: block, root: root) }
        var out = Array(PatchText.header(PatchText.relative(file, to: root)).utf8)
        var text = block
        text.withUTF8 { b in
            func starts(_ line: Slice<UnsafeBufferPointer<UInt8>>, _ marker: StaticString) -> Bool {
                line.count >= marker.utf8CodeUnitCount && line.prefix(marker.utf8CodeUnitCount).elementsEqual(UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount))
            }
            var state = 0  // 0 outside, 1 the SEARCH part, 2 the REPLACE part
            var start = 0
            while start < b.count {
                var end = start
                while end < b.count, b[end] != 0x0A { end += 1 }
                let line = b[start..<end]
                switch state {
                case 0:
                    if starts(line, "<<<<<<< SEARCH") {
                        out += Array("@@ @@\n".utf8)
                        state = 1
                    }
                case 1 where starts(line, "======="):
                    state = 2
                case 2 where starts(line, ">>>>>>> REPLACE"):
                    state = 0
                default:
                    // A line of the SEARCH part is removed, of the REPLACE part added.
                    out.append(state == 1 ? 0x2D : 0x2B)
                    out += line
                    out.append(0x0A)
                }
                start = end + 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func looksLikePath(_ s: String) -> Bool {
        !s.isEmpty && s.count < 200 && !s.contains(" ") && (s.contains(".") || s.contains("/")) && !s.hasPrefix("`")
    }
}
