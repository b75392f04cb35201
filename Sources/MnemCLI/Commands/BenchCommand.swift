import Foundation
import MnemCore
import MnemEmbedding
import MnemIndex

/// `mnem bench …`: the performance figures, each against an anchor measured in the same run.
struct BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure performance against anchors measured in the same run"
    static let help = """
        Usage: mnem bench write [--count N] [--base N] [--runs N]
               mnem bench search [--sizes N,N,…] [--pool-size N] [--runs N]
               mnem bench hook [--pool-size N] [--runs N]
               mnem bench embed [--count N]
               mnem bench capture [--corpus PATH] [--runs N] [--pool-size N]
               mnem bench pull [--count N] [--base N] [--runs N]
               mnem bench scale [--trajectories N] [--sizes N,N,…] [--runs N] [--cache DIR]
               mnem bench compact [--trajectories N] [--runs N] [--cache DIR]
               mnem bench quality [--corpus PATH]
               mnem bench export [--sizes N,N,…] [--runs N]

          write         N memories (~1.5 KB) in one commit vs git fast-import of the same files;
                        then one memory added to a pool of --base memories (median of --runs ≥ 10)
          --count N     memories in the one commit (default 10000)
          --base N      size of the large pool for the add-one figure (default 100000; 0 skips it)
          --runs N      runs per figure (default 5 for the commit, at least 10 for add-one)

          search        exact top-10 scan of N random unit vectors (d=256, float16) vs a SIMD read of
                        the same bytes and vs faiss (if importable); whole-process search on a pool
                        of --pool-size memories; an index update after 1,000 adds vs a full rebuild
          --sizes LIST  scan sizes (default 10000,100000,1000000); a size under 2,000,000 rows runs
                        more than --runs times, to 10,000,000 rows in all (at most 1000 runs)
          --pool-size N the pool for the whole-process figures (default 100000; 0 skips them)

          hook          whole-process SessionStart and UserPromptSubmit hook latency (a short prompt
                        and one of 120 tokens) on a pool of --pool-size memories (default 10000 for
                        hook), median of --runs ≥ 10, against the process floor (mnem --version)
                        measured in the same run

          embed         short texts per second on one core, static model against feature hashing
                        (--count texts, default 20000); with MNEM_EMBEDDER=transformer also the
                        transformer's open, one text of 12 to 256 tokens, and a batch, int8
                        against float32

          capture       MB/s over the transcript corpus, and the whole-process capture of its
                        largest Claude Code transcript into a fresh pool (median of ≥ 10 runs);
                        then one session captured into a pool of --pool-size trajectories
                        (default 100000; 0 skips it) against into an empty pool
          --corpus P    the corpus (default: ../shared/corpus beside the checkout, or $MNEM_CORPUS)

          pull          mnem pull of --count new memories (default here 1000) into a pool of --base,
                        vs git fetch + merge of the same commits

          scale         issue 14's figures on --trajectories synthetic trajectories (default 100000),
                        compacted (about 3 memories each): capture, compact, list, stats, scan,
                        index update vs rebuild, init --from and the hooks after it, each against
                        the process floor; --sizes adds index figures on pools of that many
                        memories; the pools are cached in --cache (default $MNEM_BENCH_CACHE, else
                        <tmp>/mnem-bench-scale) and reused

          compact       the first compaction of --trajectories synthetic trajectories (time, peak
                        memory), then compact with nothing new, with 3 new, and with the compaction
                        state missing, each against the process floor; the pool is shared with scale

          quality       a pool of the corpus (capture + offline compact): unrelated prompts given
                        memories, coding tasks served and their sets' mean Jaccard, the pool's mean
                        pairwise cosine, top-5 agreement with MiniLM (and MiniLM itself on the pool
                        when Python has it)

          export        mnem export --html of pools of each size in --sizes (default here 1000,10000),
                        vs reading every memory and vs cp -r of the site; the cost per memory across sizes
        """

    enum Target: String, CaseIterable { case write, search, hook, embed, capture, pull, quality, export, scale, compact }

    var target: Target
    var count: Int
    var base: Int
    var runs: Int
    var sizes: [Int] = [10_000, 100_000, 1_000_000]
    var sizesGiven = false
    var poolSize: Int = 100_000
    var poolSizeGiven = false
    var corpus: String?
    var trajectories: Int
    var cache: String?

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let countOption = try args.intOption("--count", range: 1...10_000_000)
        base = try args.intOption("--base", range: 0...10_000_000) ?? 100_000
        runs = try args.intOption("--runs", range: 1...1000) ?? 5
        if let list = try args.option("--sizes") {
            sizesGiven = true
            sizes = try list.split(separator: ",").map { (text) throws(UsageError) in
                guard let n = Int(text), n > 0 else { throw UsageError("--sizes takes positive whole numbers, not '\(text)'") }
                return n
            }
        }
        let givenPoolSize = try args.intOption("--pool-size", range: 0...10_000_000)
        poolSize = givenPoolSize ?? 100_000
        poolSizeGiven = givenPoolSize != nil
        corpus = try args.option("--corpus")
        trajectories = try args.intOption("--trajectories", range: 1...10_000_000) ?? 100_000
        cache = try args.option("--cache")
        let rest = try args.positionals()
        guard rest.count == 1, let name = rest.first, let target = Target(rawValue: name) else {
            throw UsageError("bench needs one of: \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.target = target
        count = countOption ?? (target == .embed ? 20_000 : target == .pull ? 1_000 : 10_000)
    }

    func run(_ console: Console) throws -> Int32 {
        switch target {
        case .write: try WriteBenchmark.run(count: count, baseCount: base, runs: runs, console: console)
        case .search: try SearchBenchmark.run(sizes: sizes, poolSize: poolSize, runs: runs, console: console)
        case .hook: try HookBenchmark.run(poolSize: poolSizeGiven ? max(poolSize, 10) : 10_000, runs: runs, console: console)
        case .embed:
            let model = try StaticEmbedder(locator: ModelLocator(environment: console.environment))
            console.out(EmbeddingBenchmark.run(staticEmbedder: model, textCount: count))
            // With the transformer selected, its latency and throughput too.
            if let name = console.environment["MNEM_EMBEDDER"], name.hasPrefix("transformer") {
                let directory = name.hasPrefix("transformer:") ? String(name.dropFirst("transformer:".count)) : console.environment["MNEM_TRANSFORMER_DIR"] ?? ""
                guard !directory.isEmpty else { throw EmbedderError("embedder 'transformer' needs a model directory: transformer:DIR or MNEM_TRANSFORMER_DIR") }
                console.out(
                    try EmbeddingBenchmark.transformer(
                        directory: directory, vocabulary: model.model, cacheDirectory: EmbedderRegistry.cacheDirectory(console.environment)))
            }
        case .capture:
            try CaptureBench.run(
                corpus: corpus.map { console.absolute($0) } ?? CaptureBench.defaultCorpus(console), runs: runs,
                poolSize: poolSizeGiven ? poolSize : 100_000, console: console)
        case .pull: try PullBenchmark.run(count: count, baseCount: base, runs: runs, console: console)
        case .scale:
            let options = ScaleBenchmark.Options(
                trajectories: trajectories, sizes: sizesGiven ? sizes : [], runs: runs,
                cache: cache.map { console.absolute($0) } ?? ScaleFixtures.defaultCache(console))
            try ScaleBenchmark.run(options, console: console)
        case .compact:
            try CompactBenchmark.run(
                trajectories: trajectories, runs: runs, cache: cache.map { console.absolute($0) } ?? ScaleFixtures.defaultCache(console), console: console)
        case .quality:
            try QualityBenchmark.run(corpus: corpus.map { console.absolute($0) } ?? CaptureBench.defaultCorpus(console), console: console)
        case .export: try ExportBenchmark.run(sizes: sizesGiven ? sizes : [1_000, 10_000], runs: runs, console: console)
        }
        return 0
    }
}
