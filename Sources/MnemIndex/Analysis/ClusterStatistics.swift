import Foundation

/// The statistics Memory Transfer Learning uses to show whether a pool abstracts: how far its
/// memories cluster by a label (task domain, agent, …) in embedding space.
///
/// - Davies–Bouldin index (DBI): low when the labels form tight, well-separated clusters
///   (concrete memories of one domain sit together), high when they overlap.
/// - Local inverse Simpson index (LISI, Korsunsky et al. 2019): the effective number of labels
///   in each point's neighbourhood; 1 when every neighbour shares its label, up to the number of
///   labels when they are well mixed (abstract memories serve every domain).
///
/// Points are rows of equal length; distances are Euclidean. The implementations follow
/// scikit-learn's `davies_bouldin_score` and harmonypy's `compute_lisi` (the reference the
/// LISI literature uses); `Tests/MnemIndexTests/Fixtures/cluster_reference.json`, written by
/// `scripts/analysis_reference.py`, pins both.
public enum ClusterStatistics {
    /// The Davies–Bouldin index of `points` grouped by `labels`, as scikit-learn computes it.
    ///
    /// For each label, S = the mean distance of its points to their centroid; for each pair,
    /// R = (S_i + S_j) / |c_i − c_j|; the index is the mean over labels of their largest R.
    /// - Returns: nil with fewer than two labels or no more labels than points (scikit-learn refuses those).
    /// - Complexity: O(n × d + labels² × d).
    public static func daviesBouldin(_ points: [[Double]], labels: [Int]) -> Double? {
        let groups = Dictionary(grouping: points.indices, by: { labels[$0] })
        guard groups.count >= 2, groups.count < points.count, let d = points.first?.count else { return nil }
        let keys = groups.keys.sorted()
        var centroids: [[Double]] = []
        var scatter: [Double] = []
        for key in keys {
            let members = groups[key] ?? []
            var c = [Double](repeating: 0, count: d)
            for i in members { for j in 0..<d { c[j] += points[i][j] } }
            for j in 0..<d { c[j] /= Double(members.count) }
            centroids.append(c)
            scatter.append(members.reduce(0) { $0 + distance(points[$1], c) } / Double(members.count))
        }
        // scikit-learn: all scatters zero, or all centroids equal, gives 0.
        if scatter.allSatisfy({ $0 == 0 }) { return 0 }
        var total = 0.0
        for i in keys.indices {
            var worst = -Double.infinity
            for j in keys.indices where j != i {
                let separation = distance(centroids[i], centroids[j])
                // scikit-learn replaces a zero separation's ratio by +∞ and then the +∞ by 0.
                let ratio = separation == 0 ? 0 : (scatter[i] + scatter[j]) / separation
                worst = max(worst, ratio)
            }
            total += worst
        }
        return total / Double(keys.count)
    }

