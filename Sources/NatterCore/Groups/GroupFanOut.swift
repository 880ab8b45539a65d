/// Whom the sender's daemon sends a group frame to. The sender sends to each
/// recipient over its own pairwise link; members never forward, so every
/// group frame a member receives was written by the link's peer.
public enum GroupFanOut {
    /// A message or state of the group: every member but me.
    public static func recipients(of roster: GroupRoster, me: DeviceFingerprint) -> [DeviceFingerprint] {
        roster.members.subtracting([me]).sorted()
    }

    /// A membership change: everyone in the group before or after it but me,
    /// so a removed member is told of the removal (and gets nothing after it)
    /// and an added one gets the change that made them a member.
    public static func recipients(before: GroupRoster, after: GroupRoster, me: DeviceFingerprint) -> [DeviceFingerprint] {
        before.members.union(after.members).subtracting([me]).sorted()
    }
}
