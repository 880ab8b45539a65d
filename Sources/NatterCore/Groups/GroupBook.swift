/// Every group one device knows, and the questions the daemon asks of them:
/// which group `#Name` means, whether a peer may speak in a group, whether
/// this device is still in it.
///
/// Pure: the daemon loads it from the store, feeds it changes, and acts on
/// the answers.
public struct GroupBook: Sendable {
    public let me: DeviceFingerprint
    public private(set) var memberships: [GroupID: GroupMembership] = [:]

    public init(me: DeviceFingerprint) {
        self.me = me
    }

    public func membership(_ id: GroupID) -> GroupMembership? { memberships[id] }

    /// The groups this device is a member of, by name.
    public var joined: [GroupMembership] {
        memberships.values.filter { $0.roster.isMember(me) }.sorted { ($0.roster.name.key, $0.id) < ($1.roster.name.key, $1.id) }
    }

    /// The joined group called `written` (`#Lunch` or `Lunch`, any case).
    public func group(named written: String) throws(GroupRuleError) -> GroupMembership {
        let name = try GroupName(written)
        let matches = joined.filter { $0.roster.name.sameName(as: name) }
        guard let first = matches.first else { throw .unknownGroup(name.description) }
        guard matches.count == 1 else { throw .nameClash(name.description) }
        return first
    }

    /// Refuses a new group whose name a joined group already has.
    public func checkNewName(_ name: GroupName) throws(GroupRuleError) {
        if joined.contains(where: { $0.roster.name.sameName(as: name) }) { throw .nameClash(name.description) }
    }

    /// Whether `peer` may speak in `group`: this device is a member now, and
    /// `peer` is one at `place`, the frame's place in the agreed order (a
    /// message or change, judged as every member judges it), or now when
    /// the frame has no place (a state).
    public func accepts(_ peer: DeviceFingerprint, in group: GroupID, at place: GroupOrderKey? = nil) -> Bool {
        guard let membership = memberships[group], membership.roster.isMember(me) else { return false }
        guard let place else { return membership.roster.isMember(peer) }
        return membership.roster(before: place).isMember(peer)
    }

    /// Starts (or, when this device is added again, restarts) a group's log.
    public mutating func start(_ membership: GroupMembership) {
        memberships[membership.id] = membership
    }

    /// Records a change in a known group.
    /// - Returns: the roster before and after, or nil for an unknown group or a copy already held.
    public mutating func record(_ entry: GroupMembership.Entry, in group: GroupID) -> (before: GroupRoster, after: GroupRoster)? {
        guard var membership = memberships[group] else { return nil }
        let before = membership.roster
        guard membership.record(entry) else { return nil }
        memberships[group] = membership
        return (before, membership.roster)
    }
}
