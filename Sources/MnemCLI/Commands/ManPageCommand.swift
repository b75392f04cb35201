/// `mnem manpage`: the man page (roff), generated from the help texts.
struct ManPageCommand: Command {
    static let name = "manpage"
    static let abstract = "Print mnem's man page (roff), generated from the help of every command"
    static let help = """
        Usage: mnem manpage

        'make install' writes it to <prefix>/share/man/man1/mnem.1; read it without installing
        with: mnem manpage | man -l -
        """

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {}

    func run(_ console: Console) throws -> Int32 {
        console.outRaw(Array(ManPage.page(MnemCLI.commands).utf8))
        return 0
    }
}
