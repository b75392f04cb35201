import Foundation
import MnemCore

/// Where a command reads and writes: the real process, or buffers in a test.
public final class Console: @unchecked Sendable {
    // @unchecked: the buffers are only touched under `lock`.
    private let lock = NSLock()
    private var outBuffer: [UInt8] = []
    private var errBuffer: [UInt8] = []
    private let capture: Bool
    public let environment: [String: String]
    public let currentDirectory: String
    private let stdinData: Data?
    private var stdinConsumed = false
    /// Whether standard output is a terminal (progress displays only then).
    public let isTerminal: Bool
    /// Whether long work may show its progress: the real process, with standard error a terminal.
    public var showsProgress: Bool { !capture && isatty(2) == 1 }

    /// The real process's streams and environment.
    public static func process() -> Console {
        Console(
            capture: false, environment: ProcessInfo.processInfo.environment,
            currentDirectory: FileManager.default.currentDirectoryPath, stdin: nil, isTerminal: isatty(1) == 1)
    }

    /// A console whose output is kept in memory, for tests.
    public static func captured(environment: [String: String] = [:], currentDirectory: String, stdin: Data = Data()) -> Console {
        Console(capture: true, environment: environment, currentDirectory: currentDirectory, stdin: stdin, isTerminal: false)
    }

    init(capture: Bool, environment: [String: String], currentDirectory: String, stdin: Data?, isTerminal: Bool) {
        self.capture = capture
        self.environment = environment
        self.currentDirectory = currentDirectory
        self.stdinData = stdin
        self.isTerminal = isTerminal
    }

    /// A line of text on standard output, control characters escaped (`TerminalText`): what it
    /// prints comes from memories, remotes and file names, none of which may drive the terminal.
    public func out(_ text: String) { write(TerminalText.escaped(text) + "\n", toError: false) }
    /// A line on standard error, escaped like `out`: refusals name remotes and paths.
    public func err(_ text: String) { write(TerminalText.escaped(text) + "\n", toError: true) }
    /// A JSON document on standard output: on a terminal, the characters JSON leaves raw (DEL,
    /// C1 controls, bidirectional overrides) as `\u` escapes, the same value; byte for byte elsewhere.
    public func outJSON(_ bytes: [UInt8]) { outRaw(isTerminal ? TerminalText.escapedJSON(bytes) : bytes) }
    /// Bytes as they are, for protocols (MCP, hook answers) whose reader is a program.
    public func outRaw(_ bytes: [UInt8]) {
        if capture {
            lock.withLock { outBuffer += bytes }
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
    }

    private func write(_ text: String, toError: Bool) {
        if capture {
            lock.withLock {
                if toError { errBuffer += Array(text.utf8) } else { outBuffer += Array(text.utf8) }
            }
        } else {
            (toError ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
        }
    }

    /// Everything on standard input.
    public func readStdin() -> Data {
        if let stdinData { return stdinData }
        return FileHandle.standardInput.readDataToEndOfFile()
    }

    /// Standard input as it arrives, a chunk at a time; empty at the end of input. For servers
    /// (`mnem mcp`) that must answer each line before the next one comes.
    public func readStdinChunk() -> Data {
        if stdinData != nil {
            return lock.withLock {
                defer { stdinConsumed = true }
                return stdinConsumed ? Data() : (stdinData ?? Data())
            }
        }
        return FileHandle.standardInput.availableData
    }

    public var stdout: String { lock.withLock { String(decoding: outBuffer, as: UTF8.self) } }
    public var stderr: String { lock.withLock { String(decoding: errBuffer, as: UTF8.self) } }

    /// Resolves a path argument against the console's working directory.
    public func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if path == "~" || path.hasPrefix("~/") {
            let home = environment["HOME"] ?? NSHomeDirectory()
            return home + path.dropFirst(1)
        }
        return (currentDirectory as NSString).appendingPathComponent(path)
    }
}

/// Options every command shares.
public struct GlobalOptions: Sendable {
    public var pool: String?
    public var json: Bool

