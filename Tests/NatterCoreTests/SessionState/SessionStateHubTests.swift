import NatterCore
import Testing

/// The hub on a fake clock: signals and the time in, events and shown states out.
@Suite("Session-state hub: windows, colleagues, privacy, deadlines")
struct SessionStateHubTests {
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let carol = DeviceFingerprint(bytes: [UInt8](repeating: 0xC0, count: 32))

    static func at(_ seconds: Double) -> MonotonicInstant {
        MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000)))
    }

    /// Opens a focused window with `peer` at `seconds`.
    func openFocused(_ hub: inout SessionStateHub, _ peer: DeviceFingerprint, at seconds: Double = 0) -> UInt32 {
        let (window, _) = hub.openWindow(peer: peer, hasUnreadMessage: false, at: Self.at(seconds))
        _ = hub.signal(.focused, window: window, at: Self.at(seconds))
        return window
    }

    @Test func aKeystrokeIsTypingForThatWindowsColleagueOnly() throws {
        var hub = SessionStateHub()
        let toBob = openFocused(&hub, bob)
        _ = openFocused(&hub, carol)
        let out = hub.signal(.keystroke, window: toBob, at: Self.at(1))
        #expect(out == [.init(peer: bob, state: .typing, source: toBob)])
    }

    @Test func focusingAConversationWithAnUnreadMessageIsReading() {
        var hub = SessionStateHub()
        let (window, opened) = hub.openWindow(peer: bob, hasUnreadMessage: true, at: Self.at(0))
        #expect(!opened.map(\.state).contains(.reading), "opened but not focused: not reading yet")
        let focused = hub.signal(.focused, window: window, at: Self.at(1))
        #expect(focused == [.init(peer: bob, state: .reading, source: window)])
    }

    @Test func closingAWindowSaysSoAndForgetsIt() {
        var hub = SessionStateHub()
        let window = openFocused(&hub, bob)
        #expect(hub.closeWindow(window, at: Self.at(1)).map(\.state) == [.closedWindow])
        #expect(hub.windowIDs.isEmpty)
        #expect(hub.signal(.keystroke, window: window, at: Self.at(2)) == nil, "an unknown window is nil, not silence")
        #expect(hub.closeWindow(window, at: Self.at(3)).isEmpty)
    }

    @Test func inputInOneWindowKeepsTheOthersFromGoingAway() throws {
        var timings = SessionStateTimings()
        timings.away = .seconds(60)
        var hub = SessionStateHub(timings: timings)
        let toBob = openFocused(&hub, bob)
        let toCarol = openFocused(&hub, carol)
        _ = hub.signal(.unfocused, window: toCarol, at: Self.at(0))
        // Typing to Bob every 50 s: Carol's window sees activity and never goes away.
        var carolSaw: [SessionState] = []
        for step in 1...4 {
            let typed = hub.signal(.keystroke, window: toBob, at: Self.at(Double(step) * 50))
            carolSaw += try #require(typed).filter { $0.peer == carol }.map(\.state)
            carolSaw += hub.tick(at: Self.at(Double(step) * 50 + 1)).outgoing.filter { $0.peer == carol }.map(\.state)
        }
        #expect(!carolSaw.contains(.away))
    }

    @Test func privacyOffForOneColleagueStopsOnlyTheirWindows() throws {
        var hub = SessionStateHub()
        let toBob = openFocused(&hub, bob)
        let toCarol = openFocused(&hub, carol)
        _ = hub.signal(.keystroke, window: toBob, at: Self.at(1))
        let off = hub.setPolicy(SharingPolicy(sharesByDefault: true, overrides: [bob: false]), at: Self.at(2))
        #expect(off == [.init(peer: bob, state: .active, source: toBob)], "Bob's typing is withdrawn, once")
        let toBobAfter = hub.signal(.keystroke, window: toBob, at: Self.at(3))
        #expect(toBobAfter == [], "nothing detected for Bob")
        let toCarolAfter = hub.signal(.keystroke, window: toCarol, at: Self.at(3))
        #expect(toCarolAfter?.map(\.state) == [.typing])
        #expect(hub.peerCameOnline(bob).isEmpty, "a colleague we do not share with learns nothing on reconnect")
        #expect(hub.peerCameOnline(carol) == [.init(peer: carol, state: .typing, source: toCarol)])
    }

    @Test func theNextDeadlineIsTheEarliestOfAnyEngine() throws {
        var hub = SessionStateHub()
        #expect(hub.nextDeadline == nil, "nothing open, no timer")
        let toBob = openFocused(&hub, bob)
        _ = hub.signal(.keystroke, window: toBob, at: Self.at(10))
        let deadline = try #require(hub.nextDeadline)
        #expect(deadline <= Self.at(10) + hub.timings.pausedTyping)
        // At the paused-typing deadline the window pauses.
        let (out, _) = hub.tick(at: Self.at(10) + hub.timings.pausedTyping)
        #expect(out.map(\.state).contains(.pausedTyping))
    }

    @Test func aRemoteStateIsShownExpiresAndClearsWhenTheLinkGoes() throws {
        var hub = SessionStateHub()
        #expect(hub.remoteState(.typing, source: 1, sequence: 10, from: bob, at: Self.at(0)) == [.init(peer: bob, state: .typing)])
        #expect(hub.shown(for: bob) == .typing)
        #expect(hub.remoteState(.typing, source: 1, sequence: 9, from: bob, at: Self.at(1)).isEmpty, "an older event changes nothing")
        let expiry = try #require(hub.nextDeadline)
        #expect(hub.tick(at: expiry).shown == [.init(peer: bob, state: .active)], "soft state: typing expires unless refreshed")
        _ = hub.remoteState(.away, source: 1, sequence: 11, from: bob, at: expiry)
        #expect(hub.peerWentOffline(bob) == [.init(peer: bob, state: .active)])
        #expect(hub.shown(for: bob) == .active)
    }

    @Test func aMessageEndsTheTypingItBelongedTo() {
        var hub = SessionStateHub()
        _ = hub.remoteState(.typing, source: 1, sequence: 10, from: bob, at: Self.at(0))
        #expect(hub.remoteMessage(sequence: 11, from: bob, at: Self.at(1)) == [.init(peer: bob, state: .active)])
        #expect(hub.remoteState(.typing, source: 1, sequence: 10, from: bob, at: Self.at(2)).isEmpty, "a late typing never returns")
    }

    @Test func aMessageFromAColleagueMarksTheirOpenWindowsUnread() throws {
        var hub = SessionStateHub()
        let toBob = openFocused(&hub, bob)
        _ = openFocused(&hub, carol)
        let out = hub.messageReceived(from: bob, at: Self.at(1))
        #expect(out.allSatisfy { $0.peer == bob && $0.source == toBob })
        #expect(out.map(\.state) == [.reading], "a focused window with a new message is reading it")
    }
}
