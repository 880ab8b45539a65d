import Foundation
import NatterCore
@testable import NatterNode
import NatterWire
import Testing

/// The listeners take both address families on one port; an IPv4 colleague
/// is known by its IPv4 address (never `::ffff:…`), and datagrams go back in
/// the family the link came in (Docs/protocol.md §3.1).
@Suite("Peer links: IPv4 and IPv6 on one listener", .serialized)
struct PeerLinkAddressFamilyTests {
    func upHost(_ events: EventCollector, of peer: DeviceFingerprint) -> String? {
        events.all.compactMap { if case .up(peer, _, let host, _) = $0 { host } else { nil } }.last
    }

    @Test func aColleagueDialsOverIPv6AndStatesGoAsIPv6Datagrams() async throws {
        let team = TeamKey()
        let alice = try await LinkPeer.start(name: "Alice", team: team)
        let bob = try await LinkPeer.start(name: "Bob", team: team)
        defer { alice.stop(); bob.stop() }

        #expect(await alice.service.dial(host: "::1", port: UInt16(bob.ports.tcp), expecting: bob.fingerprint))
        #expect(await bob.events.wait { $0.upPeers == [alice.fingerprint] })
        #expect(await alice.events.wait { $0.upPeers == [bob.fingerprint] })
        #expect(upHost(bob.events, of: alice.fingerprint) == "::1")
        #expect(upHost(alice.events, of: bob.fingerprint) == "::1")

        for (sender, receiver) in [(alice, bob), (bob, alice)] {
            #expect(sender.service.send(.state(sequence: 3, state: .typing, source: 1), to: receiver.fingerprint, preferDatagram: true))
            #expect(await eventually { receiver.service.counters.acceptedDatagrams == 1 }, "the state datagram crossed IPv6 loopback")
        }
    }

    @Test func anIPv4ColleagueOnTheDualStackListenerIsKnownByItsIPv4Address() async throws {
        let team = TeamKey()
        let alice = try await LinkPeer.start(name: "Alice", team: team)
        let bob = try await LinkPeer.start(name: "Bob", team: team)
        defer { alice.stop(); bob.stop() }

        await alice.dial(bob)  // 127.0.0.1, accepted on Bob's `::` socket as ::ffff:127.0.0.1
        #expect(await bob.events.wait { $0.upPeers == [alice.fingerprint] })
        #expect(upHost(bob.events, of: alice.fingerprint) == "127.0.0.1", "normalised: one colleague, one address")
        #expect(await alice.events.wait { $0.upPeers == [bob.fingerprint] })

        // Bob's datagrams to an IPv4 address leave his IPv6 socket as mapped addresses.
        #expect(bob.service.send(.state(sequence: 4, state: .pausedTyping, source: 1), to: alice.fingerprint, preferDatagram: true))
        #expect(await eventually { alice.service.counters.acceptedDatagrams == 1 })
        #expect(alice.service.send(.state(sequence: 5, state: .pausedTyping, source: 1), to: bob.fingerprint, preferDatagram: true))
        #expect(await eventually { bob.service.counters.acceptedDatagrams == 1 })
        #expect(bob.service.counters.droppedDatagrams == 0 && alice.service.counters.droppedDatagrams == 0)
    }

    @Test func dialsOverBothFamiliesLeaveOneLink() async throws {
        let team = TeamKey()
        let alice = try await LinkPeer.start(name: "Alice", team: team)
        let bob = try await LinkPeer.start(name: "Bob", team: team)
        defer { alice.stop(); bob.stop() }

        // Both sides dial at once, each in another family: the crossing rule keeps one.
        async let fromAlice = alice.service.dial(host: "::1", port: UInt16(bob.ports.tcp), expecting: bob.fingerprint)
        async let fromBob = bob.service.dial(host: "127.0.0.1", port: UInt16(alice.ports.tcp), expecting: alice.fingerprint)
        _ = await (fromAlice, fromBob)
        #expect(await alice.events.wait { $0.upPeers.contains(bob.fingerprint) })
        #expect(await bob.events.wait { $0.upPeers.contains(alice.fingerprint) })
        // The loser closes on both sides once both handshakes are done (bounded: real sockets, a loaded machine).
        #expect(await eventually(timeout: .seconds(10)) { alice.service.openConnections == 1 && bob.service.openConnections == 1 },
            "one link each way whatever the families")
        // Each ends up linked. (A side may first see the loser, which it
        // dialled, closed by the other before the winner's handshake
        // completes here, and report the colleague down and up again: a
        // crossing race of §5.7, whatever the families. Only one connection
        // is left by then, but its handshake may still be finishing: ci12
        // read the events in between, so wait for the last one.)
        for (side, other) in [(alice, bob), (bob, alice)] {
            func linkedAtTheEnd() -> Bool {
                let last = side.events.all.last { if case .up(other.fingerprint, _, _, _) = $0 { true } else { $0 == .down(other.fingerprint) } }
                return last.map { if case .up = $0 { true } else { false } } == true
            }
            #expect(await eventually(timeout: .seconds(10)) { linkedAtTheEnd() }, "linked at the end: \(side.events.all)")
        }
        let id = PeerLinkTests.newMessageID()
        #expect(alice.service.send(.chat(sequence: 9, id: id, sentAt: 1, text: "once"), to: bob.fingerprint, preferDatagram: false))
        #expect(await bob.events.wait { $0.frames.contains(.chat(sequence: 9, id: id, sentAt: 1, text: "once")) })
    }
}
