import Foundation
import MnemCore
import MnemIndex

/// `mnem search QUERY`: the memories most similar to a query, most abstract kind first.
struct SearchCommand: Command {
    static let name = "search"
    static let abstract = "Find the memories most relevant to a query"
    static var help: String {
        """
        Usage: mnem search QUERY [-k N] [--kind K]… [--domain D]… [--exclude-domain D]… [--outcome O]
                                 [--model M] [--exclude-model M] [--json]

          QUERY               the task or question; '-' reads standard input
          -k N                at most N memories (default 10)
        \(RetrievalOptions.help)

        Ranking (Memory Transfer Learning: abstract memories transfer best, concrete ones from
        other domains can hurt): a memory is returned only if its cosine similarity reaches
        --min-score, plus --domain-margin when it is a trajectory or workflow whose domain differs
        from the query's (same first path component counts as the same: python ~ python/django;
        'general' matches all). Returned memories are ordered by kind (--kind-order), then by
        similarity; with --rank score, by similarity alone.

        The index is brought up to date with the pool first (see 'mnem index').
        """
    }

    var query: String
    var k: Int
    var options: RetrievalOptions
    var global: GlobalOptions

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        k = try args.intOption("-k", "--limit", range: 1...10_000) ?? 10
        options = try RetrievalOptions(parsing: &args)
        let words = try args.positionals()
        guard !words.isEmpty else { throw UsageError("search needs a QUERY") }
        query = words.joined(separator: " ")
        self.global = global
    }

    func run(_ console: Console) throws -> Int32 {
        let text = query == "-" ? String(decoding: console.readStdin(), as: UTF8.self) : query
        let pool = try global.openPool(console)
        let retriever = Retriever(pool: pool, embedder: try options.embedder(console))
        let ranking = options.resolvedRanking(console)
        let found = try retriever.search(text, k: k, filter: options.filter, ranking: ranking)
        options.report(retriever, ranking: ranking, console)
        if global.json {
            printJSON(.array(found.map { $0.json() }), console)
        } else {
            // One write for the whole list; printf-style formatting goes through Foundation's
            // CFString machinery, a measurable part of a 10 ms search.
            if !found.isEmpty {
                console.out(found.map { fixedPoint3($0.hit.score) + "  " + $0.memory.listLine }.joined(separator: "\n"))
            }
            if found.isEmpty { console.err("no memories match") }
        }
        return 0
    }
}
