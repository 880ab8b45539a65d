import Glibc
@testable import NatterWire
import Testing

/// Docs/protocol.md §9.3, Liveness: the options every control connection
/// carries, and that they keep the 15 s promise.
@Suite("Control connection keepalive")
struct ControlConnectionKeepaliveTests {
    @Test func theStandardSettingsAreTheDocumentedOnes() {
        let keepalive = ControlConnectionKeepalive.standard
        let tcp = Int32(IPPROTO_TCP)
        #expect(
            keepalive.socketOptions == [
                .init(level: SOL_SOCKET, name: SO_KEEPALIVE, value: 1),
                .init(level: tcp, name: TCP_KEEPIDLE, value: 5),
                .init(level: tcp, name: TCP_KEEPINTVL, value: 3),
                .init(level: tcp, name: TCP_KEEPCNT, value: 3),
                .init(level: tcp, name: TCP_USER_TIMEOUT, value: 14_000),
            ])
    }

    /// Idle: the first probe after `idle`, then `probes` unanswered ones
    /// `interval` apart; busy: the user timeout. Either way within 15 s.
    @Test func aVanishedPeerIsNoticedWithin15SecondsIdleOrBusy() {
        let keepalive = ControlConnectionKeepalive.standard
        #expect(keepalive.idleDetection == .seconds(5) + .seconds(3) * 3)
        #expect(keepalive.idleDetection <= .seconds(15))
        #expect(keepalive.userTimeout == keepalive.idleDetection)
        let slower = ControlConnectionKeepalive(idle: .seconds(10), interval: .seconds(5), probes: 3)
        #expect(slower.idleDetection == .seconds(25), "the bound follows the settings")
        #expect(slower.socketOptions.last?.value == 25_000)
    }
}
