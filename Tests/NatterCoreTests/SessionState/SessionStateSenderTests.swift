import NatterCore
import Testing

/// A sender driven on a fake clock: `at(seconds)` moves time, never sleeps.
struct SenderHarness {
    var sender: SessionStateSender
    var now = MonotonicInstant.origin
    var sent: [SessionStateOutput] = []

    init(sharing: Bool = true, timings: SessionStateTimings = SessionStateTimings()) {
        sender = SessionStateSender(timings: timings, sharing: sharing, at: .origin)
    }

    /// Moves the clock to `seconds` after the origin, firing every deadline on the way as a node would.
    mutating func advance(to seconds: Double) {
        let target = MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000)))
        while let deadline = sender.nextDeadline, deadline <= target {
            now = max(now, deadline)
            sent += sender.tick(at: now)
        }
        now = target
        sent += sender.tick(at: now)
    }

    mutating func signal(_ signal: DetectorSignal) { sent += sender.handle(signal, at: now) }

    /// The changes sent so far (refreshes left out).
    var changes: [SessionState] { sent.filter { !$0.isRefresh }.map(\.state) }

    mutating func openFocused() {
        signal(.opened)
        signal(.focused)
    }
}

@Suite("Session-state sender: the brief's six events")
struct SenderEventTests {
    @Test func typingStartsWithTheFirstKeystroke() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        #expect(h.changes == [.typing])
        h.signal(.keystroke)
        #expect(h.changes == [.typing], "no event twice in a row")
    }

    @Test func pausedTypingAfterFiveSecondsWithoutKeystrokes() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.advance(to: 4.9)
        #expect(h.changes == [.typing])
        h.advance(to: 5.1)
        #expect(h.changes == [.typing, .pausedTyping])
    }

    @Test func aKeystrokeRestartsThePausedTimer() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.advance(to: 4)
        h.signal(.keystroke)
        h.advance(to: 8.9)
        #expect(h.changes == [.typing])
        h.advance(to: 9.1)
        #expect(h.changes == [.typing, .pausedTyping])
        h.signal(.keystroke)
        #expect(h.changes == [.typing, .pausedTyping, .typing])
    }

    @Test func leftTemporarilyAfterThirtySecondsUnfocused() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.unfocused)
        h.advance(to: 29.9)
        #expect(h.changes == [])
        h.advance(to: 30.1)
        #expect(h.changes == [.leftTemporarily])
    }

    @Test func leftTemporarilyAfterThirtySecondsMinimized() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.minimized)
        h.advance(to: 30.1)
        #expect(h.changes == [.leftTemporarily])
        h.signal(.restored)
        #expect(h.changes == [.leftTemporarily, .active], "coming back clears it")
    }

    @Test func readingWhenOpenedAndFocusedWithAnUnreadMessage() {
        var h = SenderHarness()
        h.signal(.messageReceived)
        #expect(h.changes == [], "a closed window reads nothing")
        h.signal(.opened)
        #expect(h.changes == [], "opened but not focused is not reading")
        h.signal(.focused)
        #expect(h.changes == [.reading])
    }

    @Test func noReadingWithoutAnUnreadMessage() {
        var h = SenderHarness()
        h.openFocused()
        #expect(h.changes == [])
    }

    @Test func closedWindowOnlyAfterItWasOpenedAndFocused() {
        var opened = SenderHarness()
        opened.openFocused()
        opened.signal(.closed)
        #expect(opened.changes == [.closedWindow])
        #expect(opened.sender.nextDeadline == nil, "a closed window runs no timers")

        var neverFocused = SenderHarness()
        neverFocused.signal(.opened)
        neverFocused.signal(.closed)
        #expect(neverFocused.changes == [])
    }

    @Test func awayAfterFiveMinutesWithoutInput() {
        var h = SenderHarness()
        h.openFocused()
        h.advance(to: 299.9)
        #expect(h.changes == [])
        h.advance(to: 300.1)
        #expect(h.changes == [.away])
    }

    @Test func inputAnywhereKeepsTheUserFromBeingAway() {
        var h = SenderHarness()
        h.openFocused()
        h.advance(to: 200)
        h.signal(.activity)
        h.advance(to: 499.9)
        #expect(h.changes == [])
        h.advance(to: 500.1)
        #expect(h.changes == [.away])
    }
}

