import NatterCore
@testable import NatterNode
import Testing

/// A device removed from a group keeps sending what it sent before its
/// removal (Docs/protocol.md §5.9, "Receiving"): the store drops only the
/// entries ordered after it, in the order the history sorts by.
@Suite("The group outbox cut at a place in the agreed order, in a real SQLite file")
struct GroupOutboxDropTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let alice = DeviceFingerprint(bytes: [UInt8](repeating: 0x01, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let group = GroupID(bytes: Array(100..<116))!
    let wall: UInt64 = 1_764_000_000_000
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("group-outbox-drop")
    }

    /// My message number `counter` (its frame is that one byte), queued for Bob.
    func queue(_ counter: UInt16, in store: MessageStore) throws {
        var generator = SystemRandomNumberGenerator()
        let record = GroupRecord(
            id: MessageID(unixMilliseconds: wall, using: &generator), group: group, author: me, direction: .outgoing,
            kind: .message, text: "m\(counter)", timestamp: HybridTimestamp(milliseconds: wall, counter: counter),
            sequence: UInt64(counter), sentAt: wall, receivedAt: nil, frame: [UInt8(counter)])
        try store.insertOutgoingGroup(record, recipients: [bob])
    }

    func place(_ counter: UInt16, by author: DeviceFingerprint) -> GroupOrderKey {
        var generator = SystemRandomNumberGenerator()
        return GroupOrderKey(
            timestamp: HybridTimestamp(milliseconds: wall, counter: counter), sender: author,
            id: MessageID(unixMilliseconds: wall, using: &generator))
    }

    @Test func entriesOrderedAfterThePlaceGoAndTheEarlierOnesStay() throws {
        let store = try MessageStore(path: scratch.storePath)
        for counter: UInt16 in 1...4 { try queue(counter, in: store) }
        // A removal with my second message's timestamp, by Bob: my fingerprint
        // sorts first, so that message orders before it.
        try store.dropGroupOutbox(group, orderedAfter: place(2, by: bob))
        #expect(try store.groupOutbox(for: bob) == [[1], [2]])
        // By Alice, whose fingerprint sorts before mine: now it orders after.
        try store.dropGroupOutbox(group, orderedAfter: place(2, by: alice))
        #expect(try store.groupOutbox(for: bob) == [[1]])
        try store.dropGroupOutbox(group, orderedAfter: nil)
        #expect(try store.groupOutbox(for: bob).isEmpty, "no place: everything goes")
    }

    @Test func anotherGroupsEntriesStay() throws {
        let store = try MessageStore(path: scratch.storePath)
        try queue(5, in: store)
        try store.dropGroupOutbox(GroupID(bytes: Array(0..<16))!, orderedAfter: nil)
        #expect(try store.groupOutbox(for: bob) == [[5]])
    }
}
