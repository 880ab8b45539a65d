import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// Groups between real daemons and real SQLite stores, over links in memory:
/// fan-out, exactly once, the agreed order, membership, states, broadcasts.
@Suite("Daemon groups: fan-out, exactly once, order, membership, states")
struct NatterDaemonGroupsTests {
    let office = Office()

    /// Alice, Bob and Carol linked to each other, Dave linked to everyone,
    /// and #Lunch created by Alice with Bob and Carol, seen by both.
    func lunch() async throws -> (alice: TestPeer, bob: TestPeer, carol: TestPeer, dave: TestPeer, group: GroupView) {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob"), carol = try office.peer("Carol"), dave = try office.peer("Dave")
        for (a, b) in [(alice, bob), (alice, carol), (bob, carol), (alice, dave), (bob, dave), (carol, dave)] { await office.link(a, b) }
        let bobMark = await bob.events.mark, carolMark = await carol.events.mark
        let group = try await alice.call("POST", "/v1/groups", GroupCreateRequest(name: "#Lunch", members: ["Bob", "Carol"]), as: GroupView.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroup("Lunch") }
        await carol.events.expectEvent(after: carolMark) { $0.isGroup("Lunch") }
        return (alice, bob, carol, dave, group)
    }

    /// Stops the daemons, and checks that none of them wrote a frame its
    /// colleagues' codec refuses (``MemoryNetwork/refusedFrames``).
    func stop(_ peers: TestPeer...) async {
        for peer in peers { await peer.stop() }
        #expect(office.network.refusedFrames.isEmpty, "frames no colleague can read: \(office.network.refusedFrames)")
    }

