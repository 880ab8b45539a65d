/// A group as `GET /v1/groups` lists it, and the `group` event sent when its
/// membership changes.
public struct GroupView: Codable, Sendable, Equatable {
    public var type: APIEvent.Kind = .group
    /// 32 hex digits: the group's random id.
    public var id: String
    /// Without the `#`.
    public var name: String
    public var creator: String
    public var creatorName: String
    public var members: [GroupMemberView]
    /// Whether this user is still a member (false after leaving or a removal).
    public var joined: Bool
    /// The group's sharing switch; absent when it follows the global one.
    public var shareState: Bool?

    public init(
        id: String, name: String, creator: String, creatorName: String, members: [GroupMemberView], joined: Bool, shareState: Bool?
    ) {
        self.id = id
        self.name = name
        self.creator = creator
        self.creatorName = creatorName
        self.members = members
        self.joined = joined
        self.shareState = shareState
    }
}

public struct GroupMemberView: Codable, Sendable, Equatable {
    /// Compact fingerprint.
    public var fingerprint: String
    public var name: String
    public var online: Bool
    /// What this member shows in this group now, so a group window opened
    /// later starts with the live state line (`groupState` events update it);
    /// absent when they show nothing (`active`), and for this user.
    public var state: SessionState?
    /// The line to show for ``state``, in the user's language; absent with it.
    public var text: String?

    public init(fingerprint: String, name: String, online: Bool, state: SessionState? = nil, text: String? = nil) {
        self.fingerprint = fingerprint
        self.name = name
        self.online = online
        self.state = state
        self.text = text
    }
}

/// A group message, membership change or broadcast (`groupMessage` event,
/// history), or a receipt for one (`groupDelivery` event).
public struct GroupMessageView: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Text from a member.
        case message
        /// A membership change; `text` says it ("Alice added Dave").
        case change
        /// `natter send --everyone`: to every colleague, not a group.
        case broadcast
    }

    public var type: APIEvent.Kind
    public var id: String
    /// The group's id and name; absent for a broadcast.
    public var group: String?
    public var groupName: String?
    public var author: String
    public var authorName: String
    public var direction: MessageDirection
    public var kind: Kind
    public var text: String
    public var sequence: UInt64
    public var sentAt: UInt64
    /// The author's hybrid timestamp (Docs/protocol.md §5.9): the agreed
    /// order is by it, then the author's fingerprint, then the id.
    public var timestamp: UInt64
    public var receivedAt: UInt64?
    /// Outgoing only: how many recipients acknowledged it, of how many.
    public var delivered: Int?
    public var recipients: Int?
    /// A membership change the rules refused at its place in the agreed
    /// order (Docs/protocol.md §5.9): true, and it changed nothing; absent
    /// otherwise. A change that arrives later can still make an earlier-held
    /// one refused, so the history says what holds now.
    public var refused: Bool?

    public init(
        type: APIEvent.Kind, id: String, group: String?, groupName: String?, author: String, authorName: String,
        direction: MessageDirection, kind: Kind, text: String, sequence: UInt64, sentAt: UInt64, timestamp: UInt64, receivedAt: UInt64?,
        delivered: Int?, recipients: Int?, refused: Bool? = nil
    ) {
        self.type = type
        self.id = id
        self.group = group
        self.groupName = groupName
        self.author = author
        self.authorName = authorName
        self.direction = direction
        self.kind = kind
        self.text = text
        self.sequence = sequence
        self.sentAt = sentAt
        self.timestamp = timestamp
        self.receivedAt = receivedAt
        self.delivered = delivered
        self.recipients = recipients
        self.refused = refused
    }
}

/// A `groupState` event: what one member shows in one group now.
public struct GroupStateView: Codable, Sendable, Equatable {
    public var type: APIEvent.Kind = .groupState
    public var group: String
    public var groupName: String
    public var member: String
    public var memberName: String
    public var state: SessionState
    /// The line to show; absent for `active`.
    public var text: String?

    public init(group: String, groupName: String, member: String, memberName: String, state: SessionState, text: String?) {
        self.group = group
        self.groupName = groupName
        self.member = member
        self.memberName = memberName
        self.state = state
        self.text = text
    }
}
