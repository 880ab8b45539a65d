import NatterCore
@testable import NatterNode
import Testing

@Suite("LogThrottle: repeated lines once per interval with a count")
struct LogThrottleTests {
    func at(_ seconds: Int) -> MonotonicInstant { .origin + .seconds(seconds) }

    @Test func theFirstIsWrittenThenOnePerIntervalWithTheCount() {
        var throttle = LogThrottle<String>(interval: .seconds(60))
        #expect(throttle.occurred("disk full", at: at(0)) == .log(heldBack: 0))
        for second in 1..<60 { #expect(throttle.occurred("disk full", at: at(second)) == .holdBack) }
        #expect(throttle.occurred("disk full", at: at(60)) == .log(heldBack: 59), "the interval is over: written, with the count")
        #expect(throttle.occurred("disk full", at: at(61)) == .holdBack, "a new interval")
    }

    @Test func differentLinesAreCountedApart() {
        var throttle = LogThrottle<String>(interval: .seconds(60))
        #expect(throttle.occurred("a", at: at(0)) == .log(heldBack: 0))
        #expect(throttle.occurred("b", at: at(1)) == .log(heldBack: 0))
        #expect(throttle.occurred("a", at: at(2)) == .holdBack)
    }

    @Test func whenRepeatsStopTheirCountIsDueOnceAndTheNextIsWrittenAtOnce() {
        var throttle = LogThrottle<String>(interval: .seconds(60))
        _ = throttle.occurred("a", at: at(0))
        _ = throttle.occurred("a", at: at(5))
        _ = throttle.occurred("a", at: at(6))
        _ = throttle.occurred("quiet", at: at(10))
        #expect(throttle.due(at: at(59)).isEmpty, "the interval is not over")
        let due = throttle.due(at: at(70))
        #expect(due.map(\.key) == ["a"] && due.map(\.heldBack) == [2], "a line written once has nothing to add")
        #expect(throttle.due(at: at(200)).isEmpty, "told once")
        #expect(throttle.occurred("a", at: at(201)) == .log(heldBack: 0))
    }

    @Test func beyondItsCapacityANewLineIsWrittenNotLost() {
        var throttle = LogThrottle<Int>(interval: .seconds(60), capacity: 2)
        _ = throttle.occurred(1, at: at(0))
        _ = throttle.occurred(2, at: at(0))
        #expect(throttle.occurred(3, at: at(1)) == .log(heldBack: 0))
        #expect(throttle.occurred(3, at: at(2)) == .log(heldBack: 0), "not tracked, so never held back")
        #expect(throttle.occurred(1, at: at(2)) == .holdBack)
    }
}