    @Test func eachMessageArrivesOnceAtEachMemberInTheSameOrderAndNeverAtANonMember() async throws {
        let (alice, bob, carol, dave, group) = try await lunch()
        #expect(group.members.map(\.name).sorted() == ["Alice", "Bob", "Carol"])
        let aliceMark = await alice.events.mark, bobMark = await bob.events.mark, carolMark = await carol.events.mark
        var sent: [GroupMessageView] = []
        for index in 0..<3 {
            sent.append(try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "a\(index)"), as: GroupMessageView.self))
            sent.append(try await bob.call("POST", "/v1/groups/%23Lunch/messages", GroupSendRequest(text: "b\(index)"), as: GroupMessageView.self))
        }
        #expect(sent[0].recipients == 2 && sent[0].delivered == 0)
        for text in ["a2", "b2"] { await carol.events.expectEvent(after: carolMark) { $0.isGroupMessage(text) } }
        await alice.events.expectEvent(after: aliceMark) { $0.isGroupMessage("b2") }
        await bob.events.expectEvent(after: bobMark) { $0.isGroupMessage("a2") }
        for text in ["a0", "a1", "a2", "b0", "b1", "b2"] {
            #expect(await carol.events.count(after: carolMark) { $0.isGroupMessage(text) } == 1, "\(text) shown once at Carol")
        }
        // Every member's history: the same messages in the same order.
        let histories = try await [alice, bob, carol].asyncMap {
            try await $0.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self).map(\.id)
        }
        #expect(histories[0].count == 7, "the creation and six messages")
        #expect(histories[0] == histories[1] && histories[1] == histories[2])
        let texts = try await carol.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self).map(\.text)
        #expect(texts.filter { $0.hasPrefix("a") } == ["a0", "a1", "a2"] && texts.filter { $0.hasPrefix("b") } == ["b0", "b1", "b2"])
        // Receipts: "delivered to 2 of 2".
        let last = sent[4]
        let receipt = await alice.events.first(after: aliceMark) {
            if case .groupDelivery(let view) = $0 { view.id == last.id && view.delivered == 2 } else { false }
        }
        #expect(receipt != nil)
        #expect(office.network.frames(from: alice.fingerprint, to: dave.fingerprint).filter(\.isGroup).isEmpty)
        #expect(office.network.frames(from: bob.fingerprint, to: dave.fingerprint).filter(\.isGroup).isEmpty)
        #expect(try await dave.call("GET", "/v1/groups", as: [GroupView].self).isEmpty)
        await stop(alice, bob, carol, dave)
    }

    @Test func anOfflineMemberGetsEverythingOnceInEachSendersOrderWhenBack() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        await office.unlink(carol, alice)
        await office.unlink(carol, bob)
        for index in 0..<10 {
            _ = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "a\(index)"), as: GroupMessageView.self)
            _ = try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "b\(index)"), as: GroupMessageView.self)
        }
        let carolMark = await carol.events.mark
        await office.link(carol, alice)
        await office.link(carol, bob)
        await carol.events.expectEvent(after: carolMark) { $0.isGroupMessage("a9") }
        await carol.events.expectEvent(after: carolMark) { $0.isGroupMessage("b9") }
        let arrived = await carol.events.all.dropFirst(carolMark).compactMap { event -> String? in
            if case .groupMessage(let view) = event, view.kind == .message { view.text } else { nil }
        }
        #expect(arrived.count == 20, "each once: \(arrived)")
        #expect(arrived.filter { $0.hasPrefix("a") } == (0..<10).map { "a\($0)" })
        #expect(arrived.filter { $0.hasPrefix("b") } == (0..<10).map { "b\($0)" })
        await stop(alice, bob, carol, dave)
    }

    @Test func aRemovedMemberGetsTheRemovalAndNothingAfter() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let carolMark = await carol.events.mark, bobMark = await bob.events.mark
        await #expect(throws: APICallError.self) {
            try await bob.call("POST", "/v1/groups/Lunch/removals", GroupMembersRequest(members: ["Carol"]), as: GroupView.self)
        }
        let after = try await alice.call("POST", "/v1/groups/Lunch/removals", GroupMembersRequest(members: ["Carol"]), as: GroupView.self)
        #expect(after.members.map(\.name).sorted() == ["Alice", "Bob"])
        #expect(await carol.events.first(after: carolMark) { $0.isGroupChange("Alice removed Carol") } != nil)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupChange("Alice removed Carol") }
        _ = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "after"), as: GroupMessageView.self)
        _ = try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "after too"), as: GroupMessageView.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupMessage("after") }
        #expect(await carol.events.count(after: carolMark) { $0.isGroupMessage("after") || $0.isGroupMessage("after too") } == 0)
        let removal = office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter(\.isGroup).count
        #expect(removal == 2, "the creation and the removal")
        let carolsView = try await carol.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(carolsView.map(\.joined) == [false])
        let refused = await #expect(throws: APICallError.self) {
            try await carol.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "hello?"), as: GroupMessageView.self)
        }
        #expect(refused?.status == 404)
        await stop(alice, bob, carol, dave)
    }

    @Test func anyMemberAddsTheNewcomerGetsTheRosterAndAnyoneLeaves() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let daveMark = await dave.events.mark, aliceMark = await alice.events.mark
        let added = try await bob.call("POST", "/v1/groups/Lunch/members", GroupMembersRequest(members: ["Dave"]), as: GroupView.self)
        #expect(added.members.count == 4)
        #expect(await dave.events.first(after: daveMark) { $0.isGroupChange("Bob added Dave") } != nil)
        #expect(await alice.events.first(after: aliceMark) { $0.isGroupChange("Bob added Dave") } != nil)
        let davesView = try await dave.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(davesView.map(\.joined) == [true] && davesView[0].members.map(\.name).sorted() == ["Alice", "Bob", "Carol", "Dave"])
        _ = try await dave.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "hi all"), as: GroupMessageView.self)
        #expect(await alice.events.first(after: aliceMark) { $0.isGroupMessage("hi all") } != nil, "the newcomer speaks")

        let carolMark = await carol.events.mark
        let left = try await bob.call("POST", "/v1/groups/Lunch/leave", EmptyReply(), as: GroupView.self)
        #expect(!left.joined)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupChange("Bob left") } != nil)
        let bobMark = await bob.events.mark
        _ = try await carol.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "bye Bob"), as: GroupMessageView.self)
        await dave.events.expectEvent(after: daveMark) { $0.isGroupMessage("bye Bob") }
        #expect(await bob.events.count(after: bobMark) { $0.isGroupMessage("bye Bob") } == 0)
        let history = try await bob.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        #expect(history.last?.text == "Bob left", "history stays readable after leaving")
        await stop(alice, bob, carol, dave)
    }

    @Test func aColleagueNamedTwiceIsAddedOnceAndAChangeNamingNobodyIsRefused() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let daveMark = await dave.events.mark
        let added = try await bob.call("POST", "/v1/groups/Lunch/members", GroupMembersRequest(members: ["Dave", "Dave"]), as: GroupView.self)
        #expect(added.members.map(\.name).sorted() == ["Alice", "Bob", "Carol", "Dave"])
        #expect(await dave.events.first(after: daveMark) { $0.isGroupChange("Bob added Dave") } != nil, "the frame names Dave once, so Dave can read it")
        for path in ["/v1/groups/Lunch/members", "/v1/groups/Lunch/removals"] {
            let refused = await #expect(throws: APICallError.self) {
                try await alice.call("POST", path, GroupMembersRequest(members: []), as: GroupView.self)
            }
            #expect(refused?.status == 400 && refused?.message == "name at least one colleague", "\(path)")
        }
        await stop(alice, bob, carol, dave)
    }

    /// Alice removes Bob while unlinked from him and Carol; a second later
    /// Bob, who has not heard, adds Dave. Returns Carol's view of Bob's
    /// change as she first heard it, before Alice's removal reached her.
    func bobAddsDaveAfterHisRemoval(
        _ alice: TestPeer, _ bob: TestPeer, _ carol: TestPeer
    ) async throws -> GroupMessageView? {
        await office.unlink(alice, bob)
        await office.unlink(alice, carol)
        _ = try await alice.call("POST", "/v1/groups/Lunch/removals", GroupMembersRequest(members: ["Bob"]), as: GroupView.self)
        office.clock.advance(by: .seconds(1))
        let carolMark = await carol.events.mark
        _ = try await bob.call("POST", "/v1/groups/Lunch/members", GroupMembersRequest(members: ["Dave"]), as: GroupView.self)
        let heard = await carol.events.first(after: carolMark) { $0.isGroupChange("Bob added Dave") }
        guard case .groupMessage(let live)? = heard else { return nil }
        return live
    }

    @Test func aChangeRefusedAtItsPlaceInTheOrderIsShownAsRefused() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let live = try await bobAddsDaveAfterHisRemoval(alice, bob, carol)
        #expect(live != nil, "Carol heard Bob's change")
        #expect(live?.refused == nil, "by what Carol holds then, it took effect")

        // Alice's removal, ordered before Bob's change, reaches Carol after it.
        let removalMark = await carol.events.mark
        await office.link(alice, carol)
        await carol.events.expectEvent(after: removalMark) { $0.isGroupChange("Alice removed Bob") }
        let history = try await carol.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        let changes = history.filter { $0.kind == .change }
        #expect(changes.map(\.text).dropFirst() == ["Alice removed Bob", "Bob added Dave"], "after the creation")
        #expect(changes.map(\.refused) == [nil, nil, true], "Bob was no longer a member when he added Dave")
        let carols = try await carol.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(carols.first?.members.map(\.name).sorted() == ["Alice", "Carol"])
        await stop(alice, bob, carol, dave)
    }

    /// Bob's change reaches Alice after her removal of him, which orders
    /// before it: she refuses it and keeps her roster (a member never starts
    /// again from the roster a change carries). And the known limit of
    /// Docs/protocol.md §5.9: nobody tells Dave that the change adding him
    /// was refused. This pins what he sees meanwhile, so the document
    /// changes with the behaviour.
    @Test func aChangeByAnAlreadyRemovedMemberChangesNoRosterAndItsColleagueIsNotTold() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        #expect(try await bobAddsDaveAfterHisRemoval(alice, bob, carol) != nil, "Carol heard Bob's change")
        let removed = await bob.events.mark
        for other in [bob, carol] { await office.link(alice, other) }
        await bob.events.expectEvent(after: removed) { $0.isGroupChange("Alice removed Bob") }
        // A one-to-one marker from Bob, handled by Alice after his group outbox.
        let marked = await alice.events.mark
        _ = try await bob.call("POST", "/v1/messages", SendRequest(peer: "Alice", text: "marker"), as: MessageView.self)
        await alice.events.expectEvent(after: marked) { $0.isMessage("marker") }
        for member in [alice, carol] {
            let groups = try await member.call("GET", "/v1/groups", as: [GroupView].self)
            #expect(groups.first?.members.map(\.name).sorted() == ["Alice", "Carol"], "\(member.name)'s roster")
        }

        let daves = try await dave.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(daves.first?.members.map(\.name).sorted() == ["Alice", "Bob", "Carol", "Dave"], "Bob's view, which Dave started from")
        let daveMark = await dave.events.mark
        let sent = try await dave.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "hello all"), as: GroupMessageView.self)
        #expect(sent.recipients == 3)
        let acked = await dave.events.first(after: daveMark) {
            if case .groupDelivery(let view) = $0 { view.id == sent.id && view.delivered == 1 } else { false }
        }
        #expect(acked != nil, "Bob, removed, acknowledges so Dave's resends to him stop")
        // One-to-one markers, handled after Dave's group frame on the same links.
        for member in [alice, carol] {
            let mark = await member.events.mark
            _ = try await dave.call("POST", "/v1/messages", SendRequest(peer: member.name, text: "marker"), as: MessageView.self)
            await member.events.expectEvent(after: mark) { $0.isMessage("marker") }
            #expect(await member.events.count { $0.isGroupMessage("hello all") } == 0, "\(member.name) does not count Dave")
            let acks = office.network.frames(from: member.fingerprint, to: dave.fingerprint).compactMap(\.ackedID)
            #expect(!acks.contains { $0.hex == sent.id }, "\(member.name) does not acknowledge it")
        }
        await stop(alice, bob, carol, dave)
    }

    /// Bob, cut off from Alice, adds Dave and says something; a second later
    /// Alice, who has not heard, removes him. Bob learns of his removal
    /// before he can reach her. What he sent before it still reaches her,
    /// and counts: it orders before the removal, so both members end with
    /// the same roster and the same conversation.
    @Test func whatARemovedMemberSentBeforeTheRemovalStillReachesEveryMember() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        await office.unlink(alice, bob)
        let carolMark = await carol.events.mark
        _ = try await bob.call("POST", "/v1/groups/Lunch/members", GroupMembersRequest(members: ["Dave"]), as: GroupView.self)
        _ = try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "before"), as: GroupMessageView.self)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupMessage("before") } != nil)
        office.clock.advance(by: .seconds(1))
        _ = try await alice.call("POST", "/v1/groups/Lunch/removals", GroupMembersRequest(members: ["Bob"]), as: GroupView.self)

        // Bob hears of his removal on a link where Alice's features never
        // arrive, so he sends her nothing of the group there.
        let bobMark = await bob.events.mark
        office.network.impair(from: alice.fingerprint, to: bob.fingerprint, .withholdFeatures)
        await office.link(alice, bob)
        #expect(await bob.events.first(after: bobMark) { $0.isGroupChange("Alice removed Bob") } != nil)
        await office.unlink(alice, bob)
        office.network.impair(from: alice.fingerprint, to: bob.fingerprint, nil)
        let aliceMark = await alice.events.mark
        await office.link(alice, bob)
        #expect(await alice.events.first(after: aliceMark) { $0.isGroupMessage("before") } != nil, "kept in Bob's outbox")
        #expect(await alice.events.first(after: aliceMark) { $0.isGroupChange("Bob added Dave") } != nil)

        let histories = try await [alice, carol].asyncMap {
            try await $0.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        }
        #expect(histories[0].map(\.id) == histories[1].map(\.id), "the same conversation in the same order")
        #expect(histories[0].map(\.refused) == histories[1].map(\.refused))
        for member in [alice, carol] {
            let groups = try await member.call("GET", "/v1/groups", as: [GroupView].self)
            #expect(groups.first?.members.map(\.name).sorted() == ["Alice", "Carol", "Dave"], "\(member.name)'s roster")
        }
        await stop(alice, bob, carol, dave)
    }

    /// Bob says goodbye while Carol is away, and leaves: she gets both when
    /// she is back, the goodbye first, and Bob is out of her roster.
    @Test func whatALeavingMemberSentBeforeLeavingStillReachesAnAbsentMember() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        await office.unlink(bob, carol)
        _ = try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "bye all"), as: GroupMessageView.self)
        _ = try await bob.call("POST", "/v1/groups/Lunch/leave", EmptyReply(), as: GroupView.self)
        let carolMark = await carol.events.mark
        await office.link(bob, carol)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupChange("Bob left") } != nil)
        let history = try await carol.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        #expect(history.map(\.text).suffix(2) == ["bye all", "Bob left"])
        let groups = try await carol.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(groups.first?.members.map(\.name).sorted() == ["Alice", "Carol"])
        await stop(alice, bob, carol, dave)
    }

    @Test func anUnacknowledgedGroupMessageIsResentAtMostOncePerResendPeriod() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        office.network.impair(from: carol.fingerprint, to: alice.fingerprint, .dropAcks)
        let sent = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "anyone?"), as: GroupMessageView.self)
        // 16 s of maintenance rounds (every 2 s) while Carol's receipts are lost.
        let rounds = 8
        for _ in 0..<rounds {
            await office.clock.waitForSleepers(4)
            office.clock.advance(by: NodeConstants.maintenanceInterval)
        }
        await office.clock.waitForSleepers(4)
        let copies = office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter { $0.groupMessageID?.hex == sent.id }.count
        let period = NodeConstants.resendAfter / NodeConstants.maintenanceInterval
        #expect(copies >= 2, "resent while unacknowledged")
        #expect(copies <= 1 + Int(Double(rounds) / period), "sent once, then at most once per resend period, not at every round")
        await stop(alice, bob, carol, dave)
    }

    @Test func aGroupFrameFromANonMemberIsDroppedWithOneLogLineAndNoAck() async throws {
        let (alice, bob, carol, dave, group) = try await lunch()
        var generator = SystemRandomNumberGenerator()
        let id = MessageID(unixMilliseconds: 1, using: &generator)
        let forged = GroupMessageHeader(group: GroupID(hex: group.id)!, id: id, sentAt: 1, timestamp: HybridTimestamp(milliseconds: 1, counter: 0))
        _ = office.network.send(.group(sequence: 99, .message(forged, text: "let me in")), from: dave.fingerprint, to: alice.fingerprint)
        // Then a frame that is handled after it on the same link.
        let mark = await alice.events.mark
        _ = try await dave.call("POST", "/v1/messages", SendRequest(peer: "Alice", text: "marker"), as: MessageView.self)
        await alice.events.expectEvent(after: mark) { $0.isMessage("marker") }
        #expect(await alice.events.count { $0.isGroupMessage("let me in") } == 0)
        #expect(alice.log.messages().filter { $0.contains("dropped a group frame from a non-member") }.count == 1)
        #expect(office.network.frames(from: alice.fingerprint, to: dave.fingerprint).compactMap(\.ackedID).contains(id) == false)
        await stop(alice, bob, carol, dave)
    }

    @Test func membersSeeEachOthersStatesInTheGroupOnly() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let bobMark = await bob.events.mark, carolMark = await carol.events.mark
        let window = try await alice.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        #expect(window.peerName == "#Lunch")
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        #expect(await bob.events.first(after: bobMark) { $0.isGroupState(.typing, of: "Alice") } != nil)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupState(.typing, of: "Alice") } != nil)
        #expect(await bob.events.count(after: bobMark) { $0.isState(.typing, of: "Alice") } == 0, "not in the one-to-one window")
        // Alice's message, then Bob opens the group with it unread: reading.
        _ = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "pizza?"), as: GroupMessageView.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupMessage("pizza?") }
        let aliceMark = await alice.events.mark
        let bobsWindow = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "#lunch"), as: WindowView.self)
        _ = try await bob.call("POST", "/v1/windows/\(bobsWindow.window)/signals", SignalRequest(signal: .focused), as: EmptyReply.self)
        #expect(await alice.events.first(after: aliceMark) { $0.isGroupState(.reading, of: "Bob") } != nil)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupState(.reading, of: "Bob") } != nil)
        _ = try await alice.call("DELETE", "/v1/windows/\(window.window)", as: EmptyReply.self)
        let closed = await carol.events.first(after: carolMark) { $0.isGroupState(.closedWindow, of: "Alice") }
        guard case .groupState(let view)? = closed else { Issue.record("no closed state"); return }
        #expect(view.text == "Alice closed the conversation" && view.groupName == "Lunch")
        #expect(office.network.frames(from: alice.fingerprint, to: dave.fingerprint).filter(\.isGroup).isEmpty)
        await stop(alice, bob, carol, dave)
    }

    @Test func theGroupSwitchSilencesTheGroupAndTheColleagueSwitchOneMember() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: "Carol"), as: StatusView.self)
        let window = try await alice.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        let bobMark = await bob.events.mark
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        #expect(await bob.events.first(after: bobMark) { $0.isGroupState(.typing, of: "Alice") } != nil)
        #expect(office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter(\.isGroupState).isEmpty)
        let statesToBob = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isGroupState).count
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: "#Lunch"), as: StatusView.self)
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        _ = try await alice.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "marker"), as: GroupMessageView.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupMessage("marker") }
        let later = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isGroupState)
        #expect(later.count == statesToBob + 1, "one final active when the group was switched off, then nothing")
        #expect(office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter(\.isGroupState).isEmpty, "not even that active")
        await stop(alice, bob, carol, dave)
    }

    @Test func switchingOneMemberOffClearsWhatTheyShowAtOnceAndTellsThemNothingMore() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let window = try await alice.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        var bobMark = await bob.events.mark, carolMark = await carol.events.mark
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupState(.typing, of: "Alice") }
        await carol.events.expectEvent(after: carolMark) { $0.isGroupState(.typing, of: "Alice") }
        // Bob is still told, so the window's engine goes on; Carol's view is
        // cleared now, not when her "typing" expires (the test clock stands still).
        let statesToBob = office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isGroupState).count
        carolMark = await carol.events.mark
        _ = try await alice.call("POST", "/v1/privacy", PrivacyRequest(shareState: false, peer: "Carol"), as: StatusView.self)
        #expect(await carol.events.first(after: carolMark) { $0.isGroupState(.active, of: "Alice") } != nil, "Carol no longer sees Alice typing")
        #expect(office.network.frames(from: alice.fingerprint, to: bob.fingerprint).filter(\.isGroupState).count == statesToBob, "Bob still does")
        // Alice stops typing: Bob is told; Carol is not told that either.
        let statesToCarol = office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter(\.isGroupState).count
        bobMark = await bob.events.mark
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .inputCleared), as: EmptyReply.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupState(.active, of: "Alice") }
        _ = try await alice.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroupState(.typing, of: "Alice") }
        #expect(office.network.frames(from: alice.fingerprint, to: carol.fingerprint).filter(\.isGroupState).count == statesToCarol)
        await stop(alice, bob, carol, dave)
    }

    @Test func aWindowLeftOpenOnAGroupThisUserLeftDetectsNothing() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        let window = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        #expect(await bob.daemon.sessionStates.nextDeadline != nil, "the window runs its timers while the group is joined")
        _ = try await bob.call("POST", "/v1/groups/Lunch/leave", EmptyReply(), as: GroupView.self)
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        #expect(await bob.daemon.sessionStates.nextDeadline == nil, "no timers for a window that tells no one")
        await stop(alice, bob, carol, dave)
    }

    @Test func everyoneReachesEachColleagueOnceIncludingOneWhoComesOnlineLater() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        await office.unlink(alice, dave)
        let bobMark = await bob.events.mark, daveMark = await dave.events.mark
        let sent = try await alice.call("POST", "/v1/broadcasts", GroupSendRequest(text: "fire drill at 3"), as: GroupMessageView.self)
        #expect(sent.kind == .broadcast && sent.recipients == 3)
        let atBob = await bob.events.first(after: bobMark) { $0.isGroupMessage("fire drill at 3") }
        guard case .groupMessage(let view)? = atBob else { Issue.record("Bob got nothing"); return }
        #expect(view.kind == .broadcast && view.group == nil && view.authorName == "Alice")
        await office.link(alice, dave)
        #expect(await dave.events.first(after: daveMark) { $0.isGroupMessage("fire drill at 3") } != nil)
        #expect(await dave.events.count(after: daveMark) { $0.isGroupMessage("fire drill at 3") } == 1)
        await stop(alice, bob, carol, dave)
    }

    @Test func twoGroupsOfOneNameAreRefusedByNameAndReachedByTheirIds() async throws {
        let (alice, bob, carol, dave, lunch) = try await lunch()
        // Dave makes a #Lunch of his own with Bob: neither can be renamed.
        var bobMark = await bob.events.mark
        let davesLunch = try await dave.call("POST", "/v1/groups", GroupCreateRequest(name: "#lunch", members: ["Bob"]), as: GroupView.self)
        await bob.events.expectEvent(after: bobMark) { if case .group(let view) = $0 { view.id == davesLunch.id } else { false } }
        let ids = [lunch.id, davesLunch.id].sorted().map { "#" + $0.prefix(8) }
        await #expect(
            throws: APICallError(status: 409, message: "2 of your groups are called #Lunch; write the one you mean by its id: \(ids[0]) or \(ids[1]) (natter group list shows each group's id)")
        ) {
            _ = try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "which?"), as: GroupMessageView.self)
        }
        let aliceMark = await alice.events.mark, daveMark = await dave.events.mark
        bobMark = await bob.events.mark
        let sent = try await bob.call("POST", "/v1/groups/%23\(davesLunch.id.prefix(8))/messages", GroupSendRequest(text: "to Dave's"), as: GroupMessageView.self)
        #expect(sent.group == davesLunch.id)
        await dave.events.expectEvent(after: daveMark) { $0.isGroupMessage("to Dave's") }
        let window = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "#" + lunch.id), as: WindowView.self)
        #expect(window.peer == lunch.id)
        _ = try await bob.call("POST", "/v1/groups/%23\(lunch.id)/messages", GroupSendRequest(text: "to Alice's"), as: GroupMessageView.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isGroupMessage("to Alice's") }
        #expect(await alice.events.count(after: aliceMark) { $0.isGroupMessage("to Dave's") } == 0)
        let history = try await bob.call("GET", "/v1/groups/%23\(davesLunch.id)/messages", as: [GroupMessageView].self)
        #expect(history.map(\.text).contains("to Dave's") && !history.map(\.text).contains("to Alice's"))
        _ = try await bob.call("POST", "/v1/groups/%23\(davesLunch.id)/leave", EmptyReply(), as: GroupView.self)
        #expect(try await bob.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: "one left"), as: GroupMessageView.self).group == lunch.id)
        await stop(alice, bob, carol, dave)
    }

    @Test func groupsSurviveARestart() async throws {
        let (alice, bob, carol, dave, _) = try await lunch()
        await alice.stop()
        let again = try office.peer("Alice", identity: alice.identity, directory: alice.directory)
        let groups = try await again.call("GET", "/v1/groups", as: [GroupView].self)
        #expect(groups.map(\.name) == ["Lunch"] && groups[0].joined && groups[0].members.count == 3)
        await #expect(throws: APICallError.self) {
            try await again.call("POST", "/v1/groups", GroupCreateRequest(name: "#LUNCH", members: ["Bob"]), as: GroupView.self)
        }
        await stop(again, bob, carol, dave)
    }
}

extension APIEvent {
    func isGroup(_ name: String) -> Bool {
        if case .group(let view) = self { view.name == name } else { false }
    }

    func isGroupMessage(_ text: String) -> Bool {
        if case .groupMessage(let view) = self { view.kind != .change && view.text == text } else { false }
    }

    func isGroupChange(_ text: String) -> Bool {
        if case .groupMessage(let view) = self { view.kind == .change && view.text == text } else { false }
    }

    func isGroupState(_ state: SessionState, of name: String) -> Bool {
        if case .groupState(let view) = self { view.state == state && view.memberName == name } else { false }
    }
}

extension Frame {
    var isGroup: Bool {
        if case .group = self { true } else { false }
    }

    var isGroupState: Bool {
        if case .group(_, .state) = self { true } else { false }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
