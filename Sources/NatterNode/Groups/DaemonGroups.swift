import NatterCore
import NatterWire

/// The daemon's group state, in one value so the actor holds one field for
/// it: the membership of every group (``GroupBook``), the hybrid clock, the
/// members' shown states, which linked colleagues announced groups, and the
/// per-group sharing switches.
struct DaemonGroups: Sendable {
    var book: GroupBook
    var clock: HybridLogicalClock
    var states: GroupSessionStates
    /// Colleagues whose current link announced ``PeerFeatures/groups``: the
    /// only ones sent group frames (Docs/protocol.md §5.9).
    var announced: Set<DeviceFingerprint> = []
    var overrides: [GroupID: Bool]
    /// Which members show a state of this user's group windows.
    var audience = GroupStateAudience()
    /// When each colleague's group outbox was last resent, so a round
    /// resends it at most once per resend period, as the chat outbox.
    var outboxSentAt: [DeviceFingerprint: MonotonicInstant] = [:]

    /// Rebuilds every group's membership from the store: its starting roster
    /// and each stored change, decoded from the frame it came in.
    static func load(from store: MessageStore, me: DeviceFingerprint, timings: SessionStateTimings) throws(StoreError) -> DaemonGroups {
        var book = GroupBook(me: me)
        var overrides: [GroupID: Bool] = [:]
        for stored in try store.groups() {
            var membership = GroupMembership(base: stored.base, baseKey: stored.baseKey)
            for record in try store.groupChanges(stored.base.id) {
                guard case .group(_, .change(_, let change, _))? = try? FrameCodec.decode(record.frame) else { continue }
                membership.record(GroupMembership.Entry(key: record.orderKey, change: change))
            }
            book.start(membership)
            overrides[stored.base.id] = stored.shareState
        }
        return DaemonGroups(
            book: book, clock: HybridLogicalClock(latest: try store.latestGroupTimestamp()),
            states: GroupSessionStates(timings: timings), overrides: overrides)
    }

    /// The group switches over the global and per-colleague ones.
    func sharing(_ colleagues: SharingPolicy) -> GroupSharingPolicy {
        GroupSharingPolicy(colleagues: colleagues, groupOverrides: overrides)
    }
}

/// A group window's address in `SessionStateHub`, which knows windows by
/// colleague: 16 bytes of 0xFF and the group id, a "fingerprint" no device
/// has (a device's is a SHA-256 digest). So a group window runs on exactly
/// the one-to-one engine (timers, reading on an unread message, idle, lock,
/// close at shutdown), and the daemon fans its events out to the members.
enum GroupWindowAddress {
    static let marker = [UInt8](repeating: 0xFF, count: DeviceFingerprint.byteCount - GroupID.byteCount)

    static func address(of group: GroupID) -> DeviceFingerprint {
        DeviceFingerprint(bytes: marker + group.bytes)
    }

    /// The group a hub address stands for; nil for a colleague.
    static func group(of address: DeviceFingerprint) -> GroupID? {
        guard address.bytes.starts(with: marker) else { return nil }
        return GroupID(bytes: Array(address.bytes.dropFirst(marker.count)))
    }
}
