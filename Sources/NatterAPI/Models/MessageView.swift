/// A message as history and `message` / `delivery` events carry it.
public struct MessageView: Codable, Sendable, Equatable {
    /// `message` for a new message (and in history), `delivery` for a receipt.
    public var type: APIEvent.Kind
    /// 32 hex digits.
    public var id: String
    /// The colleague's compact fingerprint (the conversation).
    public var peer: String
    public var peerName: String
    public var direction: MessageDirection
    public var text: String
    public var sequence: UInt64
    /// Unix milliseconds by the sender's clock.
    public var sentAt: UInt64
    /// When it was stored (incoming) or acknowledged (outgoing); absent while queued.
    public var receivedAt: UInt64?
    public var delivery: DeliveryState

    public init(
        type: APIEvent.Kind, id: String, peer: String, peerName: String, direction: MessageDirection, text: String,
        sequence: UInt64, sentAt: UInt64, receivedAt: UInt64?, delivery: DeliveryState
    ) {
        self.type = type
        self.id = id
        self.peer = peer
        self.peerName = peerName
        self.direction = direction
        self.text = text
        self.sequence = sequence
        self.sentAt = sentAt
        self.receivedAt = receivedAt
        self.delivery = delivery
    }
}
