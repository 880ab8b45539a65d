import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Messages between real daemons and real SQLite stores, over links in memory:
/// no root, no sockets, no sleeping.
@Suite("Daemon messages: outbox, resend, receipts, exactly once")
struct NatterDaemonMessagesTests {
    let office = Office()

    @Test func aMessageToAnOfflineColleagueWaitsInTheOutboxAndGoesWhenTheyReturn() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        await office.unlink(alice, bob)

        let sent = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "lunch?"), as: MessageView.self)
        #expect(sent.delivery == .queued && sent.receivedAt == nil)
        #expect(office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isChat).isEmpty)

        let bobMark = await bob.events.mark, aliceMark = await alice.events.mark
        office.network.connect(alice.fingerprint, bob.fingerprint)
        #expect(await bob.events.first(after: bobMark) { $0.isMessage("lunch?") } != nil, "the outbox is flushed when Bob is back")
        let receipt = await alice.events.first(after: aliceMark) { $0.isDelivery(of: sent.id) }
        guard case .delivery(let delivered)? = receipt else { Issue.record("no receipt"); return }
        #expect(delivered.delivery == .delivered && delivered.receivedAt != nil)
        let history = try await alice.call("GET", "/v1/messages?peer=Bob", as: [MessageView].self)
        #expect(history.map(\.delivery) == [.delivered])
        await alice.stop(); await bob.stop()
    }

    @Test func aMessageWhoseReceiptWasLostIsSentAgainAndShownOnce() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        office.network.impair(from: bob.fingerprint, to: alice.fingerprint, .dropAcks)
        let bobMark = await bob.events.mark, aliceMark = await alice.events.mark
        let sent = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "are you there?"), as: MessageView.self)
        #expect(await bob.events.first(after: bobMark) { $0.isMessage("are you there?") } != nil)
        #expect(await alice.events.count(after: aliceMark) { $0.isDelivery(of: sent.id) } == 0)

        office.network.impair(from: bob.fingerprint, to: alice.fingerprint, nil)
        // Both daemons' maintenance rounds are waiting on the clock; after the
        // resend period the unacknowledged message goes again.
        await office.clock.waitForSleepers(2)
        office.clock.advance(by: NodeConstants.resendAfter)
        #expect(await alice.events.first(after: aliceMark) { $0.isDelivery(of: sent.id) } != nil)
        let chats = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isChat)
        #expect(chats.count == 2, "sent, then resent once")
        #expect(await bob.events.count(after: bobMark) { $0.isMessage("are you there?") } == 1, "shown once")
        let history = try await bob.call("GET", "/v1/messages?peer=Alice", as: [MessageView].self)
        #expect(history.map(\.text) == ["are you there?"], "stored once")
        await alice.stop(); await bob.stop()
    }

    @Test func aDuplicatedFrameIsStoredShownAndReceiptedOnce() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        office.network.impair(from: alice.fingerprint, to: bob.fingerprint, .duplicateChats)
        let bobMark = await bob.events.mark, aliceMark = await alice.events.mark
        let first = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "one"), as: MessageView.self)
        let second = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "two"), as: MessageView.self)
        // A marker sent cleanly after them: each side handles its link's
        // frames in order, so once its receipt is in, every copy before it
        // has been stored (or not) and acknowledged.
        office.network.impair(from: alice.fingerprint, to: bob.fingerprint, nil)
        let marker = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "three"), as: MessageView.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isDelivery(of: marker.id) }
        await bob.events.expectEvent(after: bobMark) { $0.isMessage("three") }
        #expect(await bob.events.count(after: bobMark) { $0.isMessage("one") } == 1)
        #expect(await bob.events.count(after: bobMark) { $0.isMessage("two") } == 1)
        #expect(await alice.events.count(after: aliceMark) { $0.isDelivery(of: first.id) } == 1, "the second receipt changes nothing")
        #expect(await alice.events.count(after: aliceMark) { $0.isDelivery(of: second.id) } == 1)
        let acks = office.network.frames(from: bob.fingerprint, to: alice.fingerprint).compactMap(\.ackedID)
            .filter { $0.hex == first.id || $0.hex == second.id }
        #expect(acks.count == 4, "every copy is acknowledged, so no sender resends forever")
        await alice.stop(); await bob.stop()
    }

    @Test func anEmptyMessageIsRefusedByTheSenderAndAcknowledgedByTheReceiver() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        for empty in ["", "   ", "\n\t "] {
            await #expect(throws: APICallError(status: 400, message: MessageText.Problem.empty.description)) {
                _ = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: empty), as: MessageView.self)
            }
        }
        // A peer that sends one anyway (an older or foreign implementation):
        let mallory = office.network.links(for: DeviceIdentity().fingerprint, name: "Mallory", address: "memory:mallory")
        let malloryID = mallory.device
        let bobMark = await bob.events.mark
        office.network.connect(malloryID, bob.fingerprint)
        await bob.events.expectEvent(after: bobMark) { $0.isOnline("Mallory") }
        var generator = SystemRandomNumberGenerator()
        let blank = MessageID(unixMilliseconds: 1, using: &generator), real = MessageID(unixMilliseconds: 2, using: &generator)
        mallory.send(.chat(sequence: 1, id: blank, sentAt: 1, text: "  "), to: bob.fingerprint, preferDatagram: false)
        mallory.send(.chat(sequence: 2, id: real, sentAt: 2, text: "real"), to: bob.fingerprint, preferDatagram: false)
        await bob.events.expectEvent(after: bobMark) { $0.isMessage("real") }
        #expect(await bob.events.count(after: bobMark) { $0.isMessage("  ") } == 0, "never shown")
        let acked = office.network.frames(from: bob.fingerprint, to: malloryID).compactMap(\.ackedID)
        #expect(acked == [blank, real], "acknowledged, so the sender's outbox drains")
        await alice.stop(); await bob.stop()
    }
}

extension Frame {
    var isChat: Bool { if case .chat = self { true } else { false } }
    var isAck: Bool { if case .ack = self { true } else { false } }
    var ackedID: MessageID? { if case .ack(_, let id) = self { id } else { nil } }
}
