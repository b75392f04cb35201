import Foundation
import MnemCapture
import MnemCore
import MnemIndex

/// The options `mnem search` and `mnem context` share: the embedder, the filter and the ranking.
struct RetrievalOptions: Sendable {
    static let help = """
          --embedder E        the embedder (default $MNEM_EMBEDDER, else static); known: \(EmbedderRegistry.names.joined(separator: ", "))
          --kind K            only this kind (trajectory, workflow, summary, insight); repeatable
          --domain D          only this domain; repeatable
          --exclude-domain D  never this domain; repeatable
          --outcome O         only this outcome (success, failure, unknown); repeatable
          --model M           only memories made by this model; repeatable
          --exclude-model M   never memories made by this model; repeatable
          --query-domain D    the task's domain for the domain guard (default: the one --domain, else
                              inferred from the build files of the current repository; 'none' turns it off)
          --rank R            relevance: how far above its calibrated floor a memory's similarity lies,
                              plus a bonus for abstract kinds (default); kind: most abstract kind
                              first, then similarity; score: similarity only
          --floor-margin X    relevance: a memory must be closer to the query than the everyday
                              background prompts are to it by X standard deviations over their mean
                              (default 2.5; 'none': no floor, and no test that the query is closer
                              to a memory than to every everyday prompt)
          --kind-order LIST   the kinds in rank order for --rank kind (default insight,summary,workflow,trajectory)
          --min-score X       the least cosine similarity returned (default 0.1)
          --domain-margin X   the extra similarity a trajectory or workflow from another domain needs (default 0.15)
          -v, --verbose       say on standard error what was done to the index
        """

    var embedderName: String?
    var filter = SearchFilter()
    var queryDomain: String?
    var ranking = RankingPolicy()
    var verbose = false

    /// Every default: the embedder from the environment, no filter, the paper's ranking.
    init() {}

    init(parsing args: inout Arguments) throws(UsageError) {
        embedderName = try args.option("--embedder")
        var kinds: Set<MemoryKind> = []
        for name in try args.options("--kind") { kinds.insert(try Self.kind(name)) }
        filter.kinds = kinds
        filter.domains = Set(try args.options("--domain"))
        filter.excludedDomains = Set(try args.options("--exclude-domain"))
        var outcomes: Set<Outcome> = []
        for name in try args.options("--outcome") {
            guard let outcome = Outcome(rawValue: name) else { throw UsageError("unknown outcome '\(name)' (expected success, failure or unknown)") }
            outcomes.insert(outcome)
        }
        filter.outcomes = outcomes
        filter.models = Set(try args.options("--model"))
        filter.excludedModels = Set(try args.options("--exclude-model"))
        queryDomain = try args.option("--query-domain")
        if let rank = try args.option("--rank") {
            guard let order = RankingPolicy.Order(rawValue: rank) else { throw UsageError("--rank takes relevance, kind or score, not '\(rank)'") }
            ranking.order = order
        }
        if let list = try args.option("--kind-order") {
            ranking.kindOrder = try list.split(separator: ",").map { (name) throws(UsageError) in try Self.kind(String(name)) }
        }
        if let text = try args.option("--floor-margin") {
            ranking.floorMargin = text == "none" ? nil : try Self.margin(text)
        }
        if let text = try args.option("--min-score") { ranking.minimumScore = try Self.score(text, "--min-score") }
        if let text = try args.option("--domain-margin") { ranking.domainGuardMargin = try Self.score(text, "--domain-margin") }
        verbose = args.flag("-v", "--verbose")
    }

    static func kind(_ name: String) throws(UsageError) -> MemoryKind {
        guard let kind = MemoryKind(rawValue: name) else {
            throw UsageError("unknown kind '\(name)' (expected trajectory, workflow, summary or insight)")
        }
        return kind
    }

    static func score(_ text: String, _ option: String) throws(UsageError) -> Float {
        guard let value = Float(text), value.isFinite, (-1...2).contains(value) else {
            throw UsageError("\(option) takes a number from -1 to 2, not '\(text)'")
        }
        return value
    }

    static func margin(_ text: String) throws(UsageError) -> Float {
        guard let value = Float(text), value.isFinite, (-10...10).contains(value) else {
            throw UsageError("--floor-margin takes a number from -10 to 10 or 'none', not '\(text)'")
        }
        return value
    }

    /// The embedder named on the command line or in the environment.
    func embedder(_ console: Console) throws -> any VectorEmbedder {
        let name = embedderName ?? console.environment["MNEM_EMBEDDER"].flatMap { $0.isEmpty ? nil : $0 } ?? EmbedderRegistry.defaultName
        do {
            return try EmbedderRegistry.makeEmbedder(name: name, environment: console.environment)
        } catch let error as EmbedderError {
            throw UsageError(error.description)
        }
    }

    /// The ranking with the query's domain resolved: given, else the one filtered domain, else inferred.
    func resolvedRanking(_ console: Console) -> RankingPolicy {
        var ranking = ranking
        if let queryDomain {
            ranking.queryDomain = queryDomain == "none" ? nil : queryDomain
        } else if filter.domains.count == 1 {
            ranking.queryDomain = filter.domains.first
        } else {
            ranking.queryDomain = MnemIndex.DomainInference.infer(directory: console.currentDirectory)
            ranking.queryProject = MnemCapture.DomainInference.project(directory: console.currentDirectory)
        }
        return ranking
    }

    func report(_ retriever: Retriever, ranking: RankingPolicy, _ console: Console) {
        InvalidMemoryReport.skipped(retriever.lastReport, console)
        guard verbose else { return }
        if let report = retriever.lastReport { console.err("mnem: \(report)") }
        console.err("mnem: query domain \(ranking.queryDomain ?? "unknown")\(ranking.queryProject.map { ", project \($0)" } ?? ""), ranking \(ranking.order.rawValue)")
    }
}
