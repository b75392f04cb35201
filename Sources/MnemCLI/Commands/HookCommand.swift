import Foundation
import MnemIntegrations

/// `mnem hook AGENT EVENT`: the entry point agents and git call. Always exits 0.
struct HookCommand: Command {
    static let name = "hook"
    static let abstract = "Run one hook event for an agent or git (called by the agents)"
    static let help = """
        Usage: mnem hook AGENT EVENT [JSON] [--foreground] [--input FILE] [--budget-ms N] [--budget TOKENS]

          claude-code session-start | user-prompt-submit   print context (hook JSON) for the agent
          claude-code session-end | pre-compact            capture transcript_path (and its subagents)
          gemini session-start | session-end               likewise for Gemini CLI
          cursor session-start | stop                      likewise for Cursor
          codex notify JSON                                capture the rollout of the JSON's thread-id
          codex session-start                              context, for Codex hooks.json
          git post-commit | pre-commit                     capture this repository's agent sessions

          JSON            Codex passes its event as the last argument; the others use standard input
          --foreground    capture now instead of in a detached child
          --input FILE    read the event from FILE (deleted after reading) instead of standard input
          --budget-ms N   the time context may take (default $MNEM_HOOK_BUDGET_MS, else 1000)
          --budget TOKENS the size of the context (default $MNEM_HOOK_BUDGET_TOKENS, else 1500)

        A hook never fails the agent: it prints a valid answer or nothing, exits 0, and writes
        why it did nothing to <pool git dir>/mnem/hooks.log (or $XDG_STATE_HOME/mnem/hooks.log).
        """

    var agent: String
    var event: String
    var argumentJSON: String?
    var foreground: Bool
    var inputFile: String?
    var budgetMilliseconds: Int?
    var budgetTokens: Int?
    var global: GlobalOptions

    /// Arguments this hook did not understand: logged and ignored, since a hook never fails the agent.
    var ignored: [String] = []

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        var ignored: [String] = []
        func lenient<T>(_ parse: (inout Arguments) throws(UsageError) -> T?) -> T? {
            do { return try parse(&args) } catch {
                ignored.append(error.message)
                return nil
            }
        }
        foreground = args.flag("--foreground")
        inputFile = lenient { (a) throws(UsageError) in try a.option("--input") }
        budgetMilliseconds = lenient { (a) throws(UsageError) in try a.intOption("--budget-ms", range: 0...600_000) }
        budgetTokens = lenient { (a) throws(UsageError) in try a.intOption("--budget", range: 1...1_000_000) }
        let rest = args.drain()
        let words = rest.filter { !$0.hasPrefix("-") || $0 == "-" }
        ignored += rest.filter { $0.hasPrefix("-") && $0 != "-" }.map { "unknown option '\($0)'" }
        self.ignored = ignored
        agent = words.first ?? ""
        event = words.count > 1 ? words[1] : ""
        argumentJSON = words.count > 2 ? words[words.count - 1] : nil
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        if !ignored.isEmpty {
            HookLog.fallback(environment: console.environment).append("\(agent) \(event)", "ignored: \(ignored.joined(separator: "; "))")
        }
        var runner = HookRunner(
            agent: agent, event: event, environment: console.environment, currentDirectory: console.currentDirectory,
            executable: DetachedProcess.currentExecutable())
        runner.explicitPool = global.pool.map(console.absolute)
        runner.foreground = foreground
        if let budgetMilliseconds { runner.budgetMilliseconds = budgetMilliseconds }
        if let budgetTokens { runner.budgetTokens = budgetTokens }
        let input: [UInt8]?
        if let inputFile {
            let path = console.absolute(inputFile)
            input = FileManager.default.contents(atPath: path).map { Array($0) } ?? []
            try? FileManager.default.removeItem(atPath: path)
        } else if let argumentJSON {
            input = Array(argumentJSON.utf8)
        } else if agent == "git" || HookRunner.action(agent: agent, event: event) == nil {
            input = nil
        } else {
            input = Array(console.readStdin())
        }
        let output = runner.run(input: input)
        if !output.isEmpty { console.outRaw(output) }
        return 0
    }
}
