import Foundation
import MnemCore
import MnemGit

/// `mnem bench pull`: pulling N new memories into a pool of B, as a whole `mnem pull` process,
/// against `git fetch` + a git merge of the same commits in the same run.
///
/// Both sides diverged (the local pool has one commit the remote lacks), so both make a real
/// merge commit. The pool is bare, so git's anchor is the bare-repository merge: `git merge-tree
/// --write-tree` + `git commit-tree` + `git update-ref`. Both merges must give the same tree.
enum PullBenchmark {
    static func run(count: Int, baseCount: Int, runs: Int, console: Console) throws {
        let mnem = BenchSupport.mnemExecutable(console)
        guard let git = BenchSupport.which("git", console) else { throw PoolError("bench pull needs git on PATH for the fetch + merge anchor") }
        let dir = try BenchSupport.temporaryDirectory("pull")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func gitRun(_ arguments: [String]) throws -> BenchSupport.ProcessResult {
            let result = try BenchSupport.run(git, arguments)
            guard result.status == 0 else { throw PoolError("git \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
            return result
        }

        console.out("bench pull: preparing a pool of \(baseCount) memories and a remote with \(count) more…")
        let basePath = dir + "/base"
        let base = try Pool.create(at: basePath)
        var made = 0
        while made < baseCount {
            let n = min(20_000, baseCount - made)
            _ = try base.add(SyntheticMemories.make(n, seed: 5000 + UInt64(made)), info: CommitInfo(summary: "seed \(n)"))
            made += n
        }
        // Packed, as a pool that has been gc'd; copies for each run are then cheap.
        _ = try gitRun(["-C", basePath, "repack", "-adq"])
        let upstreamPath = dir + "/upstream.git"
        _ = try gitRun(["clone", "-q", "--bare", basePath, upstreamPath])
        let upstream = try Pool.open(at: upstreamPath)
        _ = try upstream.add(SyntheticMemories.make(count, seed: 77), info: CommitInfo(summary: "\(count) new"))
        _ = try base.add(SyntheticMemories.make(1, seed: 78), info: CommitInfo(summary: "one local"))

        let env = ProcessInfo.processInfo.environment.merging(["MNEM_AUTHOR_NAME": "bench", "MNEM_NO_CREDENTIAL_HELPER": "1"]) { $1 }
        var mnemTimes: [Double] = []
        var gitTimes: [Double] = []
        for n in 0..<runs {
            let mnemPool = "\(dir)/mnem-\(n)"
            let gitPool = "\(dir)/git-\(n)"
            _ = try BenchSupport.run("/bin/cp", ["-a", basePath, mnemPool])
            _ = try BenchSupport.run("/bin/cp", ["-a", basePath, gitPool])
            try Repository.open(at: mnemPool).addRemote(name: "origin", url: upstreamPath)

            let m = try BenchSupport.run(mnem, ["pull", "--pool", mnemPool, "origin", "--json"], environment: env)
            guard m.status == 0 else { throw PoolError("mnem pull failed: \(m.stderr)") }
            mnemTimes.append(m.seconds)

            let fetch = try gitRun(["-C", gitPool, "fetch", "-q", "--no-tags", upstreamPath, "main"])
            let mergeTree = try gitRun(["-C", gitPool, "merge-tree", "--write-tree", "main", "FETCH_HEAD"])
            let tree = mergeTree.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let commit = try gitRun(["-C", gitPool, "commit-tree", tree, "-p", "main", "-p", "FETCH_HEAD", "-m", "merge"])
            let update = try gitRun(["-C", gitPool, "update-ref", "refs/heads/main", commit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)])
            gitTimes.append(fetch.seconds + mergeTree.seconds + commit.seconds + update.seconds)

            let mnemTree = try gitRun(["-C", mnemPool, "rev-parse", "main^{tree}"]).stdout
            guard mnemTree.trimmingCharacters(in: .whitespacesAndNewlines) == tree else {
                throw PoolError("bench pull: mnem and git merged to different trees (\(mnemTree) vs \(tree))")
            }
            try? FileManager.default.removeItem(atPath: mnemPool)
            try? FileManager.default.removeItem(atPath: gitPool)
        }
        let mnemMedian = BenchSupport.median(mnemTimes)
        let gitMedian = BenchSupport.median(gitTimes)
        console.out("bench pull: \(count) new memories into a pool of \(baseCount), diverged (merge commit), \(runs) runs, median")
        console.out("  mnem pull (whole process, validates every new file)  \(BenchSupport.ms(mnemMedian))")
        console.out("  git fetch + merge-tree + commit-tree + update-ref      \(BenchSupport.ms(gitMedian))")
        console.out(String(format: "  ratio mnem / git                                     %.2fx   (same tree id checked)", mnemMedian / gitMedian))
    }
}
