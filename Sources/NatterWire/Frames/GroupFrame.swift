public import NatterCore

/// What a group message and a membership change share: which group, the
/// message's id (receipts and duplicates, as for chat), the sender's wall
/// clock, and its hybrid timestamp (the agreed order, ``GroupOrderKey``).
public struct GroupMessageHeader: Sendable, Equatable {
    public let group: GroupID
    public let id: MessageID
    public let sentAt: UInt64
    public let timestamp: HybridTimestamp

    public init(group: GroupID, id: MessageID, sentAt: UInt64, timestamp: HybridTimestamp) {
        self.group = group
        self.id = id
        self.sentAt = sentAt
        self.timestamp = timestamp
    }
}

/// The frames of group conversations and broadcasts (Docs/protocol.md §5.9).
/// Each is sent by its author's daemon to each recipient over their pairwise
/// link, never forwarded, so the link's peer is the author.
public enum GroupFrame: Sendable, Equatable {
    /// kind 9: a text message of the group. Acknowledged with an ordinary ack.
    case message(GroupMessageHeader, text: String)
    /// kind 10: a membership change, with the roster as its author holds it
    /// after the change (a newly added member starts from it). Acknowledged
    /// with an ordinary ack.
    case change(GroupMessageHeader, change: MembershipChange, roster: GroupRoster)
    /// kind 11: a session state of the author's window on the group.
    case state(group: GroupID, state: SessionState, source: UInt32)
    /// kind 12: a one-off message to every colleague (`natter send --everyone`),
    /// laid out like chat; acknowledged with an ordinary ack.
    case broadcast(id: MessageID, sentAt: UInt64, text: String)

    /// The id an ack for this frame names; nil for a state.
    public var messageID: MessageID? {
        switch self {
        case .message(let header, _), .change(let header, _, _): header.id
        case .broadcast(let id, _, _): id
        case .state: nil
        }
    }
}

/// What a peer's natter understands beyond the first version-2 frames (kinds 1–8),
/// announced once per link right after the hello (§5.9, "Announcing groups").
public struct PeerFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Frame kinds 9–12: groups and broadcasts.
    public static let groups = PeerFeatures(rawValue: 1)
    /// Answers echo requests over UDP (§6.5): the UDP path check may ask it.
    public static let udpEcho = PeerFeatures(rawValue: 2)
    /// Sends its presence status on the link and takes the peer's from there (§5.3, state code 0x83).
    public static let presence = PeerFeatures(rawValue: 4)

    /// What this natter announces.
    public static let supported: PeerFeatures = [.groups, .udpEcho, .presence]
}
