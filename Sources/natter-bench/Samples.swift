import Foundation

/// Latencies of one run, and the summary `scripts/bench` turns into a table row.
struct Samples {
    private(set) var microseconds: [Double] = []

    mutating func add(_ duration: Duration) {
        microseconds.append(duration.microseconds)
    }

    /// The nearest-rank percentile (no interpolation: every figure is a measured sample).
    func percentile(_ p: Double) -> Double {
        let sorted = microseconds.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// One JSON line: count, min, p50, p90, p99, max in microseconds, scaled by `factor`
    /// (0.5 turns a round trip into a one-way estimate).
    func summary(_ name: String, factor: Double = 1) -> String {
        let fields: [(String, Double)] = [
            ("min", percentile(0) * factor), ("p50", percentile(50) * factor), ("p90", percentile(90) * factor), ("p99", percentile(99) * factor),
            ("max", percentile(100) * factor),
        ]
        let numbers = fields.map { "\"\($0.0)\":\(String(format: "%.1f", $0.1))" }.joined(separator: ",")
        return "{\"scenario\":\"\(name)\",\"n\":\(microseconds.count),\(numbers)}"
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    /// Fractional microseconds, the unit of every figure the bench prints.
    var microseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1_000_000 + Double(attoseconds) / 1_000_000_000_000
    }
}
