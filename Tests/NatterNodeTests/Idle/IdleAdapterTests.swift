@testable import NatterNode
import Testing

/// The thin parts of the idle adapters that are not I/O: reading what
/// `busctl` prints, logind's hints, and which answering sources are kept.
@Suite("Idle adapters: busctl replies, logind hints, the sources kept")
struct IdleAdapterTests {
    @Test(arguments: [
        ("t 12345", [BusValue.unsigned(12345)]),
        ("u 7\n", [.unsigned(7)]),
        ("b true", [.boolean(true)]),
        ("b false", [.boolean(false)]),
        (#"(so) "2" "/org/freedesktop/login1/session/_32""#, [.text("2"), .text("/org/freedesktop/login1/session/_32")]),
        (#"(so) "" "/""#, [.text(""), .text("/")]),
        (#"s "a \"quoted\" name""#, [.text(#"a "quoted" name"#)]),
    ])
    func busctlRepliesAreRead(reply: String, values: [BusValue]) {
        #expect(BusValue.parse(reply: reply) == values)
    }

    @Test(arguments: ["", "t", "t twelve", "a{sv} 0", "(tt) 1", "x 5"])
    func anythingElseIsNoReply(reply: String) {
        #expect(BusValue.parse(reply: reply) == nil)
    }

    @Test func logindHints() {
        let now: UInt64 = 1_800_000_000_000_000
        #expect(LogindIdleSource.observation(locked: true, idle: false, idleSinceMicroseconds: 0, now: now) == .locked)
        #expect(LogindIdleSource.observation(locked: true, idle: true, idleSinceMicroseconds: now - 1, now: now) == .locked)
        #expect(
            LogindIdleSource.observation(locked: false, idle: true, idleSinceMicroseconds: now - 90_000_000, now: now) == .idle(for: .seconds(90)))
        #expect(
            LogindIdleSource.observation(locked: false, idle: false, idleSinceMicroseconds: now - 5, now: now) == .silent,
            "not idle by the desktop's delay says nothing about the last input")
        #expect(LogindIdleSource.observation(locked: nil, idle: false, idleSinceMicroseconds: 0, now: now) == nil)
    }

    @Test func anXServerThatRestartsItsIdleCounterForOurOwnLookIsNotInput() {
        // The first look believes the server.
        #expect(XScreenSaverIdleSource.lastInput(reported: 100, previousLook: nil, known: nil) == 100)
        // The counter restarted when our look at 130 connected: no input since; 100 stands.
        #expect(XScreenSaverIdleSource.lastInput(reported: 130.01, previousLook: 130, known: 100) == 100)
        // A server that does not restart it reports the known input again.
        #expect(XScreenSaverIdleSource.lastInput(reported: 100, previousLook: 130, known: 100) == 100)
        // Input after our look is input, even a moment after it.
        #expect(XScreenSaverIdleSource.lastInput(reported: 142, previousLook: 130, known: 100) == 142)
        #expect(XScreenSaverIdleSource.lastInput(reported: 132.5, previousLook: 130, known: 100) == 132.5)
        // The server handled our look's disconnect late (a loaded machine): still our own reset.
        #expect(XScreenSaverIdleSource.lastInput(reported: 130.8, previousLook: 130, known: 100) == 100)
    }

    @Test func aLookAnsweredLateOnABusyMachineIsStillOurOwnReset() {
        // The look that ended at 130 reset the counter at 129.9. The next starts at 140.0; the
        // server answers at 140.3 (idle 10.4 s) and the tool's exit reaches us at 140.9.
        let reported = XScreenSaverIdleSource.inputInstant(idleMilliseconds: 10_400, lookStarted: 140.0)
        #expect(reported <= 129.9, "placed no later than the reset was: \(reported)")
        #expect(XScreenSaverIdleSource.lastInput(reported: reported, previousLook: 130, known: 100) == 100)
        // Real input at 135 is input, however late the answer is read (idle 5.3 s at 140.3).
        let input = XScreenSaverIdleSource.inputInstant(idleMilliseconds: 5_300, lookStarted: 140.0)
        #expect(XScreenSaverIdleSource.lastInput(reported: input, previousLook: 130, known: 100) == input)
        #expect(input > 134 && input <= 135)
    }

    struct Named: IdleSource {
        let name: String
        let kind: IdleSourceKind
        let reportsLocks = false
        func look() async -> IdleObservation? { .silent }
    }

    @Test func ofTheDisplaySourcesOnlyTheFirstIsKept() {
        let answered: [any IdleSource] = [
            Named(name: "logind", kind: .session), Named(name: "mutter", kind: .display),
            Named(name: "x11", kind: .display), Named(name: "terminals", kind: .terminals),
        ]
        #expect(IdleSources.chosen(from: answered).map(\.name) == ["logind", "mutter", "terminals"])
        #expect(IdleSources.chosen(from: []).isEmpty)
    }

    @Test func theTerminalsSourceIsAlwaysACandidateAndDisplaysNeedADisplay() {
        let bare = IdleSources.candidates(environment: [:]).map(\.name)
        #expect(bare.last == "terminals")
        #expect(!bare.contains("x11") && !bare.contains("mutter") && !bare.contains("screensaver"), "no display, no session bus: \(bare)")
    }
}