    mutating func parse(_ args: inout Arguments) throws(UsageError) {
        if let pool = try args.option("--pool") { self.pool = pool }
        if args.flag("--json") { json = true }
    }
}

/// One subcommand: parse → validate → run.
public protocol Command: Sendable {
    static var name: String { get }
    static var abstract: String { get }
    /// The usage lines and option descriptions shown by `-h`.
    static var help: String { get }
    /// Whether the command reads the pool (and so accepts `--pool`), or writes JSON with `--json`.
    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError)
    func run(_ console: Console) throws -> Int32
}

/// The command-line interface: the one place that maps errors to exit codes.
public enum MnemCLI {
    public static let version = "0.1.0"

    public static let commands: [any Command.Type] = [
        InitCommand.self, AddCommand.self, ShowCommand.self, ListCommand.self, LogCommand.self,
        ForgetCommand.self, StatsCommand.self, CaptureCommand.self, ScanCommand.self, CompactCommand.self, DemoCommand.self,
        BenchCommand.self, IndexCommand.self, SearchCommand.self, ContextCommand.self, AnalyzeCommand.self,
        HooksCommand.self, HookCommand.self, MCPCommand.self, DoctorCommand.self, ExportCommand.self, CompletionCommand.self,
        ManPageCommand.self,
        RemoteCommand.self, PullCommand.self, PushCommand.self, SyncCommand.self, GcCommand.self,
    ]

    public enum ExitCode {
        public static let success: Int32 = 0
        public static let failure: Int32 = 1
        public static let usage: Int32 = 64
    }

    /// Runs `mnem` with `arguments` (without the program name).
    public static func run(_ arguments: [String], console: Console) -> Int32 {
        var global = GlobalOptions(pool: nil, json: false)
        do {
            var all = Arguments(arguments)
            try global.parse(&all)
            let wantsHelp = all.flag("-h", "--help")
            let wantsVersion = all.flag("--version")
            var rest = all.remaining
            if wantsVersion && rest.isEmpty || rest == ["version"] {
                console.out("mnem \(version)")
                return ExitCode.success
            }
            guard let first = rest.first else {
                console.out(overview)
                return wantsHelp ? ExitCode.success : ExitCode.usage
            }
            if first == "help" {
                if let topic = rest.dropFirst().first, let command = commands.first(where: { $0.name == topic }) {
                    console.out(helpText(command))
                } else {
                    console.out(overview)
                }
                return ExitCode.success
            }
            guard let command = commands.first(where: { $0.name == first }) else {
                throw UsageError(first.hasPrefix("-") ? "unknown option '\(first)'" : "unknown command '\(first)' (see 'mnem --help')")
            }
            if wantsHelp {
                console.out(helpText(command))
                return ExitCode.success
            }
            if wantsVersion { throw UsageError("unknown option '--version' for 'mnem \(command.name)'") }
            rest.removeFirst()
            TerminalProgress.install(for: console, json: global.json)
            var args = Arguments(rest)
            let instance = try command.init(parsing: &args, global: global)
            try args.finish()
            return try instance.run(console)
        } catch let error as UsageError {
            console.err("mnem: \(error.message)")
            // What agents and git run never fails them, even called wrongly.
            if arguments.first(where: { !$0.hasPrefix("-") }) == HookCommand.name { return ExitCode.success }
            return ExitCode.usage
        } catch {
            console.err("mnem: \(error.oneLine)")
            return ExitCode.failure
        }
    }

    static func helpText(_ command: any Command.Type) -> String {
        "mnem \(command.name): \(command.abstract)\n\n\(command.help)\n\nGlobal options:\n  --pool PATH   the pool to use (else $MNEM_POOL, a .mnem directory above, or ~/.local/share/mnem)\n  --json        machine-readable output\n  -h, --help    this help"
    }

    static var overview: String {
        var lines = [
            "mnem \(version): a git-native memory pool for coding agents",
            "",
            "Usage: mnem COMMAND [OPTIONS]",
            "",
            "Commands:",
        ]
        for command in commands {
            lines.append("  " + command.name.padding(toLength: 10, withPad: " ", startingAt: 0) + command.abstract)
        }
        lines += ["", "Run 'mnem COMMAND --help' for a command's options. 'mnem --version' prints the version."]
        return lines.joined(separator: "\n")
    }
}
