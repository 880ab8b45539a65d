import NatterCore
@testable import NatterNode
import Testing

/// The group clock after a restart holds what it held before
/// (Docs/protocol.md §5.9, "Order"): this device's own timestamps, and the
/// received ones only as far as the clock took them.
@Suite("The group clock read back from a real SQLite file")
struct GroupClockRestoreTests {
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 0xA1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 0xB0, count: 32))
    let group = GroupID(bytes: Array(100..<116))
    let wall: UInt64 = 1_764_000_000_000
    /// A property, so the directory outlives every use of the store in a test.
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("group-clock")
    }

    func record(
        _ direction: MessageDirection, _ kind: GroupRecord.Kind = .message, from author: DeviceFingerprint,
        at timestamp: HybridTimestamp, receivedAt: UInt64?
    ) -> GroupRecord {
        var generator = SystemRandomNumberGenerator()
        return GroupRecord(
            id: MessageID(unixMilliseconds: wall, using: &generator), group: kind == .broadcast ? nil : group, author: author,
            direction: direction, kind: kind, text: "hi", timestamp: timestamp, sequence: 1, sentAt: wall,
            receivedAt: receivedAt, frame: [])
    }

    @Test func anEmptyStoreStartsTheClockAtZero() throws {
        #expect(try MessageStore(path: scratch.storePath).latestGroupTimestamp().rawValue == 0)
    }

    @Test func aColleaguesFastClockCountsOnlyAsFarAsTheClockTookIt() throws {
        let store = try MessageStore(path: scratch.storePath)
        let mine = HybridTimestamp(milliseconds: wall, counter: 3)
        try store.insertOutgoingGroup(record(.outgoing, from: me, at: mine, receivedAt: nil), recipients: [bob])
        #expect(try store.latestGroupTimestamp() == mine)

        // Bob's clock runs a day fast: live, the clock took his timestamp up to 60 s past its arrival.
        let dayAhead = HybridTimestamp(milliseconds: wall + 86_400_000, counter: 0)
        #expect(try store.insertIncomingGroup(record(.incoming, from: bob, at: dayAhead, receivedAt: wall + 10)))
        var live = HybridLogicalClock(latest: mine)
        live.receive(dayAhead, wallMilliseconds: wall + 10)
        #expect(try store.latestGroupTimestamp() == live.latest)
        #expect(live.latest == HybridTimestamp(milliseconds: wall + 10 + 60_000, counter: .max))

        // A received timestamp within the bound counts as it is.
        let near = HybridTimestamp(milliseconds: wall + 20 + 70_000, counter: 5)
        #expect(try store.insertIncomingGroup(record(.incoming, from: bob, at: near, receivedAt: wall + 20 + 30_000)))
        #expect(try store.latestGroupTimestamp() == near)
    }

    @Test func thisDevicesOwnBroadcastCountsAsItsOtherMessagesDo() throws {
        let store = try MessageStore(path: scratch.storePath)
        try store.insertOutgoingGroup(record(.outgoing, from: me, at: HybridTimestamp(milliseconds: wall, counter: 0), receivedAt: nil), recipients: [bob])
        let broadcast = HybridTimestamp(milliseconds: wall, counter: 1)
        try store.insertOutgoingGroup(record(.outgoing, .broadcast, from: me, at: broadcast, receivedAt: nil), recipients: [bob])
        #expect(try store.latestGroupTimestamp() == broadcast, "the clock took it when sending; it must not restart below it")
    }

    @Test func aReceivedBroadcastNeverMovesTheClock() throws {
        let store = try MessageStore(path: scratch.storePath)
        let mine = HybridTimestamp(milliseconds: wall, counter: 0)
        try store.insertOutgoingGroup(record(.outgoing, from: me, at: mine, receivedAt: nil), recipients: [bob])
        let broadcast = record(.incoming, .broadcast, from: bob, at: HybridTimestamp(milliseconds: wall + 5_000, counter: 0), receivedAt: wall + 5_000)
        #expect(try store.insertIncomingGroup(broadcast))
        #expect(try store.latestGroupTimestamp() == mine)
    }
}
