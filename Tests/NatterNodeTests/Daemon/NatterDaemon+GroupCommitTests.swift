import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Group commit in a real daemon with a real SQLite store, over links in
/// memory: a burst is stored, acknowledged and shown once each, in order, and
/// no receipt leaves before its commit.
@Suite("Daemon group commit: bursts, receipts after the commit")
struct NatterDaemonGroupCommitTests {
    let office = Office()

    /// A colleague's link driven by the test, so frames arrive as fast as they can.
    func sender(to bob: TestPeer) async -> (links: MemoryLinks, device: DeviceFingerprint) {
        let mallory = office.network.links(for: DeviceIdentity().fingerprint, name: "Carol", address: "memory:carol")
        let mark = await bob.events.mark
        office.network.connect(mallory.device, bob.fingerprint)
        await bob.events.expectEvent(after: mark) { $0.isOnline("Carol") }
        return (mallory, mallory.device)
    }

    func burst(_ count: Int) -> [Frame] {
        var generator = SystemRandomNumberGenerator()
        return (1...count).map { index in
            .chat(sequence: UInt64(index), id: MessageID(unixMilliseconds: 1_764_000_000_000 + UInt64(index), using: &generator),
                  sentAt: 1_764_000_000_000 + UInt64(index), text: "burst \(index)")
        }
    }

    @Test func aBurstIsStoredAcknowledgedAndShownOnceEachInOrder() async throws {
        let bob = try office.peer("Bob")
        let (carol, carolID) = await sender(to: bob)
        let frames = burst(2_000)
        let mark = await bob.events.mark
        for frame in frames { carol.send(frame, to: bob.fingerprint, preferDatagram: false) }
        await bob.events.expectEvent(after: mark) { $0.isMessage("burst 2000") }
        await bob.daemon.finishCommits()

        let shown = await bob.events.all[mark...].compactMap { event -> String? in
            if case .message(let message) = event { message.text } else { nil }
        }
        #expect(shown == (1...2_000).map { "burst \($0)" }, "each shown once, in arrival order")
        let acked = office.network.frames(from: bob.fingerprint, to: carolID).compactMap(\.ackedID)
        #expect(acked == frames.map { if case .chat(_, let id, _, _) = $0 { id } else { fatalError() } }, "one receipt each, in order")
        let stored = try await bob.daemon.store.history(with: carolID, limit: 1000)
        #expect(stored.count == 1000 && stored.last?.text == "burst 2000")
        await bob.stop()
    }

    @Test func aStateBehindAMessageStillBeingStoredShowsAfterIt() async throws {
        let bob = try office.peer("Bob")
        let (carol, _) = await sender(to: bob)
        let mark = await bob.events.mark
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let id = MessageID(unixMilliseconds: 1_764_000_000_000 + UInt64(round), using: &generator)
            carol.send(.chat(sequence: UInt64(2 * round + 1), id: id, sentAt: 1, text: "m\(round)"), to: bob.fingerprint, preferDatagram: false)
            carol.send(.state(sequence: UInt64(2 * round + 2), state: round.isMultiple(of: 2) ? .typing : .active, source: 1), to: bob.fingerprint, preferDatagram: false)
        }
        await bob.events.expectEvent(after: mark) { $0.isMessage("m19") }
        await bob.daemon.finishCommits()
        let order = await bob.events.all[mark...].compactMap { event -> String? in
            switch event {
            case .message(let message): message.text
            case .state(let state): "\(state.state)"
            default: nil
            }
        }
        // Carol's words and states in the order she sent them (a state that changes nothing shows nothing).
        let messages = order.filter { $0.hasPrefix("m") }
        #expect(messages == (0..<20).map { "m\($0)" })
        #expect(order.first == "m0", "the first message shows before the state sent after it: \(order.prefix(4))")
        #expect(order.firstIndex(of: "typing").map { $0 > order.firstIndex(of: "m0")! } == true)
        await bob.stop()
    }

    @Test func noReceiptLeavesWhenTheCommitFails() async throws {
        let bob = try office.peer("Bob")
        let (_, carolID) = await sender(to: bob)
        try await bob.daemon.store.simulateFullDisk()
        // Larger than a page each: storing any of them needs a page the full disk refuses.
        var generator = SystemRandomNumberGenerator()
        for index in 1...50 {
            let id = MessageID(unixMilliseconds: 1_764_000_000_000 + UInt64(index), using: &generator)
            await bob.daemon.receiveChat(id: id, sequence: UInt64(index), sentAt: 1, text: String(repeating: "x", count: 5000), from: carolID)
        }
        await bob.daemon.finishCommits()
        #expect(office.network.frames(from: bob.fingerprint, to: carolID).filter(\.isAck).isEmpty, "not stored, so not acknowledged")
        #expect(bob.log.messages().contains { $0.contains("could not store an incoming message") })
        await bob.stop()
    }

    @Test func sendersBurstIsAnsweredStoredAndSentInOrderAndEveryReceiptRecorded() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let aliceMark = await alice.events.mark
        // Concurrent API calls, as from several front ends: they share commits.
        let sent = try await withThrowingTaskGroup(of: MessageView.self) { group in
            for index in 1...300 {
                group.addTask { try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "n\(index)"), as: MessageView.self) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(sent.count == 300 && sent.allSatisfy { $0.delivery == .queued })
        let last = sent.max { $0.sequence < $1.sequence }!
        await alice.events.expectEvent(after: aliceMark) { $0.isDelivery(of: last.id) }
        await alice.daemon.finishCommits()
        let chats = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).compactMap { frame -> UInt64? in
            if case .chat(let sequence, _, _, _) = frame { sequence } else { nil }
        }
        #expect(chats == sent.map(\.sequence).sorted(), "each sent once, in sequence order")
        let history = try await alice.call("GET", "/v1/messages?peer=Bob&limit=1000", as: [MessageView].self)
        #expect(history.count == 300 && history.allSatisfy { $0.delivery == .delivered }, "every receipt recorded")
        await alice.stop(); await bob.stop()
    }
}
