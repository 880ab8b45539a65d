/// A point in time for the session-state engine: a duration since an origin
/// the caller chooses (the daemon uses the moment it started on a monotonic
/// clock; tests start at zero).
///
/// The engine never reads a clock: every call passes the time in, so tests are
/// deterministic and run without sleeping.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    public var sinceOrigin: Duration

    public init(sinceOrigin: Duration) {
        self.sinceOrigin = sinceOrigin
    }

    public static let origin = MonotonicInstant(sinceOrigin: .zero)

    public static func + (lhs: Self, rhs: Duration) -> Self { Self(sinceOrigin: lhs.sinceOrigin + rhs) }
    public static func - (lhs: Self, rhs: Self) -> Duration { lhs.sinceOrigin - rhs.sinceOrigin }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.sinceOrigin < rhs.sinceOrigin }
}
