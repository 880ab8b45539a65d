/// A change of a group's members. Each one is a message of the group: it
/// travels like a chat message (same fan-out, outbox and receipts), takes its
/// place in the agreed order, and every member's history shows it
/// ("Alice added Dave").
public enum MembershipChange: Hashable, Sendable {
    /// The author made the group with these members (the author included).
    case created(name: GroupName, members: [DeviceFingerprint])
    /// The author added these colleagues.
    case added([DeviceFingerprint])
    /// The author, the group's creator, removed these members.
    case removed([DeviceFingerprint])
    /// The author left.
    case left
}

/// A group's name, creator and members at one point of its history.
///
/// The rules (Docs/protocol.md §5.9, "Membership rules"; decided here, enforced by
/// every member on every change it receives):
/// - any member may add colleagues, up to ``GroupLimits/maximumMembers``;
/// - only the creator may remove someone else, and never themselves (they
///   leave, like anyone);
/// - any member may leave; while the creator is not a member nobody can
///   remove others (a member may add the creator back), but members still
///   add and leave;
/// - a non-member may do nothing;
/// - an addition or removal names at least one colleague, each once, and is
///   refused whole when any of them is already a member (an addition) or
///   not one (a removal): two members holding the same changes then always
///   hold the same roster.
/// These keep the rules checkable by every member from what it holds, with
/// no vote and no server: the creator is written in every roster.
public struct GroupRoster: Hashable, Sendable {
    public let id: GroupID
    public let name: GroupName
    public let creator: DeviceFingerprint
    public private(set) var members: Set<DeviceFingerprint>

    /// A roster as a membership frame carries it (its author's view after the change).
    public init(id: GroupID, name: GroupName, creator: DeviceFingerprint, members: Set<DeviceFingerprint>) {
        self.id = id
        self.name = name
        self.creator = creator
        self.members = members
    }

    /// A new group: `creator` plus `others`.
    public static func create(
        id: GroupID, name: GroupName, creator: DeviceFingerprint, others: [DeviceFingerprint]
    ) throws(GroupRuleError) -> GroupRoster {
        let members = Set(others).union([creator])
        guard members.count > 1 else { throw .noOtherMember }
        guard members.count <= GroupLimits.maximumMembers else { throw .tooLarge(members.count) }
        return GroupRoster(id: id, name: name, creator: creator, members: members)
    }

    public func isMember(_ colleague: DeviceFingerprint) -> Bool { members.contains(colleague) }

    /// The roster after `change` by `author`, or why the rules refuse it.
    public func applying(_ change: MembershipChange, by author: DeviceFingerprint) throws(GroupRuleError) -> GroupRoster {
        guard isMember(author) else { throw .authorNotMember }
        var next = self
        switch change {
        case .created:
            // A group is created once; a second creation of the same id is not a change.
            throw .authorNotMember
        case .added(let colleagues):
            try Self.checkNamedOnce(colleagues)
            for colleague in colleagues where isMember(colleague) { throw .alreadyMember(colleague) }
            next.members.formUnion(colleagues)
            guard next.members.count <= GroupLimits.maximumMembers else { throw .tooLarge(next.members.count) }
        case .removed(let colleagues):
            guard author == creator else { throw .onlyCreatorRemoves }
            try Self.checkNamedOnce(colleagues)
            guard !colleagues.contains(author) else { throw .creatorMustLeave }
            for colleague in colleagues where !isMember(colleague) { throw .notMember(colleague) }
            next.members.subtract(colleagues)
        case .left:
            next.members.remove(author)
        }
        return next
    }

    /// An addition or removal names at least one colleague, each once.
    private static func checkNamedOnce(_ colleagues: [DeviceFingerprint]) throws(GroupRuleError) {
        guard !colleagues.isEmpty else { throw .nobodyNamed }
        var seen: Set<DeviceFingerprint> = []
        for colleague in colleagues where !seen.insert(colleague).inserted { throw .namedTwice(colleague) }
    }
}
