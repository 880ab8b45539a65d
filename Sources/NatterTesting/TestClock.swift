public import NatterCore
public import NatterNode
import Synchronization

/// A clock that moves only when a test says so: ``advance(by:)`` wakes every
/// sleeper whose deadline has come, in deadline order. Wall-clock time moves
/// with it, from a fixed start.
public final class TestClock: DaemonClock {
    private struct Sleeper {
        let deadline: MonotonicInstant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = MonotonicInstant.origin
        var sleepers: [UInt64: Sleeper] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let wallStart: UInt64

    /// - Parameter unixMilliseconds: the wall-clock time at the origin.
    public init(unixMilliseconds: UInt64 = 1_764_000_000_000) {
        wallStart = unixMilliseconds
    }

    public var now: MonotonicInstant { state.withLock { $0.now } }

    public var unixMilliseconds: UInt64 {
        wallStart + UInt64(now.sinceOrigin.wholeMilliseconds)
    }

    /// How many tasks are waiting for the clock (a test can wait for a timer to be set).
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Returns once at least `count` tasks wait for the clock, so a test
    /// advances time only after the timers it means to fire are set.
    /// Gives up after ``EventRecorder/patience`` of real time, so a broken
    /// timer fails the test instead of hanging it.
    public func waitForSleepers(_ count: Int) async {
        let deadline = ContinuousClock.now + EventRecorder.patience
        while sleeperCount < count && ContinuousClock.now < deadline { await Task.yield() }
    }

    nonisolated(nonsending) public func sleep(until deadline: MonotonicInstant) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes the sleepers whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now + duration
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.sorted { $0.deadline < $1.deadline }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
