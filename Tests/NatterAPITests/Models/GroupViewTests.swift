import NatterAPI
import Testing

@Suite("Group views and events: the JSON contract of Docs/api.md")
struct GroupViewTests {
    static let broadcast = GroupMessageView(
        type: .groupMessage, id: "0193aa00000000000000000000000002", group: nil, groupName: nil, author: "ALICE", authorName: "Alice",
        direction: .incoming, kind: .broadcast, text: "fire drill at 3", sequence: 7, sentAt: 5, timestamp: 327_680, receivedAt: 6,
        delivered: nil, recipients: nil)

    @Test func aBroadcastHasNoGroupAndAReceivedOneNoCounts() throws {
        #expect(
            try APIJSON.line(Self.broadcast)
                == #"{"author":"ALICE","authorName":"Alice","direction":"incoming","id":"0193aa00000000000000000000000002","kind":"broadcast","receivedAt":6,"sentAt":5,"sequence":7,"text":"fire drill at 3","timestamp":327680,"type":"groupMessage"}"#)
    }

    @Test func aGroupCarriesItsIdNameAndMembers() throws {
        let group = GroupView(
            id: "5f", name: "Lunch", creator: "ALICE", creatorName: "Alice", members: [GroupMemberView(fingerprint: "BOB", name: "Bob", online: false)],
            joined: true, shareState: nil)
        #expect(
            try APIJSON.line(group)
                == #"{"creator":"ALICE","creatorName":"Alice","id":"5f","joined":true,"members":[{"fingerprint":"BOB","name":"Bob","online":false}],"name":"Lunch","type":"group"}"#)
    }

    @Test func aMemberCarriesWhatTheyShowInTheGroupOnlyWhenTheyShowSomething() throws {
        let typing = GroupMemberView(fingerprint: "BOB", name: "Bob", online: true, state: .typing, text: "Bob is typing…")
        #expect(try APIJSON.line(typing) == #"{"fingerprint":"BOB","name":"Bob","online":true,"state":"typing","text":"Bob is typing…"}"#)
        #expect(try APIJSON.decode(GroupMemberView.self, from: APIJSON.encode(typing)) == typing)
    }

    @Test(arguments: [
        APIEvent.groupMessage(broadcast),
        .groupDelivery({ var view = broadcast; view.type = .groupDelivery; view.delivered = 2; view.recipients = 3; return view }()),
        .groupState(GroupStateView(group: "5f", groupName: "Lunch", member: "BOB", memberName: "Bob", state: .reading, text: "Bob is reading your message")),
        .group(GroupView(id: "5f", name: "Lunch", creator: "A", creatorName: "Alice", members: [], joined: false, shareState: false)),
    ])
    func everyGroupEventRoundTripsByItsTypeField(_ event: APIEvent) throws {
        let bytes = try APIJSON.encode(event)
        #expect(try APIJSON.decode(APIEvent.self, from: bytes) == event)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""type":"\#(event.kind.rawValue)""#))
    }
}
