import NatterCore
import Testing

/// The idle detector's view of the desktop on a fake clock: the sources'
/// answers in, the latest input, the lock and when to look again out; and,
/// through the hub, what a colleague sees.
@Suite("Desktop idle: several sources, the lock hint, silence, a source gone")
struct DesktopIdleTests {
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))

    static func at(_ seconds: Double) -> MonotonicInstant {
        MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000)))
    }

    static var timings: SessionStateTimings {
        var timings = SessionStateTimings()
        timings.away = .seconds(60)
        return timings
    }

    /// A hub with one focused window to Bob opened at 0 s.
    func hubWithWindow() -> (SessionStateHub, UInt32) {
        var hub = SessionStateHub(timings: Self.timings)
        let (window, _) = hub.openWindow(peer: bob, hasUnreadMessage: false, at: Self.at(0))
        _ = hub.signal(.focused, window: window, at: Self.at(0))
        return (hub, window)
    }

    // MARK: The value

    @Test func theLatestInputIsTheNewestOfAnySource() {
        var idle = DesktopIdle()
        idle.update(["terminals": .lastInput(Self.at(40)), "x11": .lastInput(Self.at(12)), "logind": .silent])
        #expect(idle.latestInput == Self.at(40))
        #expect(!idle.isLocked)
    }

    @Test func silentSourcesKnowNoInputTime() {
        var idle = DesktopIdle()
        #expect(idle.latestInput == nil, "no source at all")
        idle.update(["logind": .silent, "terminals": .silent])
        #expect(idle.latestInput == nil)
        #expect(!idle.isLocked)
    }

    @Test func anySourceSayingLockedIsALock() {
        var idle = DesktopIdle()
        idle.update(["logind": .locked, "x11": .lastInput(Self.at(30))])
        #expect(idle.isLocked)
        #expect(idle.latestInput == Self.at(30), "the lock does not hide the input time")
    }

    @Test func aSourceThatIsGoneNoLongerCounts() {
        var idle = DesktopIdle()
        idle.update(["logind": .locked, "x11": .lastInput(Self.at(30))])
        idle.update(["terminals": .lastInput(Self.at(10))])
        #expect(!idle.isLocked, "the lock of a source that went away must not stick")
        #expect(idle.latestInput == Self.at(10))
    }

    @Test func nothingPendingMeansNoLookAtAll() {
        let idle = DesktopIdle()
        #expect(idle.nextLook(now: Self.at(5), lastLook: nil, pending: nil, watchesLocks: true) == nil)
        #expect(idle.nextLook(now: Self.at(5), lastLook: Self.at(1), pending: nil, watchesLocks: true) == nil)
    }

    @Test func theFirstLookIsAtOnce() {
        let idle = DesktopIdle()
        let pending = IdleWatch(awayDeadline: Self.at(60), showsAway: false)
        #expect(idle.nextLook(now: Self.at(5), lastLook: nil, pending: pending, watchesLocks: false) == Self.at(5))
    }

    @Test func withoutALockToWatchTheOnlyLookIsAtTheAwayDeadline() {
        let idle = DesktopIdle(lookInterval: .seconds(5))
        let pending = IdleWatch(awayDeadline: Self.at(60), showsAway: false)
        #expect(idle.nextLook(now: Self.at(5), lastLook: Self.at(5), pending: pending, watchesLocks: false) == Self.at(60))
        // Once looked at (the engine's tick acts on it), a deadline is not looked at again.
        #expect(idle.nextLook(now: Self.at(60), lastLook: Self.at(60), pending: pending, watchesLocks: false) == nil)
    }

    @Test func aLockToWatchOrAnAwayToClearIsLookedAtEveryInterval() {
        let idle = DesktopIdle(lookInterval: .seconds(5))
        let counting = IdleWatch(awayDeadline: Self.at(60), showsAway: false)
        #expect(idle.nextLook(now: Self.at(10), lastLook: Self.at(10), pending: counting, watchesLocks: true) == Self.at(15))
        #expect(idle.nextLook(now: Self.at(58), lastLook: Self.at(58), pending: counting, watchesLocks: true) == Self.at(60), "never after the deadline")
        let away = IdleWatch(awayDeadline: nil, showsAway: true)
        #expect(idle.nextLook(now: Self.at(70), lastLook: Self.at(70), pending: away, watchesLocks: false) == Self.at(75))
    }

    // MARK: Through the hub: what Bob sees

    @Test func inputInAnotherProgramKeepsTheWindowFromGoingAway() throws {
        var (hub, window) = hubWithWindow()
        var shown: [SessionState] = []
        // The user works in a terminal every 20 s for two minutes; the X server and logind see nothing.
        for seconds in stride(from: 20.0, through: 120, by: 20) {
            let look = Self.at(seconds + 1)
            shown += hub.desktopLooked(
                ["terminals": .lastInput(Self.at(seconds)), "x11": .lastInput(Self.at(0)), "logind": .silent], at: look
            ).map(\.state)
            shown += hub.tick(at: look).outgoing.map(\.state)
        }
        #expect(!shown.contains(.away), "busy elsewhere is not away: \(shown)")
        let deadline = try #require(hub.idleWatch?.awayDeadline)
        #expect(deadline == Self.at(180), "away counts from the last input anywhere")
        // The typing stops: away exactly one preset after the last keystroke, not after the last look.
        #expect(hub.tick(at: Self.at(179.9)).outgoing.isEmpty)
        #expect(hub.tick(at: Self.at(180)).outgoing == [.init(peer: bob, state: .away, source: window)])
        // One keystroke in the terminal clears it.
        let back = hub.desktopLooked(["terminals": .lastInput(Self.at(200))], at: Self.at(201))
        #expect(back == [.init(peer: bob, state: .active, source: window)])
    }

    @Test func aLockedScreenIsAwayAtOnceAndUnlockingIsInput() {
        var (hub, window) = hubWithWindow()
        let locked = hub.desktopLooked(["logind": .locked, "x11": .lastInput(Self.at(9))], at: Self.at(10))
        #expect(locked == [.init(peer: bob, state: .away, source: window)], "no waiting for the preset")
        #expect(hub.desktopLooked(["logind": .locked], at: Self.at(15)).isEmpty, "away is not said twice")
        let unlocked = hub.desktopLooked(["logind": .silent], at: Self.at(20))
        #expect(unlocked == [.init(peer: bob, state: .active, source: window)])
        #expect(hub.idleWatch?.awayDeadline == Self.at(80), "unlocking restarts the idle detector")
    }

    @Test func withEverySourceSilentOnlyNattersOwnWindowsCount() {
        var (hub, window) = hubWithWindow()
        #expect(hub.desktopLooked(["logind": .silent], at: Self.at(30)).isEmpty)
        #expect(hub.desktopLooked([:], at: Self.at(59)).isEmpty, "no source at all")
        #expect(hub.tick(at: Self.at(59.9)).outgoing.isEmpty)
        #expect(hub.tick(at: Self.at(60)).outgoing == [.init(peer: bob, state: .away, source: window)])
    }

    @Test func aSourceDisappearingWhileLockedReleasesTheLock() {
        var (hub, window) = hubWithWindow()
        _ = hub.desktopLooked(["logind": .locked], at: Self.at(10))
        let gone = hub.desktopLooked(["terminals": .lastInput(Self.at(4))], at: Self.at(15))
        #expect(gone == [.init(peer: bob, state: .active, source: window)])
    }

    @Test func inputSeenLateNeverMovesTheIdleClockBack() {
        var (hub, window) = hubWithWindow()
        _ = hub.signal(.keystroke, window: window, at: Self.at(30))
        _ = hub.signal(.messageSent, window: window, at: Self.at(31))
        _ = hub.desktopLooked(["x11": .lastInput(Self.at(5))], at: Self.at(40))
        #expect(hub.idleWatch?.awayDeadline == Self.at(91), "natter's own input at 31 s is the later one")
    }

    @Test func noWindowOrSharingOffMeansNoDetection() {
        var hub = SessionStateHub(timings: Self.timings)
        #expect(hub.idleWatch == nil)
        #expect(hub.nextDesktopLook(at: Self.at(1), watchesLocks: true) == nil, "nothing pending: no polling")
        let (window, _) = hub.openWindow(peer: bob, hasUnreadMessage: false, at: Self.at(2))
        #expect(hub.nextDesktopLook(at: Self.at(2), watchesLocks: false) == Self.at(2), "detection starts with a look")
        _ = hub.setPolicy(SharingPolicy(sharesByDefault: false), at: Self.at(3))
        #expect(hub.idleWatch == nil, "sharing off for everyone: no detection at all")
        #expect(hub.nextDesktopLook(at: Self.at(3), watchesLocks: true) == nil)
        _ = hub.setPolicy(SharingPolicy(sharesByDefault: true), at: Self.at(4))
        _ = hub.closeWindow(window, at: Self.at(5))
        #expect(hub.idleWatch == nil)
    }

    @Test func stoppingDetectionForgetsALock() {
        var (hub, window) = hubWithWindow()
        _ = hub.desktopLooked(["logind": .locked], at: Self.at(1))
        let stopped = hub.desktopStopped(at: Self.at(2))
        #expect(stopped == [.init(peer: bob, state: .active, source: window)])
        #expect(hub.nextDesktopLook(at: Self.at(3), watchesLocks: false) == Self.at(3), "the next detection looks at once")
    }
}
