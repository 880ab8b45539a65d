public import NatterCore
import Foundation

/// The daemon's only source of time, so its timers (session-state deadlines,
/// resends, dialling) can be driven by a test clock (`NatterTesting.TestClock`).
public protocol DaemonClock: Sendable {
    /// Monotonic time for deadlines: never jumps, even when the wall clock does.
    var now: MonotonicInstant { get }
    /// Wall-clock Unix milliseconds for what is stored and shown (message times).
    var unixMilliseconds: UInt64 { get }
    /// Returns at `deadline`; throws `CancellationError` when the task is cancelled.
    func sleep(until deadline: MonotonicInstant) async throws
}

/// The real clock: `ContinuousClock` measured from the daemon's start, and the
/// system's wall clock.
public struct SystemClock: DaemonClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: MonotonicInstant { MonotonicInstant(sinceOrigin: ContinuousClock.now - origin) }

    public var unixMilliseconds: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }

    public func sleep(until deadline: MonotonicInstant) async throws {
        try await ContinuousClock().sleep(until: origin + deadline.sinceOrigin)
    }
}
