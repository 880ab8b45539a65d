/// A hybrid logical clock reading (Kulkarni et al., 2014): Unix milliseconds
/// in the high 48 bits, a counter in the low 16, one `u64` on the wire.
///
/// It stays close to the wall clock (so the agreed order reads like time) yet
/// never goes backwards and always exceeds every timestamp its holder has seen,
/// so a reply is ordered after the message it answers even across skewed clocks.
public struct HybridTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(milliseconds: UInt64, counter: UInt16) {
        rawValue = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | UInt64(counter)
    }

    public var milliseconds: UInt64 { rawValue >> 16 }
    public var counter: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    public var description: String { "\(milliseconds).\(counter)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The clock itself: one per daemon, fed the wall time on every send and
/// every group frame received. Pure: the caller passes the wall time in.
public struct HybridLogicalClock: Sendable {
    /// A received timestamp further ahead of our wall clock than this is
    /// counted only up to it: one colleague with a clock a day fast must not
    /// drag every member's clock (and the agreed order) a day ahead. 60 s is
    /// the handshake's own tolerance for clock difference.
    public static let maximumDriftMilliseconds: UInt64 = 60_000

    public private(set) var latest: HybridTimestamp

    public init(latest: HybridTimestamp = HybridTimestamp(rawValue: 0)) {
        self.latest = latest
    }

    /// The timestamp for a message sent now: strictly after every earlier one.
    public mutating func send(wallMilliseconds: UInt64) -> HybridTimestamp {
        advance(past: latest, wallMilliseconds: wallMilliseconds)
    }

    /// A group frame with `remote` arrived: later sends order after it.
    public mutating func receive(_ remote: HybridTimestamp, wallMilliseconds: UInt64) {
        let ceiling = HybridTimestamp(milliseconds: wallMilliseconds + Self.maximumDriftMilliseconds, counter: .max)
        let seen = min(remote, ceiling)
        if seen > latest { latest = seen }
    }

    private mutating func advance(past floor: HybridTimestamp, wallMilliseconds: UInt64) -> HybridTimestamp {
        let next: HybridTimestamp
        if wallMilliseconds > floor.milliseconds {
            next = HybridTimestamp(milliseconds: wallMilliseconds, counter: 0)
        } else if floor.counter < .max {
            next = HybridTimestamp(milliseconds: floor.milliseconds, counter: floor.counter + 1)
        } else {
            // 65 536 sends in one millisecond: borrow the next millisecond.
            next = HybridTimestamp(milliseconds: floor.milliseconds + 1, counter: 0)
        }
        latest = next
        return next
    }
}
