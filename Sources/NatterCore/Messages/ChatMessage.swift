/// Where a message stands, as its sender and receiver see it.
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    /// Written to the sender's outbox; not yet acknowledged by the peer.
    case queued
    /// The peer acknowledged storing it durably: the delivery receipt.
    case delivered
    /// On the receiving side: stored, shown to the user.
    case received
}

/// Which way a message went, seen from this device.
public enum MessageDirection: String, Sendable, Codable, CaseIterable {
    case outgoing, incoming
}

/// One chat message in a conversation with one colleague.
///
/// A conversation is identified by the colleague's device fingerprint, so the
/// same message has the same `id` on both sides and a redelivery is recognised.
public struct ChatMessage: Sendable, Equatable {
    public typealias Direction = MessageDirection

    public let id: MessageID
    /// The colleague this conversation is with (the sender for incoming messages).
    public let peer: DeviceFingerprint
    public let direction: Direction
    public let text: String
    /// The sender's sequence number, shared with its state events, so a state
    /// event older than this message is never shown after it.
    public let sequence: UInt64
    /// When the sender created it, Unix milliseconds, by the sender's clock.
    public let sentAt: UInt64
    /// When this side stored it (incoming) or learned of its delivery (outgoing).
    public var receivedAt: UInt64?
    public var delivery: DeliveryState

    public init(
        id: MessageID, peer: DeviceFingerprint, direction: Direction, text: String,
        sequence: UInt64, sentAt: UInt64, receivedAt: UInt64?, delivery: DeliveryState
    ) {
        self.id = id
        self.peer = peer
        self.direction = direction
        self.text = text
        self.sequence = sequence
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.delivery = delivery
    }
}
