import Synchronization

/// A token bucket of bytes: `rate` per second, holding at most one second's worth.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let capacity: Double
    private(set) var balance: Double
    private(set) var last: ContinuousClock.Instant

    public init(bytesPerSecond: Int, now: ContinuousClock.Instant) {
        rate = Double(max(1, bytesPerSecond))
        capacity = rate
        balance = capacity
        last = now
    }

    private mutating func refill(_ now: ContinuousClock.Instant) {
        guard now > last else { return }
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        balance = min(capacity, balance + seconds * rate)
        last = now
    }

    /// Takes `bytes` if the bucket holds them (a datagram: all or nothing).
    public mutating func take(_ bytes: Int, now: ContinuousClock.Instant) -> Bool {
        refill(now)
        guard balance >= Double(bytes) else { return false }
        balance -= Double(bytes)
        return true
    }

    /// Takes `bytes` already read from a stream (the balance may go below
    /// zero) and says how long to pause reading until it is back at zero.
    public mutating func charge(_ bytes: Int, now: ContinuousClock.Instant) -> Duration {
        refill(now)
        balance -= Double(bytes)
        guard balance < 0 else { return .zero }
        return .nanoseconds(Int64((-balance / rate * 1e9).rounded(.up)))
    }

    /// Full again: nothing was taken for a second.
    public func isIdle(now: ContinuousClock.Instant) -> Bool { balance >= capacity || now - last >= .seconds(1) }
}

/// Each member's relayed-bandwidth bucket, shared by its spliced streams
/// (on the TCP event loop) and its datagrams (on the UDP one).
public final class RelayBudget: Sendable {
    public let bytesPerSecond: Int
    private let buckets = Mutex<[[UInt8]: TokenBucket]>([:])

    public init(bytesPerSecond: Int) {
        self.bytesPerSecond = bytesPerSecond
    }

    public func take(_ bytes: Int, member: [UInt8], now: ContinuousClock.Instant) -> Bool {
        buckets.withLock { buckets in
            buckets[member, default: TokenBucket(bytesPerSecond: bytesPerSecond, now: now)].take(bytes, now: now)
        }
    }

    public func charge(_ bytes: Int, member: [UInt8], now: ContinuousClock.Instant) -> Duration {
        buckets.withLock { buckets in
            buckets[member, default: TokenBucket(bytesPerSecond: bytesPerSecond, now: now)].charge(bytes, now: now)
        }
    }

    /// Forgets buckets that are full again, so the table stays as small as the active set.
    public func prune(now: ContinuousClock.Instant) {
        buckets.withLock { buckets in buckets = buckets.filter { !$0.value.isIdle(now: now) } }
    }

    public var trackedMembers: Int { buckets.withLock { $0.count } }
}
