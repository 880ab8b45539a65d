import NatterCore
@testable import NatterNode
import Testing

/// The group-commit decision: what goes into the next commit and when, with
/// the time passed in (no store, no sleeping).
@Suite("Group commit: what goes into the next commit, and when")
struct GroupCommitTests {
    let start = MonotonicInstant.origin

    func batch(_ decision: GroupCommit<Int>.Decision) -> [Int]? {
        if case .commit(let writes) = decision { writes } else { nil }
    }

    @Test func aLoneWriteOnAnIdleStoreIsCommittedAtOnce() {
        var commits = GroupCommit<Int>(maximumBatch: 100)
        #expect(batch(commits.add(1, at: start)) == [1])
        #expect(commits.isCommitting)
    }

    @Test func writesArrivingDuringACommitGoTogetherIntoTheNextOneInOrder() {
        var commits = GroupCommit<Int>(maximumBatch: 100)
        #expect(batch(commits.add(1, at: start)) == [1])
        for write in 2...6 {
            guard case .wait = commits.add(write, at: start + .microseconds(50 * write)) else {
                Issue.record("write \(write) started a second commit while one was in flight"); return
            }
        }
        #expect(commits.waitingCount == 5)
        #expect(batch(commits.committed(at: start + .microseconds(400))) == [2, 3, 4, 5, 6])
        guard case .wait = commits.committed(at: start + .microseconds(800)) else { Issue.record("nothing was waiting"); return }
        #expect(!commits.isCommitting)
        #expect(batch(commits.add(7, at: start + .milliseconds(1))) == [7], "idle again: at once")
    }

    @Test func aBacklogIsCommittedInBatchesOfAtMostTheMaximum() {
        var commits = GroupCommit<Int>(maximumBatch: 4)
        #expect(batch(commits.add(0, at: start)) == [0])
        for write in 1...10 { _ = commits.add(write, at: start) }
        #expect(batch(commits.committed(at: start)) == [1, 2, 3, 4])
        #expect(batch(commits.committed(at: start)) == [5, 6, 7, 8])
        #expect(batch(commits.committed(at: start)) == [9, 10])
        guard case .wait = commits.committed(at: start) else { Issue.record("a commit without writes"); return }
    }

    @Test func aGatheringWindowHoldsTheFirstWriteUntilItEndsOrTheBatchIsFull() {
        var commits = GroupCommit<Int>(maximumBatch: 3, gatherFor: .microseconds(200))
        guard case .askAgain(let at) = commits.add(1, at: start) else { Issue.record("committed before the window ended"); return }
        #expect(at == start + .microseconds(200))
        guard case .askAgain = commits.add(2, at: start + .microseconds(100)) else { Issue.record("the window restarted or ended early"); return }
        guard case .askAgain = commits.due(at: start + .microseconds(199)) else { Issue.record("committed a microsecond early"); return }
        #expect(batch(commits.due(at: start + .microseconds(200))) == [1, 2])

        // Behind a commit in flight the window does not apply again.
        _ = commits.add(3, at: start + .microseconds(250))
        #expect(batch(commits.committed(at: start + .microseconds(300))) == [3])
        _ = commits.committed(at: start + .microseconds(500))

        // A full batch does not wait for the window.
        _ = commits.add(4, at: start + .milliseconds(1))
        _ = commits.add(5, at: start + .milliseconds(1))
        #expect(batch(commits.add(6, at: start + .milliseconds(1))) == [4, 5, 6])
    }

    @Test func drainTakesWhatIsWaitingForTheLastCommit() {
        var commits = GroupCommit<Int>(maximumBatch: 2)
        _ = commits.add(1, at: start)
        for write in 2...4 { _ = commits.add(write, at: start) }
        #expect(commits.drain() == [2, 3, 4], "everything, whatever the maximum")
        #expect(commits.waitingCount == 0)
        guard case .wait = commits.committed(at: start) else { Issue.record("drained writes committed twice"); return }
    }
}
