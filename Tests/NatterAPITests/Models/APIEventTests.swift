import NatterAPI
import Testing

@Suite("API events and views: the JSON contract of Docs/api.md")
struct APIEventTests {
    static let message = MessageView(
        type: .message, id: "0193aa00000000000000000000000001", peer: "BOBFINGERPRINT", peerName: "Bob",
        direction: .outgoing, text: "你好 / hi", sequence: 4099, sentAt: 1_764_045_600_000, receivedAt: nil, delivery: .queued)

    static let conflict = ConflictView(
        name: "Bob", fingerprint: "MALL", fingerprintGroups: "MA LL", pinned: "BOBX", pinnedGroups: "BO BX", ownName: false, refusals: 12,
        resolve: ["natter trust 'Bob'", "natter forget MALL"])

    @Test func aConflictCarriesBothFingerprintsAndTheCommandsAsDocumented() throws {
        #expect(
            try APIJSON.line(Self.conflict)
                == #"{"fingerprint":"MALL","fingerprintGroups":"MA LL","name":"Bob","ownName":false,"pinned":"BOBX","pinnedGroups":"BO BX","refusals":12,"resolve":["natter trust 'Bob'","natter forget MALL"],"type":"conflict"}"#)
        let forgotten = ForgetView(fingerprint: "MALL", name: "Bob", conflict: true, messagesDeleted: 0)
        #expect(try APIJSON.line(forgotten) == #"{"conflict":true,"fingerprint":"MALL","messagesDeleted":0,"name":"Bob"}"#)
        #expect(try APIJSON.line(ForgetRequest(peer: "MALL")) == #"{"peer":"MALL"}"#, "history absent, not null")
    }

    @Test func viewsEncodeExactlyTheDocumentedFieldsAndOmitWhatIsAbsent() throws {
        #expect(
            try APIJSON.line(Self.message)
                == #"{"delivery":"queued","direction":"outgoing","id":"0193aa00000000000000000000000001","peer":"BOBFINGERPRINT","peerName":"Bob","sentAt":1764045600000,"sequence":4099,"text":"你好 / hi","type":"message"}"#)
        let offline = PeerView(fingerprint: "F", name: "Bob", online: false, status: nil, state: .active, lastSeen: 5, shareState: nil)
        #expect(try APIJSON.line(offline) == #"{"fingerprint":"F","lastSeen":5,"name":"Bob","online":false,"state":"active","type":"peer"}"#)
        let typing = StateView(peer: "F", peerName: "Bob", state: .pausedTyping, text: "Bob paused typing")
        #expect(try APIJSON.line(typing) == #"{"peer":"F","peerName":"Bob","state":"pausedTyping","text":"Bob paused typing","type":"state"}"#)
    }

    @Test(arguments: [
        APIEvent.message(message),
        .delivery({ var view = message; view.type = .delivery; view.delivery = .delivered; view.receivedAt = 7; return view }()),
        .state(StateView(peer: "F", peerName: "Bob", state: .typing, text: "Bob is typing…")),
        .peer(PeerView(fingerprint: "F", name: "Bob", online: true, status: .busy, state: .away, lastSeen: 9, shareState: false)),
        .conflict(conflict),
    ])
    func everyEventRoundTripsByItsTypeField(_ event: APIEvent) throws {
        let bytes = try APIJSON.encode(event)
        #expect(try APIJSON.decode(APIEvent.self, from: bytes) == event)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""type":"\#(event.kind.rawValue)""#))
    }

    @Test func aMisspelledValueIsAnErrorNotAString() {
        #expect(throws: DecodingError.self) {
            try APIJSON.decode(SignalRequest.self, from: Array(#"{"signal":"focussed"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try APIJSON.decode(APIEvent.self, from: Array(#"{"type":"conflicts"}"#.utf8))
        }
    }

    @Test func frontEndsMaySendEverySignalButTheTwoTheDaemonFeeds() {
        let daemonOnly = DetectorSignal.allCases.filter { !$0.isReportedByFrontEnds }
        #expect(Set(daemonOnly) == [.opened, .messageReceived])
        #expect(DetectorSignal.allCases.filter(\.isReportedByFrontEnds).map(\.rawValue) == [
            "keystroke", "inputCleared", "messageSent", "focused", "unfocused", "minimized", "restored", "closed", "activity",
        ])
    }
}
