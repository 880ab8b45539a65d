/// One member's knowledge of a group's membership: the roster it started
/// from and every membership change it has received, folded in the agreed
/// order (``GroupOrderKey``).
///
/// Changes can arrive in any order (each author's fan-out is independent), so
/// the roster is always recomputed by folding from the start; a change the
/// rules refuse at its place in the order is skipped, at every member alike.
/// So two members holding the same changes hold the same roster, whatever
/// order those changes arrived in.
///
/// A colleague added later starts from the roster the adding change carried
/// (its author's view) and folds only later changes: it never saw the earlier
/// ones.
public struct GroupMembership: Sendable {
    /// One recorded change and where it sits.
    public struct Entry: Hashable, Sendable {
        public let key: GroupOrderKey
        public let change: MembershipChange
        public var author: DeviceFingerprint { key.sender }

        public init(key: GroupOrderKey, change: MembershipChange) {
            self.key = key
            self.change = change
        }
    }

    public let base: GroupRoster
    /// The change `base` came from; only later changes fold onto it.
    public let baseKey: GroupOrderKey
    public private(set) var entries: [Entry] = []
    /// The roster now: `base` with every later valid change applied in order.
    public private(set) var roster: GroupRoster

    public init(base: GroupRoster, baseKey: GroupOrderKey) {
        self.base = base
        self.baseKey = baseKey
        self.roster = base
    }

    public var id: GroupID { base.id }

    /// Records a change; false (and nothing changes) when it was already
    /// recorded (a resent copy) or sits before ``baseKey``.
    @discardableResult
    public mutating func record(_ entry: Entry) -> Bool {
        guard entry.key > baseKey, !entries.contains(where: { $0.key.id == entry.key.id }) else { return false }
        let index = entries.firstIndex { $0.key > entry.key } ?? entries.endIndex
        entries.insert(entry, at: index)
        roster = Self.fold(base, entries)
        return true
    }

    /// The roster just before `key`'s place in the order: the starting
    /// roster with every held change ordered before it. A message or change
    /// is judged by this roster, not by today's, so one its author sent
    /// while still a member counts however late it arrives, at every member
    /// alike. A place at or before ``baseKey`` gets the starting roster
    /// (nothing earlier is held).
    public func roster(before key: GroupOrderKey) -> GroupRoster {
        // The usual case, a new message: every held change orders before it.
        if let last = entries.last, last.key < key { return roster }
        return Self.fold(base, entries.prefix { $0.key < key })
    }

    /// Where `member` stopped being a member: the place of the change that
    /// last took them out (a removal or their leave), or nil when they are
    /// a member now or were never one after ``baseKey``.
    public func departure(of member: DeviceFingerprint) -> GroupOrderKey? {
        var current = base
        var departure: GroupOrderKey?
        for entry in entries {
            guard let next = try? current.applying(entry.change, by: entry.author) else { continue }
            if current.isMember(member), !next.isMember(member) { departure = entry.key }
            current = next
        }
        return current.isMember(member) ? nil : departure
    }

    /// Whether `entry` took effect at its place in the order (false: the
    /// rules refused it there, so the history shows it as refused).
    public func tookEffect(_ entry: Entry) -> Bool {
        var current = base
        for recorded in entries {
            let next = try? current.applying(recorded.change, by: recorded.author)
            if recorded.key == entry.key { return next != nil }
            current = next ?? current
        }
        return false
    }

    /// Whether the change recorded under `key` was refused at its place in
    /// the order; false for a key not recorded (the change that started
    /// this membership, or one before it), which the rules never judged.
    public func refused(_ key: GroupOrderKey) -> Bool {
        guard let entry = entries.first(where: { $0.key == key }) else { return false }
        return !tookEffect(entry)
    }

    private static func fold(_ base: GroupRoster, _ entries: some Sequence<Entry>) -> GroupRoster {
        entries.reduce(base) { roster, entry in (try? roster.applying(entry.change, by: entry.author)) ?? roster }
    }
}
