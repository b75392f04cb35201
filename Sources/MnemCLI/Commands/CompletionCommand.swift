import Foundation

/// `mnem completion bash|zsh|fish`: the shell completion script, generated from the help texts.
struct CompletionCommand: Command {
    static let name = "completion"
    static let abstract = "Print the shell completion script for bash, zsh or fish"
    static let help = """
        Usage: mnem completion bash|zsh|fish

          bash          source it, or put it in /usr/share/bash-completion/completions/mnem
          zsh           put it as _mnem in a directory of $fpath (e.g. /usr/share/zsh/site-functions)
          fish          put it in ~/.config/fish/completions/mnem.fish

        The script is generated from the help of every command, so it completes exactly the
        commands, options and choices 'mnem COMMAND --help' lists. 'make install' installs all three.
        """

    var shell: CompletionScript.Shell

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let words = try args.positionals()
        let names = CompletionScript.Shell.allCases.map(\.rawValue).joined(separator: ", ")
        guard words.count == 1, let word = words.first else { throw UsageError("completion needs one shell: \(names)") }
        guard let shell = CompletionScript.Shell(rawValue: word) else { throw UsageError("unknown shell '\(word)' (expected \(names))") }
        self.shell = shell
    }

    func run(_ console: Console) throws -> Int32 {
        console.outRaw(Array(CompletionScript.script(shell, MnemCLI.commands.map(HelpSyntax.init)).utf8))
        return 0
    }
}
