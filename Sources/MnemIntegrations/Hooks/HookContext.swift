import Foundation
import MnemCore
import MnemIndex

/// The memories a hook injects into an agent's context, built by the index's `ContextBuilder`.
public enum HookContext {
    /// What to retrieve for.
    public struct Request: Sendable {
        public var query: String
        public var budgetTokens: Int
        /// Session start: no task yet, so the abstract kinds (insight, summary, workflow) are
        /// offered best-first without a similarity floor — the paper's finding is that abstract
        /// meta-knowledge transfers across tasks; trajectories are left out.
        public var sessionStart: Bool
        /// The agent's working directory, for the domain guard.
        public var directory: String
        public var embedderName: String?
        /// How an index behind the pool is brought up to date: nil updates it here and now.
        public var catchUp: IndexCatchUp?

        public init(query: String, budgetTokens: Int, sessionStart: Bool, directory: String, embedderName: String?) {
            self.query = query
            self.budgetTokens = budgetTokens
            self.sessionStart = sessionStart
            self.directory = directory
            self.embedderName = embedderName
        }
    }

    /// The query for a session start: the repository's name and its language.
    public static func sessionStartQuery(directory: String) -> String {
        let root = HookInstaller.projectRoot(from: directory)
        let name = (root as NSString).lastPathComponent
        let domain = MnemIndex.DomainInference.infer(directory: directory)
        return ["repository \(name)", domain.map { "language \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }

    /// The context block for `request`, with feedback applied to the ranking.
    ///
    /// - Returns: the block (empty text when nothing fits or nothing is relevant) and what was
    ///   done to the index (a rebuild is worth a log line).
    public static func build(pool: Pool, request: Request) throws -> (block: ContextBlock, report: IndexReport?) {
        let embedder = try EmbedderRegistry.makeEmbedder(name: request.embedderName ?? EmbedderRegistry.defaultName)
        let retriever = Retriever(pool: pool, embedder: embedder)
        request.catchUp?.attach(to: retriever.index)
        var filter = SearchFilter()
        var ranking = RankingPolicy()
        ranking.queryDomain = MnemIndex.DomainInference.infer(directory: request.directory)
        if request.sessionStart {
            filter.kinds = [.insight, .summary, .workflow]
            ranking.minimumScore = -1
        }
        let found: [RetrievedMemory]
        do {
            found = try retriever.search(request.query, k: 20, filter: filter, ranking: ranking)
        } catch let notReady as IndexNotReady {
            return (ContextBuilder.render([], budgetTokens: request.budgetTokens), notReady.report)
        }
        let scores = try FeedbackStore.netScores(pool)
        let block = ContextBuilder.render(FeedbackStore.rerank(found, scores: scores), budgetTokens: request.budgetTokens)
        return (block, retriever.lastReport)
    }
}
