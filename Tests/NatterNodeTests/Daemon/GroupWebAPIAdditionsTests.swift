import NatterAPI
import NatterCore
@testable import NatterNode
import NatterTesting
import NatterWire
import Testing

/// What the web UI's group window added to the API (Docs/api.md): a group's
/// history paged with `before`, in the agreed order, and each member's live
/// state line in `GroupView`, so a window opened late starts with it.
@Suite("Daemon API additions for groups in the web UI")
struct GroupWebAPIAdditionsTests {
    let office = Office()

    /// Alice and Bob linked, and #Lunch created by Alice with Bob, seen by both.
    func lunchForTwo() async throws -> (alice: TestPeer, bob: TestPeer) {
        let alice = try office.peer("Alice"), bob = try office.peer("Bob")
        await office.link(alice, bob)
        let bobMark = await bob.events.mark
        _ = try await alice.call("POST", "/v1/groups", GroupCreateRequest(name: "#Lunch", members: ["Bob"]), as: GroupView.self)
        await bob.events.expectEvent(after: bobMark) { $0.isGroup("Lunch") }
        return (alice, bob)
    }

    /// The web UI's "To everyone" window pages back through the broadcasts
    /// as a group window does.
    @Test func theBroadcastsPageBackwardsToo() async throws {
        let (alice, bob) = try await lunchForTwo()
        let bobMark = await bob.events.mark
        for text in ["one", "two", "three"] {
            _ = try await alice.call("POST", "/v1/broadcasts", GroupSendRequest(text: text), as: GroupMessageView.self)
            office.clock.advance(by: .milliseconds(5))
        }
        await bob.events.expectEvent(after: bobMark) { $0.isGroupMessage("three") }
        let newest = try await bob.call("GET", "/v1/broadcasts?limit=2", as: [GroupMessageView].self)
        #expect(newest.map(\.text) == ["two", "three"])
        let older = try await bob.call("GET", "/v1/broadcasts?limit=2&before=\(newest[0].id)", as: [GroupMessageView].self)
        #expect(older.map(\.text) == ["one"])
        let lunch = try await bob.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        let none = try await bob.call("GET", "/v1/broadcasts?limit=2&before=\(lunch[0].id)", as: [GroupMessageView].self)
        #expect(none.isEmpty, "a group's message is no broadcast to page from")
        await alice.stop(); await bob.stop()
    }

    @Test func aGroupsHistoryPagesBackwardsInTheAgreedOrder() async throws {
        let (alice, bob) = try await lunchForTwo()
        let aliceMark = await alice.events.mark, bobMark = await bob.events.mark
        for (index, text) in ["one", "two", "three", "four", "five"].enumerated() {
            // Each waits for the last to arrive, so the authors take turns in the agreed order too.
            let (author, reader, mark) = index.isMultiple(of: 2) ? (alice, bob, bobMark) : (bob, alice, aliceMark)
            _ = try await author.call("POST", "/v1/groups/Lunch/messages", GroupSendRequest(text: text), as: GroupMessageView.self)
            await reader.events.expectEvent(after: mark) { $0.isGroupMessage(text) }
        }
        let whole = try await bob.call("GET", "/v1/groups/Lunch/messages", as: [GroupMessageView].self)
        #expect(whole.map(\.text).dropFirst() == ["one", "two", "three", "four", "five"], "the creation, then each message")
        let newest = try await bob.call("GET", "/v1/groups/Lunch/messages?limit=2", as: [GroupMessageView].self)
        #expect(newest.map(\.id) == whole.suffix(2).map(\.id))
        let older = try await bob.call("GET", "/v1/groups/Lunch/messages?limit=2&before=\(newest[0].id)", as: [GroupMessageView].self)
        #expect(older.map(\.id) == Array(whole[2..<4]).map(\.id))
        let oldest = try await bob.call("GET", "/v1/groups/Lunch/messages?limit=10&before=\(older[0].id)", as: [GroupMessageView].self)
        #expect(oldest.map(\.id) == Array(whole[0..<2]).map(\.id), "back to the creation")
        // The agreed order is the same on both members, so a page asked of
        // Alice with Bob's ids is the same page.
        let alicePage = try await alice.call("GET", "/v1/groups/Lunch/messages?limit=2&before=\(newest[0].id)", as: [GroupMessageView].self)
        #expect(alicePage.map(\.id) == older.map(\.id))
        // A one-to-one message's id is no message of the group: no page.
        let direct = try await alice.call("POST", "/v1/messages", SendRequest(peer: "Bob", text: "psst"), as: MessageView.self)
        #expect(try await alice.call("GET", "/v1/groups/Lunch/messages?before=\(direct.id)", as: [GroupMessageView].self).isEmpty)
        let refused = await #expect(throws: APICallError.self) {
            try await alice.call("GET", "/v1/groups/Lunch/messages?before=nothex", as: [GroupMessageView].self)
        }
        #expect(refused?.status == 400)
        await alice.stop(); await bob.stop()
    }

    @Test func aGroupViewCarriesWhatEachMemberShowsInItNow() async throws {
        let (alice, bob) = try await lunchForTwo()
        let window = try await bob.call("POST", "/v1/windows", OpenWindowRequest(peer: "#Lunch"), as: WindowView.self)
        let aliceMark = await alice.events.mark
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .keystroke), as: EmptyReply.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isGroupState(.typing, of: "Bob") }
        let typing = try await alice.call("GET", "/v1/groups", as: [GroupView].self).first?.members
        #expect(typing?.first { $0.name == "Bob" }.map { [$0.state?.rawValue, $0.text] } == ["typing", "Bob is typing…"])
        #expect(typing?.first { $0.name == "Alice" }.map { $0.state == nil && $0.text == nil } == true, "this user shows nothing to themselves")
        // Only in the group: the one-to-one line stays empty.
        #expect(try await alice.call("GET", "/v1/peers", as: [PeerView].self).first { $0.name == "Bob" }?.text == nil)
        _ = try await bob.call("POST", "/v1/windows/\(window.window)/signals", SignalRequest(signal: .inputCleared), as: EmptyReply.self)
        await alice.events.expectEvent(after: aliceMark) { $0.isGroupState(.active, of: "Bob") }
        let idle = try await alice.call("GET", "/v1/groups", as: [GroupView].self).first?.members.first { $0.name == "Bob" }
        #expect(idle.map { $0.state == nil && $0.text == nil } == true)
        await alice.stop(); await bob.stop()
    }
}
