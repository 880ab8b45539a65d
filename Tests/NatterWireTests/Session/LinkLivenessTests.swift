@testable import NatterWire
import Testing

/// Keepalives only on silent links, one timer for all of them, and a dead
/// peer still found at 15 s (Docs/protocol.md §5.7), on a clock the test moves.
@Suite("Link liveness: passive keepalives, coalesced, dead peers at 15 s")
struct LinkLivenessTests {
    let t0 = ContinuousClock.now

    @Test func anIdleLinkCarriesOneKeepaliveEachWayPerInterval() {
        var dialler = LinkLiveness<Int>(), other = LinkLiveness<Int>()
        let diallerFirst = dialler.established(1, dialler: true, at: t0)
        let otherFirst = other.established(1, dialler: false, at: t0)
        #expect(diallerFirst == t0 + WireConstants.keepaliveInterval)
        #expect(otherFirst == t0 + WireConstants.deadPeerTimeout, "the other side never starts one")

        var now = t0 + WireConstants.keepaliveInterval - .milliseconds(1)
        let early = dialler.sweep(at: now)
        #expect(early.keepalives.isEmpty, "not before the interval")
        now = t0 + WireConstants.keepaliveInterval
        let sweep = dialler.sweep(at: now)
        #expect(sweep.keepalives == [1] && sweep.dead.isEmpty)
        #expect(sweep.next == t0 + WireConstants.deadPeerTimeout, "unless the answer comes, the peer is dead then")

        // The other side answers in the same wake-up, and the dialler does not answer the answer.
        let answered = other.received(on: 1, keepalive: true, at: now)
        let answeredBack = dialler.received(on: 1, keepalive: true, at: now + .microseconds(200))
        #expect(answered)
        #expect(!answeredBack)
        let otherSweep = other.sweep(at: now + .seconds(1))
        #expect(otherSweep.keepalives.isEmpty, "having answered, it owes nothing")
        #expect(otherSweep.next == now + WireConstants.deadPeerTimeout)
    }

    @Test func trafficMakesKeepalivesUnnecessary() {
        var dialler = LinkLiveness<Int>()
        dialler.established(1, dialler: true, at: t0)
        for second in stride(from: 3, through: 30, by: 3) {
            let now = t0 + .seconds(second)
            dialler.sent(on: 1, at: now)
            _ = dialler.received(on: 1, keepalive: false, at: now)
            let sweep = dialler.sweep(at: now + .milliseconds(500))
            #expect(sweep.keepalives.isEmpty, "a link that talks needs no keepalive")
        }
    }

    @Test func aSideThatOnlyReceivesSpeaksUpSoItIsNotTakenForDead() {
        var other = LinkLiveness<Int>()
        other.established(1, dialler: false, at: t0)
        // The dialler streams states; this side has nothing to say.
        for second in 1...9 { _ = other.received(on: 1, keepalive: false, at: t0 + .seconds(second)) }
        let before = other.sweep(at: t0 + .seconds(9))
        let due = other.sweep(at: t0 + WireConstants.keepaliveInterval)
        #expect(before.keepalives.isEmpty)
        #expect(due.keepalives == [1])
    }

    @Test func keepalivesDueWithinTheWindowShareOneWakeUp() {
        var daemon = LinkLiveness<Int>()
        // Links set up 2 s apart: their first keepalives are due 2 s apart.
        for link in 0..<5 { daemon.established(link, dialler: true, at: t0 + .seconds(2 * link)) }
        var now = t0
        /// Follows the timer to its next sweep that sends keepalives, answering them as the peers would.
        func nextRound() -> (at: ContinuousClock.Instant, links: Set<Int>) {
            while true {
                let sweep = daemon.sweep(at: now)
                for link in sweep.keepalives { _ = daemon.received(on: link, keepalive: true, at: now) }  // the answers
                if !sweep.keepalives.isEmpty { defer { now = sweep.next! }; return (now, Set(sweep.keepalives)) }
                now = sweep.next!
            }
        }
        let first = nextRound()
        #expect(first.at == t0 + WireConstants.keepaliveInterval)
        #expect(first.links == [0, 1, 2], "those due within the window go with the one that is due")
        let second = nextRound()
        #expect(second.links == Set(0..<5), "the early group joins the next round")
        let third = nextRound()
        #expect(third.links == Set(0..<5), "in step from then on")
        #expect(third.at - second.at == WireConstants.keepaliveInterval, "one round per interval")
    }

    @Test func aSilentPeerIsDeadAtFifteenSecondsNotBefore() {
        var daemon = LinkLiveness<Int>()
        daemon.established(1, dialler: true, at: t0)
        daemon.established(2, dialler: false, at: t0)
        var now = t0
        var dead: [Int] = []
        var wakeUps = 0
        // Link 2 keeps hearing its dialler; link 1's peer is silent. Follow the timer.
        while dead.isEmpty, wakeUps < 20 {
            let sweep = daemon.sweep(at: now)
            dead = sweep.dead
            wakeUps += 1
            guard dead.isEmpty, let next = sweep.next else { break }
            if next > t0 + .seconds(4) && now < t0 + .seconds(4) { _ = daemon.received(on: 2, keepalive: true, at: t0 + .seconds(4)) }
            now = next
        }
        #expect(dead == [1])
        #expect(now - t0 >= WireConstants.deadPeerTimeout && now - t0 <= WireConstants.deadPeerTimeout + .milliseconds(1))
        #expect(wakeUps <= 4, "the timer woke only for a keepalive round and the death (\(wakeUps))")
        #expect(daemon.count == 1, "the dead link is forgotten")
    }
}
