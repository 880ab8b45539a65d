import NatterCore
import Testing

@Suite("MessageBatch: the bounds of a batched send, and its order")
struct MessageBatchTests {
    @Test func aBatchWithinTheLimitsPasses() {
        #expect(MessageBatch.validate(["one"]) == nil)
        #expect(MessageBatch.validate(Array(repeating: "x", count: MessageBatch.maximumCount)) == nil)
    }

    @Test func anEmptyOrOversizedBatchIsRefusedWithItsCount() {
        #expect(MessageBatch.validate([]) == .empty)
        let tooMany = Array(repeating: "x", count: MessageBatch.maximumCount + 1)
        #expect(MessageBatch.validate(tooMany) == .tooMany(count: MessageBatch.maximumCount + 1))
        #expect(MessageBatch.Problem.tooMany(count: 501).description.contains("501 texts, over the limit of 500"))
    }

    @Test func aBadTextIsNamedByItsPosition() {
        let long = String(repeating: "y", count: MessageText.maximumUTF8Bytes + 1)
        #expect(MessageBatch.validate(["fine", "  ", "fine"]) == .text(index: 1, .empty))
        #expect(MessageBatch.validate(["fine", "fine", long]) == .text(index: 2, .tooLong(utf8Bytes: long.utf8.count)))
        #expect(MessageBatch.Problem.text(index: 1, .empty).description == "text 1 (counting from 0): \(MessageText.Problem.empty.description)")
    }

    @Test func idsOfOneMillisecondAscendSoTheBatchKeepsItsOrder() {
        // A real generator: the fixed one of MessageIDTests repeats tails within 200 ids.
        var generator = SystemRandomNumberGenerator()
        let ids = MessageBatch.ids(count: 200, unixMilliseconds: 1_764_000_000_000, using: &generator)
        #expect(ids.count == 200 && Set(ids).count == 200)
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { $0.unixMilliseconds == 1_764_000_000_000 })
    }
}
