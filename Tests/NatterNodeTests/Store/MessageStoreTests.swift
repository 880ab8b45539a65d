import Foundation
import NatterCore
import NatterNode
import Testing

@Suite("MessageStore on a real SQLite file")
struct MessageStoreTests {
    let directory: String
    let alice = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))

    init() throws {
        directory = NSTemporaryDirectory() + "natter-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var path: String { directory + "/messages.sqlite" }

    func message(_ sequence: UInt64, to peer: DeviceFingerprint, text: String = "hi", direction: ChatMessage.Direction = .outgoing) -> ChatMessage {
        var generator = SystemRandomNumberGenerator()
        return ChatMessage(
            id: MessageID(unixMilliseconds: 1_700_000_000_000 + sequence, using: &generator),
            peer: peer, direction: direction, text: text, sequence: sequence,
            sentAt: 1_700_000_000_000 + sequence, receivedAt: direction == .incoming ? 1 : nil,
            delivery: direction == .incoming ? .received : .queued)
    }

    @Test func outboxSurvivesReopenAndEmptiesOnDelivery() throws {
        let first = message(1, to: bob), second = message(2, to: bob)
        do {
            let store = try MessageStore(path: path)
            try store.insertOutgoing(second)
            try store.insertOutgoing(first)
        }
        let reopened = try MessageStore(path: path)
        #expect(try reopened.outbox(for: bob).map(\.id) == [first.id, second.id])

        #expect(try reopened.markDelivered(first.id, to: alice, at: 41) == nil, "only the recipient's receipt counts")
        let delivered = try reopened.markDelivered(first.id, to: bob, at: 42)
        #expect(delivered?.delivery == .delivered)
        #expect(delivered?.receivedAt == 42)
        #expect(try reopened.markDelivered(first.id, to: bob, at: 43) == nil, "a second receipt changes nothing")
        #expect(try reopened.outbox(for: bob).map(\.id) == [second.id])
    }

    @Test func redeliveryIsStoredOnce() throws {
        let store = try MessageStore(path: path)
        let incoming = message(7, to: alice, text: "你好, Alice 👋", direction: .incoming)
        #expect(try store.insertIncoming(incoming))
        #expect(try !store.insertIncoming(incoming))
        let history = try store.history(with: alice, limit: 10)
        #expect(history == [incoming])
        #expect(history.first?.text == "你好, Alice 👋")
    }

    @Test func historyReturnsTheNewestInTimeOrder() throws {
        let store = try MessageStore(path: path)
        for sequence in 1...5 { try store.insertOutgoing(message(UInt64(sequence), to: bob)) }
        try store.insertIncoming(message(9, to: alice, direction: .incoming))
        #expect(try store.history(with: bob, limit: 3).map(\.sequence) == [3, 4, 5])
        #expect(try store.history(with: alice, limit: 10).count == 1)
    }

    @Test func historyPagesBackFromTheOldestMessageShown() throws {
        let store = try MessageStore(path: path)
        for sequence in 1...7 { try store.insertOutgoing(message(UInt64(sequence), to: bob)) }
        try store.insertIncoming(message(20, to: alice, direction: .incoming))
        let newest = try store.history(with: bob, limit: 3)
        #expect(newest.map(\.sequence) == [5, 6, 7])
        let older = try store.history(with: bob, limit: 3, before: newest[0].id)
        #expect(older.map(\.sequence) == [2, 3, 4])
        #expect(try store.history(with: bob, limit: 3, before: older[0].id).map(\.sequence) == [1])
        let alicesOnly = try #require(try store.history(with: alice, limit: 1).first)
        #expect(try store.history(with: bob, limit: 3, before: alicesOnly.id).isEmpty, "another colleague's message is no page mark")
    }

    @Test func peersKeepTheirPrivacyOverrideWhenSeenAgain() throws {
        let store = try MessageStore(path: path)
        try store.rememberPeer(bob, displayName: "Bob", seenAt: 1)
        try store.setShareState(false, for: bob)
        try store.rememberPeer(bob, displayName: "Bob Builder", seenAt: 2)
        let peers = try store.knownPeers()
        #expect(peers == [KnownPeer(fingerprint: bob, displayName: "Bob Builder", lastSeen: 2, shareState: false)])
        try store.setShareState(nil, for: bob)
        #expect(try store.knownPeers().first?.shareState == nil)
    }

    @Test func settingsPersist() throws {
        do {
            let store = try MessageStore(path: path)
            #expect(try store.setting("privacy.shareState") == nil)
            try store.setSetting("privacy.shareState", to: "off")
            try store.checkpoint()
        }
        #expect(try MessageStore(path: path).setting("privacy.shareState") == "off")
    }

    @Test func unwritableLocationIsAClearError() {
        #expect(throws: StoreError.self) { try MessageStore(path: "/proc/natter-cannot-be-here/messages.sqlite") }
    }
}
