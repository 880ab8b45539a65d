import NatterAPI
import NatterTerminal
import Testing

@Suite("What a chat window shows of its colleagues' states")
struct ConversationViewTests {
    let group = "1bcd32cdf9933b1ef7bf5a7eafb72743"

    func member(_ fingerprint: String, _ name: String, _ state: SessionState? = nil, _ text: String? = nil) -> GroupMemberView {
        GroupMemberView(fingerprint: fingerprint, name: name, online: true, state: state, text: text)
    }

    func lunch(_ members: [GroupMemberView]) -> GroupView {
        GroupView(id: group, name: "Lunch", creator: members[0].fingerprint, creatorName: members[0].name, members: members, joined: true, shareState: nil)
    }

    func window() -> GroupConversationView {
        GroupConversationView(window: WindowView(window: 1, peer: group, peerName: "Lunch"), ownName: "Alice", history: [])
    }

    @Test func aGroupWindowStartsWithWhatEachMemberShowsNow() {
        var view = window()
        #expect(view.stateLine == nil)
        view.start(from: lunch([member("AAAA", "Alice"), member("BBBB", "Bob", .reading, "Bob is reading your message"), member("CCCC", "Carol")]))
        #expect(view.stateLine == "Bob is reading your message")
    }

    @Test func theLinesFollowTheRostersOrderNotTheFingerprintsText() {
        // The daemon lists members by their fingerprints' bytes; in base32
        // text a digit sorts before a letter but encodes a larger value.
        var view = window()
        view.start(from: lunch([member("AAAA", "Alice"), member("ZZZZ", "Zoe", .typing, "Zoe is typing…"), member("2222", "Bob")]))
        view.apply(.groupState(GroupStateView(group: group, groupName: "Lunch", member: "2222", memberName: "Bob", state: .reading, text: "Bob is reading your message")))
        #expect(view.stateLine == "Zoe is typing… · Bob is reading your message")
        view.apply(.groupState(GroupStateView(group: group, groupName: "Lunch", member: "ZZZZ", memberName: "Zoe", state: .active, text: nil)))
        #expect(view.stateLine == "Bob is reading your message")
    }

    @Test func anotherGroupsViewAndStatesChangeNothing() {
        var view = window()
        view.start(from: GroupView(id: "00", name: "Other", creator: "AAAA", creatorName: "Alice", members: [member("BBBB", "Bob", .typing, "Bob is typing…")], joined: true, shareState: nil))
        view.apply(.groupState(GroupStateView(group: "00", groupName: "Other", member: "BBBB", memberName: "Bob", state: .typing, text: "Bob is typing…")))
        #expect(view.stateLine == nil)
    }

    @Test func aOneToOneWindowStartsWithWhatTheColleagueShowsNow() {
        var view = ConversationView(peer: "BBBB", peerName: "Bob", ownName: "Alice")
        view.start(from: PeerView(fingerprint: "BBBB", name: "Bob", online: true, status: nil, state: .typing, lastSeen: 0, shareState: nil, text: "Bob is typing…"))
        #expect(view.stateLine == "Bob is typing…")
        #expect(view.render(input: "", size: (columns: 60, rows: 10)).contains("Bob is typing…"))
    }

    @Test func aOneToOneWindowOnAnOfflineColleagueSaysSoAndShowsNoState() {
        var view = ConversationView(peer: "BBBB", peerName: "Bob", ownName: "Alice")
        view.start(from: PeerView(fingerprint: "BBBB", name: "Bob", online: false, status: nil, state: .typing, lastSeen: 0, shareState: nil, text: "Bob is typing…"))
        #expect(view.stateLine == nil)
        #expect(view.render(input: "", size: (columns: 80, rows: 10)).contains("offline"))
    }
}
