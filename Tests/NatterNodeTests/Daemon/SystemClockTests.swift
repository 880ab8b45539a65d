import NatterCore
import NatterNode
import NIOCore
import NIOPosix
import Testing

/// The real clock sleeping on an event loop's timer (the daemon's loop): it
/// must end at the deadline, not before, and end at once when cancelled,
/// or the daemon's timers and its shutdown would break. Real time, briefly:
/// this is the clock itself, not code that uses one.
@Suite("SystemClock sleeping on an event loop")
struct SystemClockTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    @Test func aSleepEndsAtItsDeadline() async throws {
        let clock = SystemClock(sleepingOn: loop)
        let deadline = clock.now + .milliseconds(30)
        try await clock.sleep(until: deadline)
        #expect(clock.now >= deadline)
    }

    @Test func aDeadlineAlreadyPastReturnsAtOnce() async throws {
        let clock = SystemClock(sleepingOn: loop)
        let before = ContinuousClock.now
        try await clock.sleep(until: clock.now)
        #expect(ContinuousClock.now - before < .seconds(1))
    }

    @Test func cancellingASleepEndsItWithCancellationError() async throws {
        let clock = SystemClock(sleepingOn: loop)
        let sleeper = Task { try await clock.sleep(until: clock.now + .seconds(60)) }
        try await Task.sleep(for: .milliseconds(20))
        let before = ContinuousClock.now
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(ContinuousClock.now - before < .seconds(5))
    }
}
