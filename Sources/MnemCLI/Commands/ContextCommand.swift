import Foundation
import MnemCore
import MnemIndex

/// `mnem context [QUERY|-]`: a block of relevant memories for an agent hook to inject.
struct ContextCommand: Command {
    static let name = "context"
    static let abstract = "Print the memories relevant to a task as a block for an agent's context"
    static var help: String {
        """
        Usage: mnem context [QUERY|-] [--budget TOKENS] [--json] [search options]

          QUERY               the task; '-' or nothing reads standard input, which may also be a hook's
                              JSON event carrying the task in "prompt" (or "query")
          --budget TOKENS     the most the block may take, at ~4 characters a token (default 1500)
          --candidates N      the most memories in the block, the most relevant first (default 5, as the hooks)
        \(RetrievalOptions.help)

        The block is delimited by <mnem-memories> … </mnem-memories> and labelled as reference
        material, not instructions. Nothing is printed when no memory is relevant.
        """
    }

    var query: String?
    var budget: Int
    var candidates: Int
    var options: RetrievalOptions
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        budget = try args.intOption("--budget", range: 1...1_000_000) ?? 1500
        candidates = try args.intOption("--candidates", range: 1...1000) ?? 5
        options = try RetrievalOptions(parsing: &args)
        let words = try args.positionals()
        query = words.isEmpty || words == ["-"] ? nil : words.joined(separator: " ")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let text = query ?? Self.queryFromInput(console.readStdin())
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw UsageError("context needs a QUERY (an argument, or text or a hook event on standard input)")
        }
        let pool = try global.openPool(console)
        let retriever = Retriever(pool: pool, embedder: try options.embedder(console))
        let ranking = options.resolvedRanking(console)
        let block = try ContextBuilder.build(
            query: text, budgetTokens: budget, retriever: retriever, filter: options.filter, ranking: ranking, candidates: candidates)
        options.report(retriever, ranking: ranking, console)
        if global.json {
            printJSON(
                [
                    "context": .string(block.text),
                    "budgetTokens": .int(Int64(block.budgetTokens)),
                    "estimatedTokens": .int(Int64(block.estimatedTokens)),
                    "omitted": .int(Int64(block.omitted)),
                    "memories": .array(block.included.map { $0.hit.json }),
                ], console)
        } else if !block.text.isEmpty {
            console.outRaw(Array(block.text.utf8))
        }
        return 0
    }

    /// Standard input as the query: a hook's JSON event gives its "prompt" (or "query"), else the text itself.
    static func queryFromInput(_ data: Data) -> String {
        if data.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{"),
            let json = try? JSONParser.parse(data, duplicateKeys: .lastWins)
        {
            for key in ["prompt", "query", "task"] {
                if let text = json[key]?.stringValue, !text.isEmpty { return text }
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
