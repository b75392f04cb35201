import Foundation
import MnemCore
import MnemEmbedding

/// `mnem bench …`: the performance figures, each against an anchor measured in the same run.
struct BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure performance against anchors measured in the same run"
    static let help = """
        Usage: mnem bench write [--count N] [--base N] [--runs N]
               mnem bench embed [--count N]
               mnem bench capture [--corpus PATH] [--runs N]

          write         N memories (~1.5 KB) in one commit vs git fast-import of the same files;
                        then one memory added to a pool of --base memories (median of --runs ≥ 10)
          --count N     memories in the one commit (default 10000)
          --base N      size of the large pool for the add-one figure (default 100000; 0 skips it)
          --runs N      runs per figure (default 5 for the commit, at least 10 for add-one)
          embed         short texts per second on one core, static model against feature hashing
                        (--count texts, default 20000)
          capture       MB/s over the transcript corpus, and the whole-process capture of its
                        largest Claude Code transcript into a fresh pool (median of ≥ 10 runs)
          --corpus P    the corpus (default: ../shared/corpus beside the checkout, or $MNEM_CORPUS)
        """

    enum Target: String, CaseIterable { case write, embed, capture }

    var target: Target
    var count: Int
    var base: Int
    var runs: Int
    var corpus: String?

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let countOption = try args.intOption("--count", range: 1...10_000_000)
        base = try args.intOption("--base", range: 0...10_000_000) ?? 100_000
        runs = try args.intOption("--runs", range: 1...1000) ?? 5
        corpus = try args.option("--corpus")
        let rest = try args.positionals()
        guard rest.count == 1, let name = rest.first, let target = Target(rawValue: name) else {
            throw UsageError("bench needs one of: \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.target = target
        count = countOption ?? (target == .embed ? 20_000 : 10_000)
    }

    func run(_ console: Console) throws -> Int32 {
        switch target {
        case .write: try WriteBenchmark.run(count: count, baseCount: base, runs: runs, console: console)
        case .embed:
            let model = try StaticEmbedder(locator: ModelLocator(environment: console.environment))
            console.out(EmbeddingBenchmark.run(staticEmbedder: model, textCount: count))
        case .capture:
            try CaptureBench.run(corpus: corpus.map { console.absolute($0) } ?? CaptureBench.defaultCorpus(console), runs: runs, console: console)
        }
        return 0
    }
}