@Suite("Session-state sender: returning and clearing")
struct SenderReturnTests {
    @Test func focusReturningBeforeThePresetSendsNothing() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.unfocused)
        h.advance(to: 20)
        h.signal(.focused)
        h.advance(to: 60)
        #expect(h.changes == [])
    }

    @Test func focusReturningClearsLeftTemporarily() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.unfocused)
        h.advance(to: 31)
        h.signal(.focused)
        #expect(h.changes == [.leftTemporarily, .active])
    }

    @Test func aKeystrokeWhileAwayIsTypingWhichClearsAway() {
        var h = SenderHarness()
        h.openFocused()
        h.advance(to: 301)
        h.signal(.keystroke)
        #expect(h.changes == [.away, .typing])
    }

    @Test func anyInputClearsAway() {
        var h = SenderHarness()
        h.openFocused()
        h.advance(to: 301)
        h.signal(.activity)
        #expect(h.changes == [.away, .active])
    }

    @Test func clearingTheInputClearsTypingAndPaused() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.signal(.inputCleared)
        h.signal(.keystroke)
        h.advance(to: 6)
        h.signal(.inputCleared)
        #expect(h.changes == [.typing, .active, .typing, .pausedTyping, .active])
    }

    @Test func sendingIsActiveNotPaused() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.signal(.messageSent)
        h.advance(to: 10)
        #expect(h.changes == [.typing, .active])
    }

    @Test func typingIntoAWindowReportedUnfocusedIsTypingNotLeft() {
        // A detached tmux pane reports "unfocused" forever; input in the window
        // proves the user is in it, and restarts the left-temporarily timer.
        var h = SenderHarness()
        h.openFocused()
        h.signal(.unfocused)
        h.advance(to: 31)
        h.signal(.keystroke)
        h.advance(to: 34)
        h.signal(.messageSent)
        h.advance(to: 60)
        #expect(h.changes == [.leftTemporarily, .typing, .active])
    }

    @Test func aWindowNeverReportedFocusedIsClosedAfterInput() {
        var h = SenderHarness()
        h.signal(.opened)
        h.signal(.keystroke)
        h.signal(.messageSent)
        h.signal(.closed)
        #expect(h.changes == [.typing, .active, .closedWindow])
    }

    @Test func typingThenUnfocusedPausesThenLeaves() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.signal(.unfocused)
        h.advance(to: 5.1)
        h.advance(to: 30.1)
        #expect(h.changes == [.typing, .pausedTyping, .leftTemporarily])
    }

    @Test func readingEndsWhenTheUserTypesOrLeaves() {
        var h = SenderHarness()
        h.signal(.messageReceived)
        h.openFocused()
        h.signal(.keystroke)
        #expect(h.changes == [.reading, .typing])

        var leaving = SenderHarness()
        leaving.signal(.messageReceived)
        leaving.openFocused()
        leaving.signal(.unfocused)
        leaving.signal(.focused)
        #expect(leaving.changes == [.reading, .active], "unfocusing means it was read; refocusing reads nothing new")
    }
}

@Suite("Session-state sender: presets, refreshes, privacy")
struct SenderPolicyTests {
    @Test func everyPresetIsConfigurable() {
        var timings = SessionStateTimings()
        timings.pausedTyping = .seconds(1)
        timings.leftTemporarily = .seconds(2)
        timings.away = .seconds(4)
        var h = SenderHarness(timings: timings)
        h.openFocused()
        h.signal(.keystroke)
        h.advance(to: 0.9)
        #expect(h.changes == [.typing])
        h.advance(to: 1.1)
        #expect(h.changes == [.typing, .pausedTyping])
        h.signal(.inputCleared)
        h.signal(.unfocused)
        h.advance(to: 3.0)
        #expect(h.changes == [.typing, .pausedTyping, .active])
        h.advance(to: 3.2)
        #expect(h.changes.last == .leftTemporarily)
        h.advance(to: 5.2)
        #expect(h.changes.last == .away)
    }

    @Test func typingIsRefreshedEveryThreeSecondsAndLongStatesEveryTwenty() {
        var h = SenderHarness()
        h.openFocused()
        for second in stride(from: 0.0, through: 4.5, by: 0.5) {
            h.advance(to: second)
            h.signal(.keystroke)
        }
        let typingRefreshes = h.sent.filter { $0.isRefresh && $0.state == .typing }.count
        #expect(typingRefreshes == 1, "one refresh at 3 s while typing for 4.5 s")
        h.advance(to: 9.5)  // paused at 9.5
        h.advance(to: 50)
        let pausedRefreshes = h.sent.filter { $0.isRefresh && $0.state == .pausedTyping }.count
        #expect(pausedRefreshes == 2, "at 29.5 s and 49.5 s")
    }

    @Test func activeIsNeverRefreshed() {
        var h = SenderHarness()
        h.openFocused()
        h.advance(to: 299)
        #expect(h.sent.isEmpty)
    }

    @Test func privacyOffEmitsNothingAndRunsNoTimers() {
        var h = SenderHarness(sharing: false)
        #expect(h.sender.nextDeadline == nil)
        for signal in DetectorSignal.allCases { h.signal(signal) }
        #expect(h.sender.nextDeadline == nil)
        h.advance(to: 3600)
        #expect(h.sent.isEmpty)
    }

    @Test func switchingOffMidTypingSendsOneFinalActive() {
        var h = SenderHarness()
        h.openFocused()
        h.signal(.keystroke)
        h.sent += h.sender.setSharing(false, at: h.now)
        #expect(h.changes == [.typing, .active])
        #expect(h.sender.nextDeadline == nil)
        h.signal(.keystroke)
        h.advance(to: 600)
        #expect(h.changes == [.typing, .active])
    }

    @Test func switchingOffWhileActiveSendsNothing() {
        var h = SenderHarness()
        h.openFocused()
        h.sent += h.sender.setSharing(false, at: h.now)
        #expect(h.sent.isEmpty)
    }

    @Test func switchingBackOnStartsAfresh() {
        var h = SenderHarness()
        h.openFocused()
        h.sent += h.sender.setSharing(false, at: h.now)
        h.advance(to: 1000)
        h.sent += h.sender.setSharing(true, at: h.now)
        #expect(h.changes == [], "back on: present and active, nothing to say yet")
        h.signal(.keystroke)
        #expect(h.changes == [.typing])
        h.advance(to: 1000 + 299)
        #expect(h.changes == [.typing, .pausedTyping], "the idle timer restarted at the switch")
    }

    @Test func thePolicyOverridesPerColleague() {
        let bob = DeviceFingerprint(bytes: [UInt8](repeating: 1, count: 32))
        let carol = DeviceFingerprint(bytes: [UInt8](repeating: 2, count: 32))
        let offExceptBob = SharingPolicy(sharesByDefault: false, overrides: [bob: true])
        #expect(offExceptBob.allows(bob))
        #expect(!offExceptBob.allows(carol))
        let onExceptCarol = SharingPolicy(sharesByDefault: true, overrides: [carol: false])
        #expect(onExceptCarol.allows(bob))
        #expect(!onExceptCarol.allows(carol))
    }
}
