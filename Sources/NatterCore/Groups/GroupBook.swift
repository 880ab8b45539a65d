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

    /// The joined group `written` means: `#Lunch` or `Lunch`, any case; or
    /// its id after `#` (``GroupAddress``), for two groups of one name.
    public func group(named written: String) throws(GroupRuleError) -> GroupMembership {
        try find(written, among: joined)
    }

    /// The group `written` means among every group this device holds, the
    /// joined ones first: history stays readable after leaving.
    public func anyGroup(named written: String) throws(GroupRuleError) -> GroupMembership {
        do {
            return try group(named: written)
        } catch .unknownGroup {
            let left = memberships.values.filter { !$0.roster.isMember(me) }.sorted { $0.id < $1.id }
            return try find(written, among: left)
        }
    }

    /// Two colleagues can each create a `#Lunch` and add this user to
    /// theirs, and neither name can be changed: the id is then the only
    /// way to tell them apart, so an ambiguous name is refused with the ids.
    private func find(_ written: String, among candidates: [GroupMembership]) throws(GroupRuleError) -> GroupMembership {
        let name = try GroupName(written)
        let address = GroupAddress(name)
        if case .id(let id) = address, let exact = candidates.first(where: { $0.id == id }) { return exact }
        let byName = candidates.filter { $0.roster.name.sameName(as: name) }
        if byName.count == 1 { return byName[0] }
        guard byName.isEmpty else { throw .ambiguousName(name.description, byName.map(\.id)) }
        if case .idPrefix(let prefix) = address {
            let byID = candidates.filter { $0.id.hex.hasPrefix(prefix) }
            if byID.count == 1 { return byID[0] }
            if byID.count > 1 { throw .ambiguousName(name.description, byID.map(\.id)) }
        }
        throw .unknownGroup(name.description)
    }

    /// Refuses a new group whose name a joined group already has.
    public func checkNewName(_ name: GroupName) throws(GroupRuleError) {
        if joined.contains(where: { $0.roster.name.sameName(as: name) }) { throw .nameClash(name.description) }
    }

    /// Whether a `created` or `added` change by `author` makes this device
    /// start `roster.id` from the roster the change carries: the change
    /// names this device (it is the one created with it, or added), the
    /// carried roster holds everyone it names and the author, a `created`
    /// carries its own name and its author as creator, and this device is
    /// not a member now (a member folds the change onto what it holds, so a
    /// removed author cannot undo their removal by adding someone). A group
    /// held already starts again only from a change newer than anything
    /// held, so a late copy of an old addition cannot undo a removal.
    public func startsAgain(
        from change: MembershipChange, carried roster: GroupRoster, by author: DeviceFingerprint, at key: GroupOrderKey
    ) -> Bool {
        let named: Set<DeviceFingerprint>
        switch change {
        case .created(let name, let members):
            guard name == roster.name, roster.creator == author, Set(members) == roster.members else { return false }
            named = Set(members)
        case .added(let members):
            named = Set(members)
        case .removed, .left:
            return false
        }
        guard named.contains(me), named.isSubset(of: roster.members), roster.isMember(author) else { return false }
        guard let held = memberships[roster.id] else { return true }
        return !held.roster.isMember(me) && key > (held.entries.last?.key ?? held.baseKey)
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
