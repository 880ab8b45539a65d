import NatterCore
import Testing

func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000))) }

@Suite("Session-state receiver")
struct ReceiverTests {
    @Test func appliesInSequenceOrderAndDropsOlderEvents() {
        var remote = RemoteSessionState()
        let applied1 = remote.apply(.typing, source: 1, sequence: 10, at: at(0))
        #expect(applied1)
        let applied2 = remote.apply(.pausedTyping, source: 1, sequence: 12, at: at(0))
        #expect(applied2)
        let applied3 = remote.apply(.typing, source: 1, sequence: 11, at: at(0))
        #expect(!applied3, "reordered: older than what we have")
        let applied4 = remote.apply(.typing, source: 1, sequence: 12, at: at(0))
        #expect(!applied4, "a duplicate")
        #expect(remote.shown == .pausedTyping)
    }

    @Test func aPeerThatMakesUpWindowsIsTrackedForItsLatestOnesOnly() {
        var remote = RemoteSessionState()
        let count = RemoteSessionState.maximumSources
        remote.apply(.reading, source: 0, sequence: 1, at: at(0))
        var applied = 0
        for window in 1...UInt32(count) where remote.apply(.closedWindow, source: window, sequence: UInt64(window) + 1, at: at(0)) {
            applied += 1
        }
        #expect(applied == count)
        // Window 0, the oldest, is forgotten with its "reading".
        #expect(remote.shown == .closedWindow)
        let lateCopy = remote.apply(.typing, source: 0, sequence: 1, at: at(0))
        #expect(!lateCopy, "its late copy stays forgotten")
        let unknownOlder = remote.apply(.typing, source: 999, sequence: 1, at: at(0))
        #expect(!unknownOlder, "an unknown window older than what was forgotten")
        let newer = remote.apply(.typing, source: 0, sequence: UInt64(count) + 2, at: at(0))
        #expect(newer, "a new event from it counts again")
        #expect(remote.shown == .typing)
    }

    @Test func theMessageClearsTypingAtOnce() {
        var remote = RemoteSessionState()
        remote.apply(.typing, source: 1, sequence: 10, at: at(0))
        remote.messageArrived(sequence: 11, at: at(1))
        #expect(remote.shown == .active)
    }

    @Test func aLateTypingNeverReappearsAfterItsMessage() {
        var remote = RemoteSessionState()
        remote.messageArrived(sequence: 11, at: at(0))
        let applied5 = remote.apply(.typing, source: 1, sequence: 10, at: at(0.1))
        #expect(!applied5)
        #expect(remote.shown == .active)
        // A new typing after the message is fine.
        let applied6 = remote.apply(.typing, source: 1, sequence: 12, at: at(0.2))
        #expect(applied6)
        #expect(remote.shown == .typing)
    }

    @Test func anActiveEventClears() {
        var remote = RemoteSessionState()
        remote.apply(.away, source: 1, sequence: 1, at: at(0))
        remote.apply(.active, source: 1, sequence: 2, at: at(1))
        #expect(remote.shown == .active)
        #expect(remote.nextDeadline == nil)
    }

    @Test func typingExpiresAfterEightSecondsWithoutRefresh() {
        var remote = RemoteSessionState()
        remote.apply(.typing, source: 1, sequence: 1, at: at(0))
        #expect(remote.nextDeadline == at(8))
        remote.tick(at: at(7.9))
        #expect(remote.shown == .typing)
        remote.tick(at: at(8.1))
        #expect(remote.shown == .active)
    }

    @Test func aRefreshExtendsTheLifetime() {
        var remote = RemoteSessionState()
        remote.apply(.away, source: 1, sequence: 1, at: at(0))
        remote.apply(.away, source: 1, sequence: 2, at: at(20))
        remote.tick(at: at(79.9))
        #expect(remote.shown == .away)
        remote.tick(at: at(80.1))
        #expect(remote.shown == .active)
    }

    @Test func goingOfflineClearsEverything() {
        var remote = RemoteSessionState()
        remote.apply(.reading, source: 1, sequence: 1, at: at(0))
        remote.apply(.typing, source: 2, sequence: 2, at: at(0))
        remote.peerWentOffline()
        #expect(remote.shown == .active)
        #expect(remote.nextDeadline == nil)
    }

    @Test func typingAnywhereBeatsReadingElsewhere() {
        var remote = RemoteSessionState()
        remote.apply(.reading, source: 1, sequence: 1, at: at(0))
        remote.apply(.typing, source: 2, sequence: 2, at: at(0))
        #expect(remote.shown == .typing)
        remote.apply(.active, source: 2, sequence: 3, at: at(1))
        #expect(remote.shown == .reading)
    }

    @Test func anOpenWindowBeatsAClosedOne() {
        var remote = RemoteSessionState()
        remote.apply(.closedWindow, source: 1, sequence: 1, at: at(0))
        remote.apply(.leftTemporarily, source: 2, sequence: 2, at: at(0))
        #expect(remote.shown == .leftTemporarily)
        remote.apply(.away, source: 2, sequence: 3, at: at(0))
        #expect(remote.shown == .away)
    }

    @Test func precedenceIsTotal() {
        // Every pair of states resolves the same way whichever source holds which.
        for first in SessionState.allCases where first != .active {
            for second in SessionState.allCases where second != .active && second != first {
                var a = RemoteSessionState(), b = RemoteSessionState()
                a.apply(first, source: 1, sequence: 1, at: at(0)); a.apply(second, source: 2, sequence: 2, at: at(0))
                b.apply(second, source: 1, sequence: 1, at: at(0)); b.apply(first, source: 2, sequence: 2, at: at(0))
                #expect(a.shown == b.shown)
                let expected = RemoteSessionState.precedence.first { $0 == first || $0 == second }
                #expect(a.shown == expected)
            }
        }
    }
}
