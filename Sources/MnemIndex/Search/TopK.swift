/// The k best (score, row) pairs seen, in a min-heap whose root is the worst kept.
///
/// Equal scores keep the earlier row (the smaller id), so results do not depend on timing.
/// - Complexity: O(log k) per insertion that is kept, O(1) for one that is not.
struct TopK {
    let capacity: Int
    private(set) var scores: [Float] = []
    private(set) var rows: [Int32] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        scores.reserveCapacity(self.capacity)
        rows.reserveCapacity(self.capacity)
    }

    /// What a row later than every kept one must score above to be kept: -∞ until the heap is
    /// full, then the root's score (a tie keeps the lower, kept row); +∞ when nothing is kept.
    var admissionBound: Float {
        guard capacity > 0 else { return .infinity }
        return scores.count < capacity ? -.infinity : scores[0]
    }

    /// Whether (a, ra) ranks below (b, rb).
    @inline(__always)
    private static func worse(_ a: Float, _ ra: Int32, _ b: Float, _ rb: Int32) -> Bool {
        a < b || (a == b && ra > rb)
    }

    @inline(__always)
    mutating func insert(_ score: Float, row: Int32) {
        if scores.count < capacity {
            scores.append(score)
            rows.append(row)
            siftUp(scores.count - 1)
        } else if capacity > 0, Self.worse(scores[0], rows[0], score, row) {
            scores[0] = score
            rows[0] = row
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.worse(scores[i], rows[i], scores[parent], rows[parent]) else { break }
            scores.swapAt(i, parent)
            rows.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = scores.count
        while true {
            var smallest = i
            let l = 2 * i + 1
            let r = l + 1
            if l < n, Self.worse(scores[l], rows[l], scores[smallest], rows[smallest]) { smallest = l }
            if r < n, Self.worse(scores[r], rows[r], scores[smallest], rows[smallest]) { smallest = r }
            if smallest == i { return }
            scores.swapAt(i, smallest)
            rows.swapAt(i, smallest)
            i = smallest
        }
    }

    /// The kept pairs, best first.
    func sorted() -> [(score: Float, row: Int32)] {
        zip(scores, rows).map { (score: $0, row: $1) }.sorted { Self.worse($1.score, $1.row, $0.score, $0.row) }
    }
}
