@testable import NatterNode
import Testing

@Suite("SequenceAllocator")
struct SequenceAllocatorTests {
    @Test func reservesBlocksAndNeverReusesAfterRestart() {
        var allocator = SequenceAllocator(persistedEnd: 0)
        let first = allocator.allocate()
        #expect(first.sequence == 1)
        #expect(first.reservation == 1 + NodeConstants.sequenceBlockSize)
        var last = first.sequence
        for _ in 0..<10 {
            let next = allocator.allocate()
            #expect(next.sequence == last + 1)
            #expect(next.reservation == nil)
            last = next.sequence
        }
        // A crash now: the next run starts at the persisted block end, above all used numbers.
        var restarted = SequenceAllocator(persistedEnd: first.reservation!)
        let afterRestart = restarted.allocate()
        #expect(afterRestart.sequence > last)
        #expect(afterRestart.reservation != nil, "the first number of a run always opens a new block")
    }

    @Test func opensANewBlockWhenTheOldOneIsUsedUp() {
        var allocator = SequenceAllocator(persistedEnd: 100)
        var reservations: [UInt64] = []
        for _ in 0..<(NodeConstants.sequenceBlockSize + 1) {
            if let reservation = allocator.allocate().reservation { reservations.append(reservation) }
        }
        #expect(reservations == [100 + NodeConstants.sequenceBlockSize, 100 + 2 * NodeConstants.sequenceBlockSize])
    }
}
