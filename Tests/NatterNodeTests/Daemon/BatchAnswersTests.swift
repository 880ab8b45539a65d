@testable import NatterNode
import Testing

/// When a batched send is answered: after its last write, with what was stored.
@Suite("BatchAnswers: a batch is answered once all its writes are settled")
struct BatchAnswersTests {
    struct DiskFull: Error, Equatable {}

    @Test func aBatchIsAnsweredOnlyByItsLastWrite() {
        var answers = BatchAnswers<String, DiskFull>()
        let batch = answers.open(count: 3, answer: "request 1")
        #expect(answers.settle(batch, failure: nil) == nil)
        #expect(answers.settle(batch, failure: nil) == nil)
        let finished = answers.settle(batch, failure: nil)
        #expect(finished?.answer == "request 1" && finished?.stored == 3 && finished?.firstFailure == nil)
        #expect(answers.openCount == 0)
        #expect(answers.settle(batch, failure: nil) == nil, "a finished batch is forgotten")
    }

    @Test func aFailedCommitIsReportedWithWhatWasStoredBeforeIt() {
        var answers = BatchAnswers<String, DiskFull>()
        let batch = answers.open(count: 4, answer: "split over two commits")
        _ = answers.settle(batch, failure: nil)
        _ = answers.settle(batch, failure: nil)
        #expect(answers.settle(batch, failure: DiskFull()) == nil, "not answered while a write is unsettled")
        let finished = answers.settle(batch, failure: DiskFull())
        #expect(finished?.stored == 2 && finished?.firstFailure == DiskFull())
    }

    @Test func batchesInterleavedInOneCommitAreKeptApart() {
        var answers = BatchAnswers<String, DiskFull>()
        let first = answers.open(count: 2, answer: "first"), second = answers.open(count: 1, answer: "second")
        #expect(first != second)
        #expect(answers.settle(first, failure: nil) == nil)
        #expect(answers.settle(second, failure: nil)?.answer == "second")
        #expect(answers.openCount == 1)
        #expect(answers.settle(first, failure: nil)?.answer == "first")
    }
}
