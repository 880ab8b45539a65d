/// Every period of the mDNS record, named once (Docs/protocol.md §3, §7).
/// All times are Unix milliseconds (UTC), as in the sealed record.
public enum DiscoveryTimes {
    /// One epoch is one UTC day. The published team tag, keyed fingerprint
    /// and instance name change at every epoch boundary, so a stranger cannot
    /// tell that yesterday's laptop is today's. A day, not an hour: every
    /// change is a goodbye and a new name probed for about a second, and a
    /// device that is not linked yet is invisible for that second. Every peer
    /// MUST use the same length, or members stop recognising each other.
    public static let epochMilliseconds: UInt64 = 86_400_000

    /// A publisher re-seals its record (new publication time, new nonce) at
    /// least this often, so receivers can refuse old copies
    /// (``maximumAgeMilliseconds``). A TXT update in place: one announcement,
    /// no new name.
    public static let refreshMilliseconds: UInt64 = 20 * 60_000

    /// A receiver refuses a record published longer ago than this: a copy
    /// replayed later is refused, while a record refreshed on time is never
    /// older than ``refreshMilliseconds`` plus clock skew. Three hours, not
    /// one: of two colleagues whose clocks differ by d, the one ahead sees
    /// the other's record as d + up to 20 minutes old, and dials; the
    /// handshake's clock hint (Docs/protocol.md §4.4.1) does the rest. So
    /// clocks up to 2 h 40 min apart still link over mDNS; the cost is that
    /// a captured record can be replayed as a phantom (whose dials fail) for
    /// three hours instead of one.
    public static let maximumAgeMilliseconds: UInt64 = 3 * 60 * 60_000

    /// A receiver refuses a record published further in its future than this.
    /// Kept short: a member could otherwise publish a record far ahead for
    /// another member's fingerprint and, as the newest ever seen, shut out
    /// the real one's records until then. A colleague further ahead is
    /// still found: it sees this device's record as old, and dials.
    public static let maximumFutureMilliseconds: UInt64 = 5 * 60_000

    /// The epoch (UTC day number since 1970-01-01) of a time.
    public static func epoch(ofMilliseconds milliseconds: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: milliseconds / epochMilliseconds)
    }

    /// The epochs a receiver accepts at `now`: those of every time in
    /// [now − maximum age, now + maximum future]. One or two, never more
    /// (the window is shorter than an epoch).
    public static func acceptedEpochs(nowMilliseconds now: UInt64) -> [UInt32] {
        let earliest = epoch(ofMilliseconds: now > maximumAgeMilliseconds ? now - maximumAgeMilliseconds : 0)
        let latest = epoch(ofMilliseconds: now + maximumFutureMilliseconds)
        return earliest == latest ? [earliest] : [earliest, latest]
    }

    /// When a publisher that sealed its record at `published` must publish
    /// again: at the next epoch boundary (new name, new tag), or when the
    /// refresh interval runs out, whichever comes first.
    public static func nextPublication(after published: UInt64) -> UInt64 {
        let boundary = (published / epochMilliseconds + 1) * epochMilliseconds
        return min(boundary, published + refreshMilliseconds)
    }
}
