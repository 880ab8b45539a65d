/// Everything the event stream (`GET /v1/events`) carries. The daemon
/// publishes these values, the server frames each as one server-sent event
/// named after its ``kind``, and the client decodes them back — nobody guesses
/// an event's type by trying decoders in turn.
///
/// On the wire an event is its view's JSON, whose `type` field names the kind.
public enum APIEvent: Sendable, Equatable, Codable {
    /// A message sent from this device or received.
    case message(MessageView)
    /// A delivery receipt arrived for an outgoing message.
    case delivery(MessageView)
    /// A colleague's combined session state changed.
    case state(StateView)
    /// A colleague came online, changed status or name, or went offline.
    case peer(PeerView)
    /// A device was refused for a name it may not have (once per conflict and run of the daemon).
    case conflict(ConflictView)
    /// A group message, membership change or broadcast, sent or received.
    case groupMessage(GroupMessageView)
    /// A member acknowledged an outgoing group message ("delivered to 3 of 4").
    case groupDelivery(GroupMessageView)
    /// What one member shows in one group changed.
    case groupState(GroupStateView)
    /// A group was created, joined, or its members changed.
    case group(GroupView)

    /// The `type` field and the server-sent event's name.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case message, delivery, state, peer, conflict, groupMessage, groupDelivery, groupState, group
    }

    public var kind: Kind {
        switch self {
        case .message: .message
        case .delivery: .delivery
        case .state: .state
        case .peer: .peer
        case .conflict: .conflict
        case .groupMessage: .groupMessage
        case .groupDelivery: .groupDelivery
        case .groupState: .groupState
        case .group: .group
        }
    }

    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: TypeKey.self).decode(Kind.self, forKey: .type)
        let single = try decoder.singleValueContainer()
        switch kind {
        case .message: self = .message(try single.decode(MessageView.self))
        case .delivery: self = .delivery(try single.decode(MessageView.self))
        case .state: self = .state(try single.decode(StateView.self))
        case .peer: self = .peer(try single.decode(PeerView.self))
        case .conflict: self = .conflict(try single.decode(ConflictView.self))
        case .groupMessage: self = .groupMessage(try single.decode(GroupMessageView.self))
        case .groupDelivery: self = .groupDelivery(try single.decode(GroupMessageView.self))
        case .groupState: self = .groupState(try single.decode(GroupStateView.self))
        case .group: self = .group(try single.decode(GroupView.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .message(let view), .delivery(let view): try single.encode(view)
        case .state(let view): try single.encode(view)
        case .peer(let view): try single.encode(view)
        case .conflict(let view): try single.encode(view)
        case .groupMessage(let view), .groupDelivery(let view): try single.encode(view)
        case .groupState(let view): try single.encode(view)
        case .group(let view): try single.encode(view)
        }
    }
}
