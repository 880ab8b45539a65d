import NatterCore
import NatterWire
import Synchronization
import Testing

/// The UDP path check's timing on an injected clock (Docs/protocol.md §6.5).
@Suite("UDP echo check")
struct UDPEchoCheckTests {
    let start = ContinuousClock.now

    func check() -> UDPEchoCheck {
        let nonces = NonceScript([11, 11, 12, 13])
        return UDPEchoCheck(startedAt: start, requests: 3, interval: .milliseconds(300), timeout: .milliseconds(1500), drawNonce: nonces.next)
    }

    @Test func requestsGoOutAtTheirMomentsWithFreshNoncesThenItTimesOut() {
        var check = check()
        #expect(check.next(at: start) == .send(nonce: 11))
        #expect(check.next(at: start) == .wait(until: start + .milliseconds(300)))
        #expect(check.next(at: start + .milliseconds(300)) == .send(nonce: 12), "a nonce already used is drawn again")
        #expect(check.next(at: start + .milliseconds(650)) == .send(nonce: 13))
        #expect(check.next(at: start + .milliseconds(700)) == .wait(until: start + .milliseconds(1500)))
        #expect(check.next(at: start + .milliseconds(1500)) == .finished(.unanswered(requests: 3)))
        #expect(check.replied(nonce: 99, at: start + .milliseconds(1600)) == false)
        #expect(check.next(at: start + .seconds(9)) == .finished(.unanswered(requests: 3)), "settled")
    }

    @Test func theFirstReplyToAnyRequestSettlesItWithThatRequestsRoundTrip() {
        var check = check()
        _ = check.next(at: start)
        _ = check.next(at: start + .milliseconds(300))
        #expect(check.replied(nonce: 77, at: start + .milliseconds(310)) == false, "not one of ours")
        #expect(check.next(at: start + .milliseconds(310)) == .wait(until: start + .milliseconds(600)))
        #expect(check.replied(nonce: 12, at: start + .milliseconds(302)) == true)
        #expect(check.replied(nonce: 11, at: start + .milliseconds(303)) == true, "ours, but the check is settled")
        #expect(check.next(at: start + .milliseconds(400)) == .finished(.answered(roundTrip: .milliseconds(2), requests: 2)))
    }

    @Test func aReplyAfterTheDeadlineDoesNotCount() {
        var check = check()
        _ = check.next(at: start)
        #expect(check.replied(nonce: 11, at: start + .milliseconds(1500)) == true)
        #expect(check.next(at: start + .milliseconds(1500)) == .finished(.unanswered(requests: 1)))
    }
}

/// Nonces the test chooses, in order.
final class NonceScript: Sendable {
    private let values: Mutex<[UInt32]>
    init(_ values: [UInt32]) { self.values = Mutex(values) }
    var next: @Sendable () -> UInt32 { { [self] in values.withLock { $0.isEmpty ? 0 : $0.removeFirst() } } }
}
