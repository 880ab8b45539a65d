import NatterCore
@testable import NatterNode
import NatterWire
import Testing

/// Rekeys on real sockets (loopback, no root): the handler's timer, the
/// table's datagram sessions and the stream all switch together.
@Suite("Rekey on loopback")
struct PeerLinkRekeyTests {
    @Test func framesAndDatagramsFlowAcrossRekeysEveryFewHundredMilliseconds() async throws {
        let team = TeamKey()
        // A rekey every 200 ms, but keys refused only after 5 s, not the
        // standard 1.5 × (300 ms): this test is about the switch, and on a
        // loaded machine (a parallel `swift test`) a rekey's round trip can
        // take longer than 100 ms. The deadline has tests of its own.
        let policy = RekeyPolicy(rekeyAfter: .milliseconds(200), rejectAfter: .seconds(5))
        let alice = try await LinkPeer.start(name: "Alice", team: team, rekeyPolicy: policy)
        let bob = try await LinkPeer.start(name: "Bob", team: team, rekeyPolicy: policy)
        defer { alice.stop(); bob.stop() }
        await alice.dial(bob)
        #expect(await alice.events.wait { $0.upPeers == [bob.fingerprint] })
        #expect(await bob.events.wait { $0.upPeers == [alice.fingerprint] })

        // 2 s of traffic both ways, a frame and a state datagram every 20 ms.
        var sent: UInt64 = 0
        let until = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < until {
            sent += 1
            let id = MessageID(bytes: (0..<16).map { UInt8(truncatingIfNeeded: sent >> ($0 % 8)) })!
            #expect(alice.service.send(.chat(sequence: sent, id: id, sentAt: sent, text: "m\(sent)"), to: bob.fingerprint, preferDatagram: false))
            #expect(alice.service.send(.state(sequence: 100_000 + sent, state: .typing, source: 1), to: bob.fingerprint, preferDatagram: true))
            #expect(bob.service.send(.ack(sequence: 0, id: id), to: alice.fingerprint, preferDatagram: false))
            try await Task.sleep(for: .milliseconds(20))
        }
        let chats = { bob.events.frames.filter { if case .chat = $0 { true } else { false } }.count }
        let acks = { alice.events.frames.filter { if case .ack = $0 { true } else { false } }.count }
        #expect(await eventually { chats() == Int(sent) && acks() == Int(sent) }, "every frame each way: \(chats()) and \(acks()) of \(sent)")
        // Each state went by UDP and TCP; Bob's table accepted the datagrams
        // across the switches and dropped none.
        #expect(await eventually { bob.service.counters.acceptedDatagrams >= Int(sent) * 9 / 10 })
        #expect(bob.service.counters.droppedDatagrams == 0)
        #expect(alice.service.counters.rekeys >= 4 && bob.service.counters.rekeys >= 4, "rekeys: \(alice.service.counters.rekeys), \(bob.service.counters.rekeys)")
        #expect(alice.events.downPeers.isEmpty && bob.events.downPeers.isEmpty, "the link never dropped")
        #expect(alice.service.counters.refusedConnections == 0 && bob.service.counters.refusedConnections == 0)
    }
}
