/// Limits attempts per source address: a fixed window of `limit` attempts
/// per `window`. Bounded: at most `maximumSources` addresses are tracked;
/// the table is cleared when a window passes or it is full. The link layer
/// uses it for handshakes, the forwarder for handshakes and relay requests.
public struct SourceRateLimiter: Sendable {
    public let limit: Int
    public let window: Duration
    public let maximumSources: Int
    private var counts: [String: Int] = [:]
    private var windowStart: ContinuousClock.Instant

    public init(limit: Int, window: Duration, maximumSources: Int = 4096, now: ContinuousClock.Instant) {
        self.limit = limit
        self.window = window
        self.maximumSources = maximumSources
        windowStart = now
    }

    /// How many source addresses are tracked now (never above `maximumSources`).
    public var trackedSources: Int { counts.count }

    /// Counts an attempt from `source`; false when it is over the limit.
    public mutating func allow(_ source: String, now: ContinuousClock.Instant) -> Bool {
        if now - windowStart >= window || counts.count >= maximumSources {
            counts.removeAll(keepingCapacity: true)
            windowStart = now
        }
        counts[source, default: 0] += 1
        return counts[source]! <= limit
    }
}
