@testable import NatterHTTP
import Testing

@Suite("ConnectionBurst: when a burst of API connections is over")
struct ConnectionBurstTests {
    @Test func theLastOfABurstEndsItOnce() {
        var burst = ConnectionBurst(threshold: 3)
        for _ in 0..<4 { burst.opened() }
        #expect(burst.peak == 4)
        let ends = (0..<4).map { _ in burst.closed() }
        #expect(ends == [false, false, false, true], "only the last of four gives memory back")
        #expect(burst.peak == 0)
        burst.opened()
        let ended = burst.closed()
        #expect(!ended, "one connection after a burst is no burst")
    }

    @Test func connectionsThatComeAndGoOneByOneAreNoBurst() {
        var burst = ConnectionBurst(threshold: 3)
        for _ in 0..<100 {
            burst.opened()
            let ended = burst.closed()
            #expect(!ended)
        }
    }

    @Test func aBurstCountsTheMostOpenAtOnceNotTheTotal() {
        var burst = ConnectionBurst(threshold: 3)
        burst.opened(); burst.opened()
        _ = burst.closed()
        burst.opened(); burst.opened()
        #expect(burst.open == 3 && burst.peak == 3)
        let ends = (0..<3).map { _ in burst.closed() }
        #expect(ends == [false, false, true])
    }
}
