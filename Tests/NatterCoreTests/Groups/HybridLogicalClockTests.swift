import NatterCore
import Testing

@Suite("Hybrid logical clock and the agreed order")
struct HybridLogicalClockTests {
    @Test func followsTheWallClockAndNeverGoesBack() {
        var clock = HybridLogicalClock()
        let first = clock.send(wallMilliseconds: 1000)
        #expect(first == HybridTimestamp(milliseconds: 1000, counter: 0))
        let sameMillisecond = clock.send(wallMilliseconds: 1000)
        #expect(sameMillisecond == HybridTimestamp(milliseconds: 1000, counter: 1))
        let wallWentBack = clock.send(wallMilliseconds: 900)
        #expect(wallWentBack == HybridTimestamp(milliseconds: 1000, counter: 2))
        #expect(clock.send(wallMilliseconds: 1001) == HybridTimestamp(milliseconds: 1001, counter: 0))
    }

    @Test func aReplyOrdersAfterWhatItAnswersEvenWithASlowClock() {
        var fast = HybridLogicalClock(), slow = HybridLogicalClock()
        let question = fast.send(wallMilliseconds: 50_000)
        slow.receive(question, wallMilliseconds: 20_000)
        let answer = slow.send(wallMilliseconds: 20_001)
        #expect(answer > question)
    }

    @Test func aClockFarAheadDragsOthersOnlyUpToTheDriftBound() {
        var clock = HybridLogicalClock()
        let dayAhead = HybridTimestamp(milliseconds: 1000 + 86_400_000, counter: 0)
        clock.receive(dayAhead, wallMilliseconds: 1000)
        let next = clock.send(wallMilliseconds: 1001)
        #expect(next.milliseconds == 1000 + HybridLogicalClock.maximumDriftMilliseconds + 1)
        #expect(next < dayAhead)
    }

    @Test func theCounterOverflowBorrowsTheNextMillisecond() {
        var clock = HybridLogicalClock(latest: HybridTimestamp(milliseconds: 5, counter: .max))
        #expect(clock.send(wallMilliseconds: 5) == HybridTimestamp(milliseconds: 6, counter: 0))
    }

    @Test func theTimestampPacksIntoOneU64() {
        let stamp = HybridTimestamp(milliseconds: 0x0123_4567_89AB, counter: 0xCDEF)
        #expect(stamp.rawValue == 0x0123_4567_89AB_CDEF)
        #expect(stamp.milliseconds == 0x0123_4567_89AB)
        #expect(stamp.counter == 0xCDEF)
    }

    @Test func everyOrderOfArrivalSortsTheSameAndKeepsEachSendersOrder() {
        var aliceClock = HybridLogicalClock(), bobClock = HybridLogicalClock()
        var messages: [GroupOrderKey] = []
        // Alice's and Bob's clocks disagree by 3 s; they post interleaved, and
        // each reads the other's messages before posting again.
        for round in 0..<20 {
            let fromAlice = GroupOrderKey(timestamp: aliceClock.send(wallMilliseconds: 10_000 + UInt64(round) * 10), sender: alice, id: messageID(UInt8(2 * round)))
            bobClock.receive(fromAlice.timestamp, wallMilliseconds: 7_000 + UInt64(round) * 10)
            let fromBob = GroupOrderKey(timestamp: bobClock.send(wallMilliseconds: 7_000 + UInt64(round) * 10), sender: bob, id: messageID(UInt8(2 * round + 1)))
            aliceClock.receive(fromBob.timestamp, wallMilliseconds: 10_000 + UInt64(round) * 10)
            messages += [fromAlice, fromBob]
        }
        var generator = SystemRandomNumberGenerator()
        let agreed = messages.sorted()
        for _ in 0..<10 { #expect(messages.shuffled(using: &generator).sorted() == agreed) }
        #expect(agreed.filter { $0.sender == alice } == messages.filter { $0.sender == alice })
        #expect(agreed.filter { $0.sender == bob } == messages.filter { $0.sender == bob })
        // Each of Bob's messages answered Alice's of the same round.
        #expect(agreed == messages)
    }

    @Test func tiesBreakBySenderThenId() {
        let stamp = HybridTimestamp(milliseconds: 1, counter: 0)
        let fromBob = GroupOrderKey(timestamp: stamp, sender: bob, id: messageID(1))
        let fromAlice = GroupOrderKey(timestamp: stamp, sender: alice, id: messageID(9))
        let fromAliceToo = GroupOrderKey(timestamp: stamp, sender: alice, id: messageID(2))
        #expect([fromBob, fromAlice, fromAliceToo].sorted() == [fromAliceToo, fromAlice, fromBob])
    }
}
