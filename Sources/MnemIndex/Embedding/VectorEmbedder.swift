import MnemCore
import MnemEmbedding

/// What the index and search need of an embedding model: `MnemEmbedding`'s `Embedder`
/// (an id recorded with the vectors, a dimension, and L2-normalized vectors per text).
public typealias VectorEmbedder = Embedder

/// The most text of a memory that is embedded, in characters.
public let embeddingTextLimit = 2_000

/// The text of a memory that is embedded: what it is about, not every byte it holds.
///
/// An insight gives its title, description and content; a summary its task summary, actions
/// and why; a workflow its goal and step actions; a trajectory its task and first commands.
/// - Returns: at most `embeddingTextLimit` characters.
public func embeddingText(for memory: Memory) -> String {
    var parts: [String] = []
    switch memory.body {
    case .insight(let insight):
        parts = [insight.title, insight.description, insight.content]
    case .summary(let summary):
        let e = summary.experience
        // The task, what was done and why it went as it did; the environment and results are
        // mostly the same bookkeeping words in every summary (languages, steps failed, outcome).
        parts = [summary.taskSummary, e.actions, e.why]
    case .workflow(let workflow):
        parts = [workflow.goal.isEmpty ? memory.task : workflow.goal] + workflow.steps.map(\.action)
    case .trajectory(let trajectory):
        // Commands say what was done; observations are long and mostly noise for retrieval.
        parts = [memory.task] + trajectory.steps.prefix(8).map { String($0.input.prefix(200)) }
    }
    var text = ""
    for part in parts where !part.isEmpty {
        if !text.isEmpty { text += "\n" }
        text += part
        if text.count >= embeddingTextLimit { break }
    }
    return text.count > embeddingTextLimit ? String(text.prefix(embeddingTextLimit)) : text
}
