import NatterAPI
import NatterCore
@testable import NatterNode
import NatterWire
import Testing

/// `natter doctor PEER`'s link facts over real loopback sockets: the UDP
/// round trip through two real link services (Docs/protocol.md §6.5), and
/// the last link error a failed dial or a refused handshake leaves.
@Suite("natter doctor PEER on loopback", .serialized)
struct PeerLinkDoctorTests {
    @Test func aLinkedColleaguesUDPPathAnswersOnceItAnnouncedTheEcho() async throws {
        let (alice, bob) = try await LinkPeer.linkedPair()
        defer { alice.stop(); bob.stop() }

        // No features frame yet (the daemon sends it): an older natter would drop a request, so none goes.
        let before = await alice.service.checkPath(to: bob.fingerprint)
        #expect(before.link == .direct && before.remote == "127.0.0.1")
        #expect(before.udp == UDPCheckView(outcome: .unsupported, target: "127.0.0.1:\(bob.ports.udp)"))

        _ = bob.service.send(.features(.supported), to: alice.fingerprint, preferDatagram: false)
        #expect(await alice.events.wait { $0.frames.contains(.features(.supported)) })
        let accepted = bob.service.counters.acceptedDatagrams
        let check = await alice.service.checkPath(to: bob.fingerprint)
        #expect(check.udp.outcome == .answered && check.udp.requests == 1, "\(check.udp)")
        #expect(check.udp.target == "127.0.0.1:\(bob.ports.udp)")
        let roundTrip = try #require(check.udp.roundTripMicroseconds)
        #expect(roundTrip > 0 && roundTrip < 1_500_000)
        #expect(bob.service.counters.acceptedDatagrams == accepted + 1, "Bob opened the request with the link's keys")
        #expect(alice.events.frames.allSatisfy { if case .echo = $0 { false } else { true } }, "echoes are never delivered to the daemon")
        #expect(check.lastError == nil)
    }

    @Test func aRefusedDialAndAHandshakeOfAnotherTeamAreTheColleaguesLastError() async throws {
        let team = TeamKey()
        let alice = try await LinkPeer.start(name: "Alice", team: team)
        let gone = try await LinkPeer.start(name: "Gone", team: team)
        let mallory = try await LinkPeer.start(name: "Mallory", team: TeamKey())
        defer { alice.stop(); mallory.stop() }
        gone.stop()
        #expect(await gone.events.wait { $0.isFinished })

        #expect(await !alice.service.dial(host: "127.0.0.1", port: UInt16(gone.ports.tcp), expecting: gone.fingerprint))
        let refused = await alice.service.checkPath(to: gone.fingerprint)
        #expect(refused.lastError?.kind == .refused, "\(String(describing: refused.lastError))")
        #expect(refused.lastError?.address == "127.0.0.1:\(gone.ports.tcp)")
        #expect(refused.link == nil && refused.udp.outcome == .noLink)

        // Mallory holds another team key: her side refuses Alice's first message with a decoy.
        await alice.dial(mallory)
        #expect(await eventually { alice.service.counters.refusedConnections == 1 })
        let other = await alice.service.checkPath(to: mallory.fingerprint)
        #expect(other.lastError?.kind == .handshakeRefused, "\(String(describing: other.lastError))")
        #expect(other.lastError?.text.hasPrefix("127.0.0.1:\(mallory.ports.tcp) refused this device's handshake without a clock hint") == true)
        #expect(await alice.service.checkPath(to: gone.fingerprint).lastError?.kind == .refused, "kept per colleague")
    }
}
