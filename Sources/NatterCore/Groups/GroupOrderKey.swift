/// Where a group message sits in the conversation every member shows:
/// by hybrid timestamp, then by the sender's fingerprint, then by message id.
///
/// Every part travels with the message (the timestamp and id in the frame,
/// the fingerprint from the authenticated link), so members holding the same
/// messages sort them identically, whatever order they arrived in. A sender's
/// own timestamps strictly increase (``HybridLogicalClock/send(wallMilliseconds:)``),
/// so each sender's messages keep that sender's order. No total order of
/// sending is claimed: two messages sent at once by two members are ordered,
/// but not by who pressed Enter first.
public struct GroupOrderKey: Hashable, Sendable, Comparable {
    public let timestamp: HybridTimestamp
    public let sender: DeviceFingerprint
    public let id: MessageID

    public init(timestamp: HybridTimestamp, sender: DeviceFingerprint, id: MessageID) {
        self.timestamp = timestamp
        self.sender = sender
        self.id = id
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        if lhs.timestamp != rhs.timestamp { return lhs.timestamp < rhs.timestamp }
        if lhs.sender != rhs.sender { return lhs.sender < rhs.sender }
        return lhs.id < rhs.id
    }
}
