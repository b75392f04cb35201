import Foundation
import MnemIntegrations

/// `mnem hooks install|uninstall AGENT`: puts mnem's hooks into an agent's settings, or takes them out.
struct HooksCommand: Command {
    static let name = "hooks"
    static let abstract = "Install or uninstall mnem's hooks for an agent or git"
    static let help = """
        Usage: mnem hooks install AGENT [--scope user|project] [--pre-commit] [--mnem PATH]
               mnem hooks uninstall AGENT [--scope user|project]

          AGENT           claude-code, codex, gemini, cursor or git
          --scope         user: the settings in your home directory (default); project: the
                          repository's (.claude/, .codex/, .gemini/, .cursor/); git is always the repository's
          --pre-commit    git: also install a pre-commit hook
          --mnem PATH     the mnem the hooks run: a path, or a name found on PATH (default: 'mnem'
                          when this one is on PATH, else this one's path; never a build directory)

        Installing merges mnem's entries into the existing settings and leaves everything else as it
        was; installing twice is installing once. The first change keeps the original as
        <file>.mnem-backup. Uninstalling removes exactly mnem's entries. Codex runs one notifier:
        when config.toml already names another, install refuses and says how to chain mnem from it.
        An existing git hook is kept and run first.
        """

    enum Action: String { case install, uninstall }

    var action: Action
    var agent: IntegrationAgent
    var scope: InstallScope
    var preCommit: Bool
    var mnem: String?

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let scopeName = try args.option("--scope") ?? "user"
        guard let scope = InstallScope(rawValue: scopeName) else { throw UsageError("--scope takes user or project, not '\(scopeName)'") }
        self.scope = scope
        preCommit = args.flag("--pre-commit")
        mnem = try args.option("--mnem")
        let words = try args.positionals()
        guard words.count == 2, let action = Action(rawValue: words[0]) else {
            throw UsageError("hooks needs: install|uninstall AGENT")
        }
        guard let agent = IntegrationAgent(rawValue: words[1]) else {
            throw UsageError("unknown agent '\(words[1])' (expected \(IntegrationAgent.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.action = action
        self.agent = agent
    }

    func run(_ console: Console) throws -> Int32 {
        let home = console.environment["HOME"] ?? NSHomeDirectory()
        // Uninstalling recognizes mnem's entries by name, whichever mnem wrote them.
        let program = action == .uninstall ? "mnem" : try MnemExecutable.resolve(
            requested: mnem, current: DetachedProcess.currentExecutable(), environment: console.environment,
            currentDirectory: console.currentDirectory)
        var installer = HookInstaller(
            home: home, projectRoot: HookInstaller.projectRoot(from: console.currentDirectory), mnem: program, environment: console.environment)
        installer.gitPreCommit = preCommit
        let changes: [String]
        switch action {
        case .install: changes = try installer.install(agent, scope: scope)
        case .uninstall: changes = try installer.uninstall(agent, scope: scope)
        }
        if changes.isEmpty {
            console.out(action == .install ? "mnem's \(agent.rawValue) hooks are already installed" : "no mnem hooks for \(agent.rawValue) to remove")
        }
        for change in changes { console.out(change) }
        return 0
    }
}
