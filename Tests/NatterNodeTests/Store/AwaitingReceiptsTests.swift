import NatterCore
@testable import NatterNode
import Testing

/// The maintenance round resends only to colleagues this names, so a
/// colleague left out would never get a lost message again.
@Suite("Which outboxes hold something, on a real SQLite file")
struct AwaitingReceiptsTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let carol = DeviceFingerprint(bytes: [UInt8](repeating: 0xC0, count: 32))
    let dave = DeviceFingerprint(bytes: [UInt8](repeating: 0xD0, count: 32))
    /// A property, so the directory outlives every use of the store in a test.
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("awaiting")
    }

    @Test func oneToOneAndGroupOutboxesCountUntilTheirReceipts() async throws {
        let store = try MessageStore(path: scratch.storePath)
        #expect(try store.peersAwaitingReceipts().isEmpty)

        var generator = SystemRandomNumberGenerator()
        let toDave = ChatMessage(
            id: MessageID(unixMilliseconds: 1_764_000_000_000, using: &generator), peer: dave, direction: .outgoing,
            text: "hi", sequence: 1, sentAt: 1_764_000_000_000, receivedAt: nil, delivery: .queued)
        try store.insertOutgoing(toDave)
        let groupID = MessageID(unixMilliseconds: 1_764_000_000_001, using: &generator)
        try store.insertOutgoingGroup(
            GroupRecord(
                id: groupID, group: GroupID(bytes: Array(100..<116)), author: me, direction: .outgoing, kind: .message,
                text: "Lunch?", timestamp: HybridTimestamp(milliseconds: 1_764_000_000_001, counter: 0), sequence: 2,
                sentAt: 1_764_000_000_001, receivedAt: nil, frame: [1, 2, 3]),
            recipients: [bob, carol])
        let incoming = ChatMessage(
            id: MessageID(unixMilliseconds: 1_764_000_000_002, using: &generator), peer: me, direction: .incoming,
            text: "yes", sequence: 1, sentAt: 1_764_000_000_002, receivedAt: 1_764_000_000_003, delivery: .received)
        try store.insertIncoming(incoming)
        #expect(try store.peersAwaitingReceipts() == [bob, carol, dave], "what this device received owes no one anything")

        _ = try await store.commit([.delivered(groupID, to: bob, at: 10), .delivered(toDave.id, to: dave, at: 11)])
        #expect(try store.peersAwaitingReceipts() == [carol])
    }
}
