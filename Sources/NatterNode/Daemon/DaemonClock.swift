public import NatterCore
public import NIOCore
import Foundation

/// The daemon's only source of time, so its timers (session-state deadlines,
/// resends, dialling) can be driven by a test clock (`NatterTesting.TestClock`).
public protocol DaemonClock: Sendable {
    /// Monotonic time for deadlines: never jumps, even when the wall clock does.
    var now: MonotonicInstant { get }
    /// Wall-clock Unix milliseconds for what is stored and shown (message times).
    var unixMilliseconds: UInt64 { get }
    /// Returns at `deadline`; throws `CancellationError` when the task is cancelled.
    /// Runs on the caller's executor (`nonisolated(nonsending)`), so a sleep
    /// on the daemon's actor starts and ends there, without a hop through
    /// Swift's global executor.
    nonisolated(nonsending) func sleep(until deadline: MonotonicInstant) async throws
}

/// The real clock: `ContinuousClock` measured from the daemon's start, and the
/// system's wall clock.
///
/// Given an event loop (the daemon's), it sleeps with that loop's timer: a
/// sleep on the actor then costs the loop one wake-up when it ends, where
/// `Task.sleep` woke Swift's timer thread and a pool thread, which then woke
/// the loop to run the actor's job (Docs/architecture.md, "Threads and
/// tasks"). The loop's timer counts monotonic time, which stops while the
/// machine is suspended: after a resume, a sleep ends late by the time it
/// had left, at most one maintenance round (2 s) for the round itself.
public struct SystemClock: DaemonClock {
    private let origin = ContinuousClock.now
    private let loop: (any EventLoop)?

    public init() {
        loop = nil
    }

    /// A clock whose sleeps are `loop`'s timers.
    public init(sleepingOn loop: any EventLoop) {
        self.loop = loop
    }

    public var now: MonotonicInstant { MonotonicInstant(sinceOrigin: ContinuousClock.now - origin) }

    public var unixMilliseconds: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }

    nonisolated(nonsending) public func sleep(until deadline: MonotonicInstant) async throws {
        guard let loop else {
            try await ContinuousClock().sleep(until: origin + deadline.sinceOrigin)
            return
        }
        let remaining = deadline.sinceOrigin - (ContinuousClock.now - origin)
        guard remaining > .zero else {
            try Task.checkCancellation()
            return
        }
        let timer = loop.scheduleTask(in: TimeAmount(remaining)) {}
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                timer.futureResult.whenComplete { result in
                    continuation.resume(with: result.mapError { _ in CancellationError() })
                }
            }
        } onCancel: {
            timer.cancel()
        }
    }
}
