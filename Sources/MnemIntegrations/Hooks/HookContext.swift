import Foundation
import MnemCapture
import MnemCore
import MnemIndex

/// The memories a hook injects into an agent's context, built by the index's `ContextBuilder`.
public enum HookContext {
    /// What to retrieve for.
    public struct Request: Sendable {
        public var query: String
        public var budgetTokens: Int
        /// Session start: no task yet, so the abstract kinds (insight, summary, workflow) are
        /// offered, most relevant to the repository and its language first, without the relevance
        /// floor — the paper's finding is that abstract meta-knowledge transfers across tasks;
        /// trajectories are left out. What is offered here is recorded like any injection, so
        /// the session's prompts do not repeat it. A prompt's memories must clear their floor.
        public var sessionStart: Bool
        /// The agent's working directory, for the domain guard.
        public var directory: String
        public var embedderName: String?
        /// How an index behind the pool is brought up to date: nil updates it here and now.
        public var catchUp: IndexCatchUp?
        /// The agent's session: a memory already injected in it is not injected again.
        public var sessionID: String?
        /// The session (re)starts with its conversation cleared or compacted (Claude Code's
        /// SessionStart `source` "clear" or "compact"): what it was shown is gone from it.
        public var contextCleared: Bool

        public init(query: String, budgetTokens: Int, sessionStart: Bool, directory: String, embedderName: String?, sessionID: String? = nil, contextCleared: Bool = false) {
            self.query = query
            self.budgetTokens = budgetTokens
            self.sessionStart = sessionStart
            self.directory = directory
            self.embedderName = embedderName
            self.sessionID = sessionID
            self.contextCleared = contextCleared
        }
    }

    /// The most memories one hook injects: the few most relevant, not the budget's worth.
    public static let maximumMemories = 5

    /// The query for a session start: the repository's name and its language.
    public static func sessionStartQuery(directory: String) -> String {
        let root = HookInstaller.projectRoot(from: directory)
        let name = (root as NSString).lastPathComponent
        let domain = MnemIndex.DomainInference.infer(directory: directory)
        return ["repository \(name)", domain.map { "language \($0)" }].compactMap { $0 }.joined(separator: ", ")
    }

    /// The context block for `request`, with feedback applied to the ranking and the memories
    /// the session was already shown left out; the memories injected are recorded for the session.
    ///
    /// - Returns: the block (empty text when nothing fits or nothing is relevant), what was
    ///   done to the index (a rebuild is worth a log line), and why the session's record could
    ///   not be written, if it could not (the block is still good).
    public static func build(pool: Pool, request: Request) throws -> (block: ContextBlock, report: IndexReport?, note: String?) {
        let embedder = try EmbedderRegistry.makeEmbedder(name: request.embedderName ?? EmbedderRegistry.defaultName)
        let retriever = Retriever(pool: pool, embedder: embedder)
        request.catchUp?.attach(to: retriever.index)
        var filter = SearchFilter()
        var ranking = RankingPolicy()
        ranking.queryDomain = MnemIndex.DomainInference.infer(directory: request.directory)
        ranking.queryProject = MnemCapture.DomainInference.project(directory: request.directory)
        if request.sessionStart {
            filter.kinds = [.insight, .summary, .workflow]
            ranking.minimumScore = -1
            ranking.floorMargin = nil
        }
        let session = SessionInjections(gitDirectory: pool.repository.gitDirectory, sessionID: request.sessionID)
        // A session started afresh over a cleared or compacted conversation has lost what it was shown.
        if request.sessionStart, request.contextCleared { session.forget() }
        let shown = session.injected()
        let found: [RetrievedMemory]
        do {
            found = try retriever.search(request.query, k: maximumMemories + min(shown.count, 200), filter: filter, ranking: ranking)
                .filter { !shown.contains($0.hit.id) }
        } catch let notReady as IndexNotReady {
            return (ContextBuilder.render([], budgetTokens: request.budgetTokens), notReady.report, nil)
        }
        let scores = try FeedbackStore.netScores(pool)
        let block = ContextBuilder.render(Array(FeedbackStore.rerank(found, scores: scores).prefix(maximumMemories)), budgetTokens: request.budgetTokens)
        var note: String?
        do {
            try session.record(block.included.map(\.hit.id))
        } catch {
            note = "\(error); a memory may be injected again in this session"
        }
        return (block, retriever.lastReport, note)
    }
}
