import NatterCore
@testable import NatterNode
import Testing

@Suite("Engine timer: set again only for an earlier deadline")
struct EngineTimerTests {
    static func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000))) }

    @Test func keystrokesThatMoveThePausedDeadlineLaterKeepTheTimerSetOnce() {
        var timer = EngineTimer()
        #expect(timer.deadline(Self.at(5)) == .set(Self.at(5)))
        // Typing goes on: *paused* is due later each time; the timer is not touched.
        for keystroke in 1...50 {
            #expect(timer.deadline(Self.at(5 + Double(keystroke) * 0.1)) == .keep)
        }
        #expect(timer.firesAt == Self.at(5))
        // It fires early, the engines find nothing due, and it is set for the real deadline.
        timer.fired()
        #expect(timer.firesAt == nil)
        #expect(timer.deadline(Self.at(10)) == .set(Self.at(10)))
    }

    @Test func anEarlierDeadlineSetsItAgainAndNoDeadlineCancelsIt() {
        var timer = EngineTimer()
        #expect(timer.deadline(nil) == .keep, "nothing runs, nothing to cancel")
        #expect(timer.deadline(Self.at(30)) == .set(Self.at(30)))
        #expect(timer.deadline(Self.at(30)) == .keep)
        #expect(timer.deadline(Self.at(8)) == .set(Self.at(8)), "an earlier deadline must not wait for the later timer")
        #expect(timer.deadline(nil) == .cancel)
        #expect(timer.firesAt == nil)
        #expect(timer.deadline(nil) == .keep)
        #expect(timer.deadline(Self.at(2)) == .set(Self.at(2)))
    }
}
