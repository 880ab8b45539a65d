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
/// (on the TCP event loop) and its datagrams (on the UDP one). It lives
/// inside ``DatagramRelayTable``'s lock, so a datagram costs one lock.
///
/// Buckets are keyed by a small integer per member, given out when a route
/// or a stream first names the member: the per-datagram lookup hashes an
/// `Int`, not a 16-byte array.
struct RelayBudget {
    let bytesPerSecond: Int
    private var ids: [[UInt8]: Int] = [:]
    private var members: [Int: (keyed: [UInt8], routes: Int)] = [:]
    private var buckets: [Int: TokenBucket] = [:]
    private var nextID = 0

    init(bytesPerSecond: Int) {
        self.bytesPerSecond = bytesPerSecond
    }

    var trackedMembers: Int { buckets.count }

    /// The member's number; `route` counts a route that refers to it.
    mutating func id(of keyed: [UInt8], route: Bool) -> Int {
        let id: Int
        if let known = ids[keyed] {
            id = known
        } else {
            id = nextID
            nextID += 1
            ids[keyed] = id
            members[id] = (keyed, 0)
        }
        if route { members[id]!.routes += 1 }
        return id
    }

    /// A route that referred to member `id` is gone.
    mutating func release(_ id: Int) {
        members[id]?.routes -= 1
        forgetIfUnused(id)
    }

    mutating func take(_ bytes: Int, member id: Int, now: ContinuousClock.Instant) -> Bool {
        buckets[id, default: TokenBucket(bytesPerSecond: bytesPerSecond, now: now)].take(bytes, now: now)
    }

    mutating func charge(_ bytes: Int, member id: Int, now: ContinuousClock.Instant) -> Duration {
        buckets[id, default: TokenBucket(bytesPerSecond: bytesPerSecond, now: now)].charge(bytes, now: now)
    }

    /// Forgets buckets that are full again, so the table stays as small as the active set.
    mutating func prune(now: ContinuousClock.Instant) {
        for (id, bucket) in buckets where bucket.isIdle(now: now) {
            buckets[id] = nil
            forgetIfUnused(id)
        }
    }

    private mutating func forgetIfUnused(_ id: Int) {
        guard let member = members[id], member.routes <= 0, buckets[id] == nil else { return }
        members[id] = nil
        ids[member.keyed] = nil
    }
}
