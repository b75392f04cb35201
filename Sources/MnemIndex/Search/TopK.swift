/// The k best (score, row) pairs seen, in a min-heap whose root is the worst kept.
///
/// Equal scores keep the earlier row (the smaller id), so results do not depend on timing.
/// Each pair is kept as one 64-bit key whose integer order is the ranking: the score's bits
/// made monotonic in the high half, the row's complement in the low half (a lower row ranks
/// higher on a tie). One compare per step and one array, where a pair of arrays cost two
/// uniqueness and bounds checks per swap. A NaN score is never kept.
/// - Complexity: O(log k) per insertion that is kept, O(1) for one that is not.
struct TopK {
    let capacity: Int
    private(set) var keys: [UInt64] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        keys.reserveCapacity(self.capacity)
    }

    /// The key of (score, row): greater means ranked higher. -0 and +0 are one score, as for `==`.
    @inline(__always)
    static func key(_ score: Float, row: Int32) -> UInt64 {
        let bits = (score + 0).bitPattern
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(ordered) << 32 | UInt64(~UInt32(bitPattern: row))
    }

    @inline(__always)
    static func score(_ key: UInt64) -> Float {
        let ordered = UInt32(truncatingIfNeeded: key >> 32)
        return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
    }

    @inline(__always)
    static func row(_ key: UInt64) -> Int32 { Int32(bitPattern: ~UInt32(truncatingIfNeeded: key)) }

    /// What a row later than every kept one must score above to be kept: -∞ until the heap is
    /// full, then the root's score (a tie keeps the lower, kept row); +∞ when nothing is kept.
    var admissionBound: Float {
        guard capacity > 0 else { return .infinity }
        return keys.count < capacity ? -.infinity : Self.score(keys[0])
    }

    @inline(__always)
    mutating func insert(_ score: Float, row: Int32) {
        guard !score.isNaN else { return }
        let key = Self.key(score, row: row)
        if keys.count < capacity {
            keys.append(key)
            siftUp(keys.count - 1)
        } else if capacity > 0, keys[0] < key {
            keys[0] = key
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        keys.withUnsafeMutableBufferPointer { heap in
            var i = start
            let key = heap[i]
            while i > 0 {
                let parent = (i - 1) / 2
                guard key < heap[parent] else { break }
                heap[i] = heap[parent]
                i = parent
            }
            heap[i] = key
        }
    }

    private mutating func siftDown(_ start: Int) {
        keys.withUnsafeMutableBufferPointer { heap in
            let n = heap.count
            var i = start
            let key = heap[i]
            while true {
                let l = 2 * i + 1
                guard l < n else { break }
                var child = l
                if l + 1 < n, heap[l + 1] < heap[l] { child = l + 1 }
                guard heap[child] < key else { break }
                heap[i] = heap[child]
                i = child
            }
            heap[i] = key
        }
    }

    /// The kept keys, best first (`score(_:)` and `row(_:)` read them).
    func sortedKeys() -> [UInt64] { keys.sorted(by: >) }

    /// The kept pairs, best first.
    func sorted() -> [(score: Float, row: Int32)] {
        sortedKeys().map { (score: Self.score($0), row: Self.row($0)) }
    }
}
