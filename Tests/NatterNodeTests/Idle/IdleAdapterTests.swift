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
        #expect(XScreenSaverIdleSource.lastInput(reported: 130.2, previousLook: 130, known: 100) == 130.2)
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
