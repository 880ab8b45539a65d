import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Docs/protocol.md §5.9: group frames (kinds 9–12) go only to a peer whose
/// link sent the features frame; until then they wait in the outbox (an
/// older natter closes the link on an unknown kind, §5.3). Olaf plays a
/// natter from before groups: his features frame never arrives
/// (``MemoryNetwork/Impairment/withholdFeatures``), and the network records
/// every frame sent to him. Then he upgrades and announces.
@Suite("Daemon groups: a peer that does not announce groups")
struct OlderPeerGroupTests {
    let office = Office()

    @Test func groupFramesWaitForTheFeaturesFrameThenArriveExactlyOnce() async throws {
        let alice = try office.peer("Alice"), carol = try office.peer("Carol"), olaf = try office.peer("Olaf")
        for member in [alice, carol] { office.network.impair(from: olaf.fingerprint, to: member.fingerprint, .withholdFeatures) }
        for (a, b) in [(alice, carol), (alice, olaf), (carol, olaf)] { await office.link(a, b) }
        // Receipts between Alice and Carol are lost for now, so the resend
        // round below has something to resend: it shows the round ran.
        office.network.impair(from: carol.fingerprint, to: alice.fingerprint, .dropAcks)
        office.network.impair(from: alice.fingerprint, to: carol.fingerprint, .dropAcks)

        let aliceMark = await alice.events.mark, carolMark = await carol.events.mark
        let group = try await alice.call("POST", "/v1/groups", GroupCreateRequest(name: "#Lunch", members: ["Carol", "Olaf"]), as: GroupView.self)
        #expect(group.members.map(\.name).sorted() == ["Alice", "Carol", "Olaf"], "Olaf can be added: he is a colleague")
        await carol.events.expectEvent(after: carolMark) { $0.isGroup("Lunch") }
        let pizza = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "pizza?"), as: GroupMessageView.self)
        await carol.events.expectEvent(after: carolMark) { $0.isGroupMessage("pizza?") }
        let yes = try await carol.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "yes"), as: GroupMessageView.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isGroupMessage("yes") }
        let drill = try await alice.call("POST", "/v1/broadcasts", GroupSendRequest(text: "fire drill"), as: GroupMessageView.self)
        #expect(drill.recipients == 2)
        await carol.events.expectEvent(after: carolMark) { $0.isGroupMessage("fire drill") }

        // The resend round: Carol gets her receipts through, Olaf still nothing.
        office.network.impair(from: carol.fingerprint, to: alice.fingerprint, nil)
        office.network.impair(from: alice.fingerprint, to: carol.fingerprint, nil)
        await office.clock.waitForSleepers(3)
        office.clock.advance(by: NodeConstants.resendAfter)
        for (peer, mark, id) in [(alice, aliceMark, pizza.id), (alice, aliceMark, drill.id), (carol, carolMark, yes.id)] {
            #expect(await peer.events.first(after: mark) { $0.isGroupDelivery(of: id, delivered: 1) } != nil, "\(peer.name)'s resend round")
        }
        // A group window's state frames are group frames too.
        let window = try await alice.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupState(.typing, of: "Alice") } != nil)

        for sender in [alice, carol] {
            let sent = office.network.frames(from: sender.fingerprint, to: olaf.fingerprint)
            #expect(!sent.isEmpty, "the link to Olaf is up and used (features, states)")
            #expect(sent.filter(\.isGroup).isEmpty, "\(sender.name) sent Olaf group frames before he announced groups: \(sent.filter(\.isGroup))")
        }
        #expect(try await olaf.call("GET", "/v1/groups", as: [GroupView].self).isEmpty)
        let undelivered = try await alice.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        #expect(undelivered.filter { $0.direction == .outgoing }.map { "\($0.kind): \($0.delivered ?? -1) of \($0.recipients ?? -1)" }
            == ["change: 1 of 2", "message: 1 of 2"], "the creation and pizza? are delivered to Carol only")
        let carols = try await carol.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self).first { $0.id == yes.id }
        #expect(carols?.delivered == 1 && carols?.recipients == 2, "Carol's own message waits for Olaf too")

        // Olaf upgrades: his next links announce groups, and what waited
        // arrives, once. Alice's link first: Carol's message can only be
        // taken once Olaf holds the group (a member that is behind drops it
        // until the author's resend, §5.9).
        let olafMark = await olaf.events.mark
        for (member, mark, ids) in [(alice, aliceMark, [pizza.id, drill.id]), (carol, carolMark, [yes.id])] {
            office.network.impair(from: olaf.fingerprint, to: member.fingerprint, nil)
            await office.unlink(olaf, member)
            await office.link(olaf, member)
            for id in ids {
                #expect(await member.events.first(after: mark) { $0.isGroupDelivery(of: id, delivered: 2) } != nil, "delivered to 2 of 2")
            }
        }
        let history = try await olaf.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        #expect(history.map(\.kind) == [.change, .message, .message] && history.dropFirst().map(\.text) == ["pizza?", "yes"])
        #expect(try await olaf.call("GET", "/v1/broadcasts", as: [GroupMessageView].self).map(\.text) == ["fire drill"])
        for text in ["pizza?", "yes", "fire drill"] {
            #expect(await olaf.events.count(after: olafMark) { $0.isGroupMessage(text) } == 1, "\(text) shown once")
        }
        // On the wire: each waiting frame exactly once, the creation first
        // (else Olaf would refuse the messages as from a non-member).
        let fromAlice = office.network.frames(from: alice.fingerprint, to: olaf.fingerprint).compactMap(\.groupMessageID)
        #expect(fromAlice == [undelivered[0].id, pizza.id, drill.id].compactMap(MessageID.init(hex:)), "Alice → Olaf: \(fromAlice)")
        let fromCarol = office.network.frames(from: carol.fingerprint, to: olaf.fingerprint).compactMap(\.groupMessageID)
        #expect(fromCarol == [yes.id].compactMap(MessageID.init(hex:)), "Carol → Olaf: \(fromCarol)")
        await alice.stop(); await carol.stop(); await olaf.stop()
    }

    /// §5.9: "on every link, right after its hello". A link that replaces
    /// another (two crossing dials: the loser is closed unread) announces
    /// again, else a features frame lost with the old link would hold the
    /// group's frames in the outbox until the link next drops.
    @Test func aReplacementLinkAnnouncesGroupsAgain() async throws {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        office.network.impair(from: bob.fingerprint, to: alice.fingerprint, .withholdFeatures)
        await office.link(alice, bob)
        let bobMark = await bob.events.mark
        _ = try await alice.call("POST", "/v1/groups", GroupCreateRequest(name: "#Lunch", members: ["Bob"]), as: GroupView.self)
        #expect(office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isGroup).isEmpty)
        office.network.impair(from: bob.fingerprint, to: alice.fingerprint, nil)
        office.network.replaceLink(bob.fingerprint, alice.fingerprint, claiming: "Alice")
        #expect(await bob.events.first(after: bobMark) { $0.isGroup("Lunch") } != nil, "the group waited for a link that never announces")
        await alice.stop(); await bob.stop()
    }
}

extension APIEvent {
    func isGroupDelivery(of id: String, delivered: Int) -> Bool {
        if case .groupDelivery(let view) = self { view.id == id && view.delivered == delivered } else { false }
    }
}

extension Frame {
    /// The message a group frame carries (nil for a state, or not a group frame).
    var groupMessageID: MessageID? {
        if case .group(_, let frame) = self { frame.messageID } else { nil }
    }
}
