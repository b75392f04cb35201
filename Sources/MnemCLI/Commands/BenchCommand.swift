import Foundation
import MnemCore

/// `mnem bench …`: the performance figures, each against an anchor measured in the same run.
struct BenchCommand: Command {
    static let name = "bench"
    static let abstract = "Measure performance against anchors measured in the same run"
    static let help = """
        Usage: mnem bench write [--count N] [--base N] [--runs N]

          write         N memories (~1.5 KB) in one commit vs git fast-import of the same files;
                        then one memory added to a pool of --base memories (median of --runs ≥ 10)
          --count N     memories in the one commit (default 10000)
          --base N      size of the large pool for the add-one figure (default 100000; 0 skips it)
          --runs N      runs per figure (default 5 for the commit, at least 10 for add-one)

        Usage: mnem bench pull [--count N] [--base N] [--runs N]

          pull          mnem pull of --count new memories (default here 1000) into a pool of --base,
                        vs git fetch + merge of the same commits (sync engineer's figure)
        """

    enum Target: String { case write, pull }

    var target: Target
    var count: Int
    var base: Int
    var runs: Int

    init(parsing args: inout Arguments, global: GlobalOptions) throws(UsageError) {
        let givenCount = try args.intOption("--count", range: 1...10_000_000)
        base = try args.intOption("--base", range: 0...10_000_000) ?? 100_000
        runs = try args.intOption("--runs", range: 1...1000) ?? 5
        let rest = try args.positionals()
        guard rest.count == 1, let name = rest.first, let target = Target(rawValue: name) else {
            throw UsageError("bench needs one of: write, pull")
        }
        self.target = target
        count = givenCount ?? (target == .pull ? 1_000 : 10_000)
    }

    func run(_ console: Console) throws -> Int32 {
        switch target {
        case .write: try WriteBenchmark.run(count: count, baseCount: base, runs: runs, console: console)
        case .pull: try PullBenchmark.run(count: count, baseCount: base, runs: runs, console: console)
        }
        return 0
    }
}
