import NatterWire
import Testing

@Suite("Source rate limiter")
struct SourceRateLimiterTests {
    let start = ContinuousClock.now

    @Test func allowsTheLimitPerWindowThenRefusesUntilTheWindowPasses() {
        var limiter = SourceRateLimiter(limit: 3, window: .seconds(10), now: start)
        var answers: [Bool] = []
        for _ in 0..<5 { answers.append(limiter.allow("10.0.0.1", now: start)) }
        #expect(answers == [true, true, true, false, false])
        let otherSource = limiter.allow("10.0.0.2", now: start)
        #expect(otherSource, "other sources are not affected")
        let stillLimited = limiter.allow("10.0.0.1", now: start + .seconds(9.9))
        #expect(!stillLimited)
        let nextWindow = limiter.allow("10.0.0.1", now: start + .seconds(10))
        #expect(nextWindow)
    }

    @Test func memoryStaysBoundedUnderSpoofedSources() {
        var limiter = SourceRateLimiter(limit: 3, window: .seconds(10), maximumSources: 100, now: start)
        for index in 0..<300 {
            _ = limiter.allow("source-\(index)", now: start)
            #expect(limiter.trackedSources <= 100)
        }
    }
}
