import NatterCore
@testable import NatterNode
import Testing

/// A group's receipts ride the group commit with everything else: one
/// transaction for the receipts that arrived together, not one each.
@Suite("Group receipts in a group commit, on a real SQLite file")
struct GroupReceiptCommitTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let carol = DeviceFingerprint(bytes: [UInt8](repeating: 0xC0, count: 32))
    /// A property, so the directory outlives every use of the store in a test.
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("group-receipts")
    }

    @Test func aReceiptForAGroupMessageIsCountedInTheCommitThatCarriesIt() async throws {
        let store = try MessageStore(path: scratch.storePath)
        var generator = SystemRandomNumberGenerator()
        let id = MessageID(unixMilliseconds: 1_764_000_000_000, using: &generator)
        let record = GroupRecord(
            id: id, group: GroupID(bytes: Array(100..<116)), author: me, direction: .outgoing, kind: .message, text: "Lunch?",
            timestamp: HybridTimestamp(milliseconds: 1_764_000_000_000, counter: 0), sequence: 1, sentAt: 1_764_000_000_000,
            receivedAt: nil, frame: [1, 2, 3])
        try store.insertOutgoingGroup(record, recipients: [bob, carol])
        let unknown = MessageID(unixMilliseconds: 1_764_000_000_001, using: &generator)

        let results = try await store.commit([
            .delivered(id, to: bob, at: 10), .delivered(id, to: bob, at: 11), .delivered(unknown, to: carol, at: 12),
            .delivered(id, to: carol, at: 13),
        ])
        // Each receipt reports the message and its count once the commit is in: counted once per message, not after each receipt.
        #expect(results == [
            .groupDelivered(record, GroupDeliveryCount(delivered: 2, recipients: 2)),
            .delivered(nil),  // the same receipt again counts once
            .delivered(nil),  // an id nobody waits for
            .groupDelivered(record, GroupDeliveryCount(delivered: 2, recipients: 2)),
        ])
        #expect(try store.groupOutbox(for: bob).isEmpty && store.groupOutbox(for: carol).isEmpty, "both receipts are on the disk")
    }
}