    /// The LISI of each point of `points` over `labels`, as harmonypy computes it.
    ///
    /// The `3 × perplexity` nearest points (the point itself first, then dropped) are weighted by
    /// a Gaussian kernel on their distance, its width found by bisection so that the weights'
    /// entropy is log(perplexity); the LISI is 1 / Σ_label (weight of that label)².
    /// - Parameters:
    ///   - perplexity: the effective neighbourhood size; lowered to (n − 1) / 3 for small sets.
    /// - Returns: one value per point; empty with fewer than 4 points.
    /// - Complexity: O(n² × d) for the neighbours (brute force).
    public static func lisi(_ points: [[Double]], labels: [Int], perplexity: Double = 30) -> [Double] {
        let n = points.count
        let perplexity = effectivePerplexity(perplexity, count: n)
        guard perplexity >= 1 else { return [] }
        let neighbours = Int(perplexity * 3)
        var out: [Double] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            // Nearest first, ties by index, as a stable sort over the brute-force distances does.
            var ranked: [(distance: Double, index: Int)] = []
            ranked.reserveCapacity(n)
            for j in 0..<n { ranked.append((distance(points[i], points[j]), j)) }
            ranked.sort { a, b in a.distance != b.distance ? a.distance < b.distance : a.index < b.index }
            // harmonypy drops the first column (the point itself, or a duplicate of it).
            let near = ranked.prefix(neighbours).dropFirst()
            let nearDistances: [Double] = near.map { $0.distance }
            let nearLabels: [Int] = near.map { labels[$0.index] }
            out.append(1 / simpson(distances: nearDistances, labels: nearLabels, perplexity: perplexity))
        }
        return out
    }

    /// The perplexity LISI uses for `count` points: `requested`, at most (count − 1) / 3, whole.
    public static func effectivePerplexity(_ requested: Double, count: Int) -> Double {
        min(requested, (Double(count - 1) / 3).rounded(.down))
    }

    /// harmonypy's `compute_simpson` for one point: bisection on the kernel's β, then Σ p_label².
    static func simpson(distances: [Double], labels: [Int], perplexity: Double, tolerance: Double = 1e-5) -> Double {
        let target = log(perplexity)
        var beta = 1.0
        var low = -Double.infinity
        var high = Double.infinity
        func weights(_ beta: Double) -> (entropy: Double, p: [Double]) {
            let raw = distances.map { exp(-$0 * beta) }
            let sum = raw.reduce(0, +)
            guard sum > 0 else { return (0, raw.map { _ in 0 }) }
            let entropy = log(sum) + beta * zip(distances, raw).reduce(0) { $0 + $1.0 * $1.1 } / sum
            return (entropy, raw.map { $0 / sum })
        }
        var (entropy, p) = weights(beta)
        var difference = entropy - target
        for _ in 0..<50 where abs(difference) >= tolerance {
            if difference > 0 {
                low = beta
                beta = high.isFinite ? (beta + high) / 2 : beta * 2
            } else {
                high = beta
                beta = low.isFinite ? (beta + low) / 2 : beta / 2
            }
            (entropy, p) = weights(beta)
            difference = entropy - target
        }
        var total = entropy == 0 ? -1.0 : 0.0
        var byLabel: [Int: Double] = [:]
        for (weight, label) in zip(p, labels) { byLabel[label, default: 0] += weight }
        for weight in byLabel.values { total += weight * weight }
        return total
    }

    /// The first two principal components of `points` (centred), as coordinates per point.
    ///
    /// Power iteration with deflation over X (never the d × d covariance), from a fixed start, with
    /// each axis's sign chosen so that its largest coordinate is positive: the same input always
    /// draws the same picture.
    /// - Complexity: O(iterations × n × d).
    public static func principalComponents(_ points: [[Double]], iterations: Int = 200) -> [(x: Double, y: Double)] {
        guard let d = points.first?.count, d > 0 else { return points.map { _ in (0, 0) } }
        var mean = [Double](repeating: 0, count: d)
        for p in points { for j in 0..<d { mean[j] += p[j] } }
        for j in 0..<d { mean[j] /= Double(points.count) }
        let centred = points.map { p in (0..<d).map { p[$0] - mean[$0] } }
        var axes: [[Double]] = []
        for component in 0..<2 {
            var v = (0..<d).map { 1 + Double(($0 * 7 + component * 3) % 11) / 10 }
            for _ in 0..<iterations {
                var next = [Double](repeating: 0, count: d)
                for row in centred {
                    let t = dot(row, v)
                    for j in 0..<d { next[j] += t * row[j] }
                }
                for axis in axes {
                    let t = dot(next, axis)
                    for j in 0..<d { next[j] -= t * axis[j] }
                }
                let norm = dot(next, next).squareRoot()
                guard norm > 0 else { break }
                v = next.map { $0 / norm }
            }
            let scores = centred.map { dot($0, v) }
            if let largest = scores.max(by: { abs($0) < abs($1) }), largest < 0 { v = v.map { -$0 } }
            axes.append(v)
        }
        return centred.map { (dot($0, axes[0]), dot($0, axes[1])) }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices {
            let t = a[i] - b[i]
            sum += t * t
        }
        return sum.squareRoot()
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in a.indices { sum += a[i] * b[i] }
        return sum
    }
}
