/// The API answers of batched sends (`POST /v1/messages/batch`) still
/// waiting for their messages' group commits.
///
/// A batch's messages enter the group commit one by one and may be split over
/// two commits (behind writes that were already waiting); the request is
/// answered once every one of them is settled, with how many were stored and
/// the first failure, so an answer never claims a message that is not on disk.
///
/// A value: the daemon opens a batch, settles each write as its commit ends,
/// and resumes the answer it gets back.
struct BatchAnswers<Answer, Failure>: Sendable where Answer: Sendable, Failure: Error & Sendable {
    /// A batch whose last write was just settled.
    struct Finished: Sendable {
        let answer: Answer
        let stored: Int
        let firstFailure: Failure?
    }

    private struct Open: Sendable {
        let answer: Answer
        var unsettled: Int
        var stored = 0
        var firstFailure: Failure?
    }

    private var open: [Int: Open] = [:]
    private var nextID = 0

    /// Batches still waiting for a commit.
    var openCount: Int { open.count }

    /// A batch of `count` writes (at least one) whose answer is `answer`; its id goes with each write.
    mutating func open(count: Int, answer: Answer) -> Int {
        precondition(count > 0, "a batch holds at least one write")
        let id = nextID
        nextID &+= 1
        open[id] = Open(answer: answer, unsettled: count)
        return id
    }

    /// One write of batch `id` was committed (`failure` nil) or failed; the
    /// batch once its last write is settled, nil before.
    mutating func settle(_ id: Int, failure: Failure?) -> Finished? {
        guard var batch = open[id] else { return nil }
        batch.unsettled -= 1
        if let failure {
            if batch.firstFailure == nil { batch.firstFailure = failure }
        } else {
            batch.stored += 1
        }
        guard batch.unsettled == 0 else {
            open[id] = batch
            return nil
        }
        open[id] = nil
        return Finished(answer: batch.answer, stored: batch.stored, firstFailure: batch.firstFailure)
    }
}
