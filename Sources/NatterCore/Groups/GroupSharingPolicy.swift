/// Whether this user's session state in a group goes to one of its members.
///
/// Three switches: the global one, one per colleague, one per group. The
/// strictest of the colleague's and the group's switch wins, and each of the
/// two, when unset, is the global switch. So "off in #Lunch" silences the
/// group for everyone, "off for Carol" silences Carol in every group (and one
/// to one), and with the global switch off a group shares only when it is
/// switched on and only with colleagues switched on.
public struct GroupSharingPolicy: Sendable, Equatable {
    public var colleagues: SharingPolicy
    public var groupOverrides: [GroupID: Bool]

    public init(colleagues: SharingPolicy = SharingPolicy(), groupOverrides: [GroupID: Bool] = [:]) {
        self.colleagues = colleagues
        self.groupOverrides = groupOverrides
    }

    /// The group's own switch, the global one when unset.
    public func groupSwitch(_ group: GroupID) -> Bool {
        groupOverrides[group] ?? colleagues.sharesByDefault
    }

    public func allows(_ member: DeviceFingerprint, in group: GroupID) -> Bool {
        groupSwitch(group) && colleagues.allows(member)
    }

    /// Whether a window on the group detects at all: only when someone in it
    /// would be told (off means no detection and no timers, as one to one).
    public func sharesAnything(in roster: GroupRoster, me: DeviceFingerprint) -> Bool {
        GroupFanOut.recipients(of: roster, me: me).contains { allows($0, in: roster.id) }
    }

    /// The members a state event of this user's group window goes to.
    public func stateRecipients(in roster: GroupRoster, me: DeviceFingerprint) -> [DeviceFingerprint] {
        GroupFanOut.recipients(of: roster, me: me).filter { allows($0, in: roster.id) }
    }
}
