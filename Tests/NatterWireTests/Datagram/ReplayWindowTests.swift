import NatterWire
import Testing

@Suite("Replay window (RFC 6479)")
struct ReplayWindowTests {
    @Test func acceptsEachCounterOnceAndToleratesReordering() {
        var window = ReplayWindow()
        let result1 = window.accept(5)
        #expect(result1)
        let result2 = window.accept(5)
        #expect(!result2, "replay")
        let result3 = window.accept(3)
        #expect(result3, "reordered, inside the window")
        let result4 = window.accept(3)
        #expect(!result4)
        let result5 = window.accept(6)
        #expect(result5)
        #expect(window.highest == 6)
    }

    @Test func refusesWhatFellOutOfTheWindow() {
        var window = ReplayWindow()
        let result6 = window.accept(10_000)
        #expect(result6)
        let result7 = window.accept(10_000 - WireConstants.replayWindowSize)
        #expect(!result7, "exactly one window behind")
        let result8 = window.accept(10_000 - WireConstants.replayWindowSize + 1)
        #expect(result8)
    }

    @Test func aBigJumpForgetsOldBitsCorrectly() {
        var window = ReplayWindow()
        for counter in 0..<200 as Range<UInt64> {
            let accepted = window.accept(counter)
            #expect(accepted)
        }
        let result9 = window.accept(1_000_000)
        #expect(result9)
        // Counters that share bitmap positions with old ones are new again after the slide.
        let result10 = window.accept(1_000_000 - 64)
        #expect(result10)
        let result11 = window.accept(150)
        #expect(!result11, "far too old")
    }

    @Test func checkDoesNotRecord() {
        var window = ReplayWindow()
        #expect(window.check(1))
        #expect(window.check(1))
        window.accept(1)
        #expect(!window.check(1))
    }
}
