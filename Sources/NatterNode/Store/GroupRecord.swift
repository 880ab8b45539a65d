import NatterCore

/// One stored group message, membership change or broadcast.
struct GroupRecord: Sendable, Equatable {
    enum Kind: String, Sendable {
        case message, change, broadcast
    }

    let id: MessageID
    /// nil for a broadcast.
    let group: GroupID?
    let author: DeviceFingerprint
    let direction: MessageDirection
    let kind: Kind
    /// The text; for a change, what the history shows ("Alice added Dave").
    let text: String
    let timestamp: HybridTimestamp
    let sequence: UInt64
    let sentAt: UInt64
    var receivedAt: UInt64?
    /// The encoded frame (Docs/protocol.md §5.9): what this device sent, to
    /// resend as is, and a change from anyone, to rebuild the membership
    /// from. Empty for a received message or broadcast, which is never
    /// resent: its text is stored once, and its receipt waits for less.
    let frame: [UInt8]

    var orderKey: GroupOrderKey { GroupOrderKey(timestamp: timestamp, sender: author, id: id) }
}

/// A group as stored: where its membership log starts, and its sharing switch.
struct StoredGroup: Sendable, Equatable {
    let base: GroupRoster
    let baseKey: GroupOrderKey
    let shareState: Bool?
}

/// How far one outgoing group message got: "delivered to 3 of 4".
struct GroupDeliveryCount: Sendable, Equatable {
    let delivered: Int
    let recipients: Int
}
