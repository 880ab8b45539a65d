/// The receiver side of session states in groups: what to show for each
/// member in each group, under exactly the one-to-one rules
/// (``RemoteSessionState``: sequence order per window, a message clears
/// typing, the same lifetimes, nothing while offline), kept apart per group
/// so "Alice is typing…" in #Lunch never shows in Alice's one-to-one window
/// or in another group. Presence stays per person; *away* is here as the
/// state of a member's group window, as one to one.
///
/// Pure: the time comes in, changes of what is shown go out.
public struct GroupSessionStates: Sendable {
    public struct Member: Hashable, Sendable {
        public let group: GroupID
        public let member: DeviceFingerprint

        public init(group: GroupID, member: DeviceFingerprint) {
            self.group = group
            self.member = member
        }
    }

    /// Show `state` for `member` in `group` now (`active`: nothing).
    public struct ShownChange: Hashable, Sendable {
        public let group: GroupID
        public let member: DeviceFingerprint
        public let state: SessionState

        public init(group: GroupID, member: DeviceFingerprint, state: SessionState) {
            self.group = group
            self.member = member
            self.state = state
        }
    }

    public let timings: SessionStateTimings
    private var receivers: [Member: RemoteSessionState] = [:]
    private var shown: [Member: SessionState] = [:]

    public init(timings: SessionStateTimings = SessionStateTimings()) {
        self.timings = timings
    }

    /// What is shown for each member of `group` (members showing nothing are absent).
    public func shown(in group: GroupID) -> [DeviceFingerprint: SessionState] {
        Dictionary(uniqueKeysWithValues: shown.filter { $0.key.group == group }.map { ($0.key.member, $0.value) })
    }

    /// A group state frame from `member` (the caller checked membership).
    public mutating func remoteState(
        _ state: SessionState, source: UInt32, sequence: UInt64, from member: DeviceFingerprint, in group: GroupID, at now: MonotonicInstant
    ) -> [ShownChange] {
        let key = Member(group: group, member: member)
        receivers[key, default: RemoteSessionState(timings: timings)].apply(state, source: source, sequence: sequence, at: now)
        return refresh(key)
    }

    /// A group message from `member`: it ends their typing in that group.
    public mutating func remoteMessage(sequence: UInt64, from member: DeviceFingerprint, in group: GroupID, at now: MonotonicInstant) -> [ShownChange] {
        let key = Member(group: group, member: member)
        receivers[key, default: RemoteSessionState(timings: timings)].messageArrived(sequence: sequence, at: now)
        return refresh(key)
    }

    /// `member`'s link is gone: they show nothing in any group.
    public mutating func peerWentOffline(_ member: DeviceFingerprint) -> [ShownChange] {
        receivers.keys.filter { $0.member == member }.sorted(by: Self.order).flatMap { key in
            receivers[key]?.peerWentOffline()
            return refresh(key)
        }
    }

    /// `member` is no longer in `group` (removed or left), or this user left
    /// it (every member): what they showed there goes, and so do their
    /// sequence marks, so a later re-add starts clean.
    public mutating func forget(_ member: DeviceFingerprint? = nil, in group: GroupID) -> [ShownChange] {
        let gone = receivers.keys.filter { $0.group == group && (member == nil || $0.member == member) }
        return gone.sorted(by: Self.order).flatMap { key in
            receivers[key] = nil
            return refresh(key)
        }
    }

    /// The earliest expiry: call ``tick(at:)`` then.
    public var nextDeadline: MonotonicInstant? { receivers.values.compactMap(\.nextDeadline).min() }

    public mutating func tick(at now: MonotonicInstant) -> [ShownChange] {
        receivers.keys.sorted(by: Self.order).flatMap { key in
            receivers[key]?.tick(at: now)
            return refresh(key)
        }
    }

    private mutating func refresh(_ key: Member) -> [ShownChange] {
        let now = receivers[key]?.shown ?? .active
        guard now != (shown[key] ?? .active) else { return [] }
        shown[key] = now == .active ? nil : now
        return [ShownChange(group: key.group, member: key.member, state: now)]
    }

    private static func order(_ lhs: Member, _ rhs: Member) -> Bool {
        lhs.group != rhs.group ? lhs.group < rhs.group : lhs.member < rhs.member
    }
}
