import MnemEmbedding

/// Where "cosine ≥ 0.7" lies for a given embedder.
///
/// The paper's duplicate threshold (0.7) is a cosine under all-MiniLM-L6-v2. Embedders differ in
/// how similar unrelated texts look: mnem's static model averages token vectors and puts two
/// unrelated insights at about 0.46 where MiniLM puts them at 0.13, so 0.7 would merge nearly
/// everything. The threshold is therefore carried over by the spread of similarities between a
/// fixed set of unrelated insights, measured through the `Embedder` API: for MiniLM itself it
/// stays 0.7, for any other embedder it lands where MiniLM's 0.7 lies in that embedder's scale.
enum NearDuplicateScale {
    /// Twelve insights about unrelated habits, in the shape mined and LLM insights have.
    static let reference = [
        "Pin the dependency version\nInstall an exact version when a new release breaks the build.\nA pinned version keeps the environment reproducible for everyone on the team.",
        "Reproduce the bug before editing\nWrite a short script that triggers the failure and run it first.\nThe script becomes the check to rerun after the fix.",
        "Search for every caller before renaming\nList all uses of a function across the repository before changing its name.\nRenames that miss a caller break the build later.",
        "Start servers in the background\nLaunch a long-running server detached and poll until it answers.\nA foreground server blocks the session until the command times out.",
        "Keep secrets out of the repository\nRead tokens and passwords from the environment, never from committed files.\nA leaked key must be revoked, not just deleted.",
        "Trim long command output\nShow only the last lines of a long log or test run.\nThe failure is usually at the end, and the rest wastes context.",
        "Ask when the request is ambiguous\nWhen a task can be read two ways, ask which one is meant.\nGuessing wrong costs more than a short question.",
        "Use a small exact edit anchor\nReplace a short unique piece of text instead of a large block.\nLarge anchors fail on whitespace and drift.",
        "Check the library version first\nPrint the installed version of a library that behaves unexpectedly.\nMismatched versions explain many surprising errors.",
        "Commit one logical change at a time\nKeep each commit to a single purpose with a message that says why.\nSmall commits are easy to review and to revert.",
        "Let the type checker find breakage\nAfter changing a signature, run the type checker to list every caller that breaks.\nIt finds what a text search misses.",
        "Measure before optimizing\nProfile the slow path and keep the measurement as a benchmark.\nOptimizations without numbers often make things worse.",
    ]
    /// Mean and standard deviation of the pairwise cosines of `reference` under the full
    /// all-MiniLM-L6-v2 (sentence-transformers mean pooling), measured with the numpy model of
    /// scripts/distill_model.py.
    static let miniLMMean: Float = 0.1347
    static let miniLMDeviation: Float = 0.1148
    /// The paper's threshold, in MiniLM's scale.
    static let miniLMThreshold: Float = 0.7

    /// The cosine in `embedder`'s scale that corresponds to 0.7 under MiniLM.
    static func threshold(for embedder: any Embedder) throws -> Float {
        let vectors = try embedder.embed(reference)
        var cosines: [Float] = []
        for i in vectors.indices {
            for j in vectors.indices where j > i { cosines.append(zip(vectors[i], vectors[j]).reduce(0) { $0 + $1.0 * $1.1 }) }
        }
        guard !cosines.isEmpty else { return miniLMThreshold }
        let mean = cosines.reduce(0, +) / Float(cosines.count)
        let variance = cosines.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(cosines.count)
        let deviation = variance.squareRoot()
        guard deviation.isFinite, deviation > 0, mean.isFinite else { return miniLMThreshold }
        let mapped = mean + (miniLMThreshold - miniLMMean) * deviation / miniLMDeviation
        return min(max(mapped, 0.5), 0.98)
    }
}
