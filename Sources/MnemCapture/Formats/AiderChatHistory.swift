import MnemCore

/// Reads Aider's `.aider.chat.history.md`, line by line; every `# aider chat started at` run is a session.
///
/// - Steps, in file order: `> Applied edit to <path>` (tool `edit`; input the path and the
///   SEARCH/REPLACE or whole-file block the reply gave for it), `> Running <command>` (tool
///   `shell`; observation the console lines after it), `> Commit <sha> <message>` (tool `git-commit`).
///   Aider does not record shell output in the history, nor failed edits as applied.
/// - Task: the first user input (`#### ` lines, joined) that is not a slash command; `/ask`,
///   `/code`, `/architect` and `/run` count with their arguments.
/// - Model: `> Main model: X with …` (or `> Model: X with …`); version `> Aider vX`.
/// - Session id: `aider@<start time>`; start time from the header (local time, no zone).
enum AiderChatHistory: TranscriptReader {
    static let format = TranscriptFormat.aider
    static let header = "# aider chat started at "
    static let taskCommands = ["/ask ", "/code ", "/architect ", "/run "]

    struct Run {
        var builder = SessionBuilder(format: AiderChatHistory.format)
        var userLines: [String] = []
        var inUserBlock = false
        /// The reply's edit blocks, by path, waiting for `Applied edit to`.
        var blocks: [String: [String]] = [:]
        var previousLine = ""
        var fence: String?
        var fencePath: String?
        var fenceBody: [String] = []
        var shellIndex: Int?
        var shellOutput: [String] = []
    }

    static func read(_ path: String, text: inout StepText) throws -> ReadResult {
        var result = ReadResult()
        var reader = try LineReader(path: path)
        var run: Run?
        var sawHeader = false

        func finishShell(_ run: inout Run, text: inout StepText) {
            guard let index = run.shellIndex else { return }
            run.builder.setResult(index, observation: text.observation(run.shellOutput.joined(separator: "\n")))
            run.shellIndex = nil
            run.shellOutput = []
        }
        func finishUser(_ run: inout Run, text: inout StepText) {
            guard run.inUserBlock else { return }
            run.inUserBlock = false
            let input = run.userLines.joined(separator: "\n").trimmingWhitespace
            run.userLines = []
            guard run.builder.session.task.isEmpty, !input.isEmpty else { return }
            if input.hasPrefix("/") {
                guard let command = taskCommands.first(where: { input.hasPrefix($0) }) else { return }
                run.builder.offerTask(text.task(String(input.dropFirst(command.count))))
            } else {
                run.builder.offerTask(text.task(input))
            }
        }
        func finishRun(_ run: inout Run?, text: inout StepText, into result: inout ReadResult) {
            guard var current = run else { return }
            finishShell(&current, text: &text)
            finishUser(&current, text: &text)
            result.sessions.append(current.builder.finish())
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
                var next = Run()
                let started = String(trimmedLine.dropFirst(header.count)).trimmingWhitespace
                let iso = started.replacingOccurrences(of: " ", with: "T")
                next.builder.noteTime(iso)
                next.builder.session.source.sessionId = "aider@\(iso)"
                run = next
                continue
            }
            guard var current = run else { continue }
            run = nil  // so the run's arrays are uniquely referenced while this line updates them
            defer { run = current }
            if trimmedLine.hasPrefix("#### ") || trimmedLine == "####" {
                finishShell(&current, text: &text)
                current.inUserBlock = true
                current.userLines.append(String(trimmedLine.dropFirst(min(5, trimmedLine.count))))
                current.blocks = [:]
                continue
            }
            finishUser(&current, text: &text)
            if trimmedLine.hasPrefix("> ") {
                let console = String(trimmedLine.dropFirst(2))
                if console.hasPrefix("Aider v") {
                    current.builder.session.source.agentVersion = String(console.dropFirst("Aider v".count))
                } else if console.hasPrefix("Main model: ") || console.hasPrefix("Model: ") {
                    let rest = console.drop(while: { $0 != ":" }).dropFirst(2)
                    let model = rest.components(separatedBy: " with ").first ?? String(rest)
                    current.builder.noteModel(model)
                } else if console.hasPrefix("Applied edit to ") {
                    finishShell(&current, text: &text)
                    let file = String(console.dropFirst("Applied edit to ".count))
                    let blocks = current.blocks.removeValue(forKey: file) ?? []
                    let input = blocks.isEmpty ? file : file + "\n" + blocks.joined(separator: "\n")
                    let index = current.builder.addStep(tool: "edit", input: text.input(input))
                    current.builder.setResult(index, observation: console)
                } else if console.hasPrefix("Commit ") {
                    finishShell(&current, text: &text)
                    let index = current.builder.addStep(tool: "git-commit", input: text.input(String(console.dropFirst("Commit ".count))))
                    current.builder.setResult(index, observation: text.observation(console))
                } else if console.hasPrefix("Running ") {
                    finishShell(&current, text: &text)
                    current.shellIndex = current.builder.addStep(tool: "shell", input: text.input(String(console.dropFirst("Running ".count))))
                } else if current.shellIndex != nil, !console.contains("(Y)es/(N)o") {
                    current.shellOutput.append(console)
                }
                continue
            }
            // Assistant text: collect fenced blocks that follow a path line.
            if let fence = current.fence {
                if trimmedLine == fence {
                    if let path = current.fencePath {
                        current.blocks[path, default: []].append(current.fenceBody.joined(separator: "\n"))
                    }
                    current.fence = nil
                    current.fencePath = nil
                    current.fenceBody = []
                } else if current.fencePath != nil {
                    current.fenceBody.append(trimmedLine)
                }
            } else if trimmedLine.hasPrefix("```") {
                current.fence = String(trimmedLine.prefix(while: { $0 == "`" }))
                let candidate = current.previousLine.trimmingWhitespace
                current.fencePath = looksLikePath(candidate) ? candidate : nil
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

    static func looksLikePath(_ s: String) -> Bool {
        !s.isEmpty && s.count < 200 && !s.contains(" ") && (s.contains(".") || s.contains("/")) && !s.hasPrefix("`")
    }
}
