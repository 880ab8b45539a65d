import NIOCore

/// Limits handshake attempts per source address: a fixed window of
/// ``WireConstants/handshakesPerSource`` per ``WireConstants/rateLimitWindow``.
/// Bounded: at most ``NodeConstants/rateLimitedSources`` addresses are
/// tracked; the table is cleared when a window passes or it is full.
struct SourceRateLimiter {

    let limit: Int
    let window: Duration
    private var counts: [String: Int] = [:]
    private var windowStart: ContinuousClock.Instant

    init(limit: Int, window: Duration, now: ContinuousClock.Instant) {
        self.limit = limit
        self.window = window
        windowStart = now
    }

    /// How many source addresses are tracked now (never above ``NodeConstants/rateLimitedSources``).
    var trackedSources: Int { counts.count }

    /// Counts an attempt from `source`; false when it is over the limit.
    mutating func allow(_ source: String, now: ContinuousClock.Instant) -> Bool {
        if now - windowStart >= window || counts.count >= NodeConstants.rateLimitedSources {
            counts.removeAll(keepingCapacity: true)
            windowStart = now
        }
        counts[source, default: 0] += 1
        return counts[source]! <= limit
    }
}
