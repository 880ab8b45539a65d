/// Who shows a state from each of this user's group windows, so that
/// switching a member off clears what they show at once and the `active`
/// that clears a state goes only to those who were told one.
///
/// One to one, the engine of a window sends a final `active` to its
/// colleague when sharing is switched off. A group window has many
/// colleagues and stays on while any of them is allowed, so switching
/// Carol off changes nothing in its engine: this is what remembers that
/// Carol still shows "Alice is typing…" and must be told `active`.
/// Sending every `active` to every member instead would tell a colleague
/// switched off each time this user stops typing or reading.
public struct GroupStateAudience: Sendable, Equatable {
    /// One window's events in one group: the receiver keeps one state per source.
    public struct Window: Hashable, Sendable {
        public let group: GroupID
        public let source: UInt32

        public init(group: GroupID, source: UInt32) {
            self.group = group
            self.source = source
        }
    }

    private var showing: [Window: Set<DeviceFingerprint>] = [:]
    /// Closed windows, oldest first: a closed window sends nothing more, so
    /// its entry would stay for the daemon's life without this bound.
    private var closed: [Window] = []

    /// How many closed windows keep their audience. A receiver forgets a
    /// closed window's state a minute after it came (its lifetime); 64
    /// windows closed within a minute is far more than anyone closes, and a
    /// daemon that runs for months keeps no more than this.
    public static let closedWindowsKept = 64

    public init() {}

    /// The members an event of `window` goes to. A state other than
    /// `active` goes to `allowed` (those the switches allow and the link
    /// reaches), who then show it; `active` goes to those who show one,
    /// whatever the switches say now, and clears them.
    public mutating func recipients(
        of state: SessionState, in window: Window, allowed: [DeviceFingerprint]
    ) -> [DeviceFingerprint] {
        guard state == .active else {
            showing[window, default: []].formUnion(allowed)
            if state == .closedWindow { remember(closed: window) }
            return allowed
        }
        return (showing.removeValue(forKey: window) ?? []).sorted()
    }

    /// Members who show a state of a window but may no longer see it: each
    /// is to be sent one `active` for that window now. Members `isMember`
    /// denies (removed, or who left) are forgotten without one: they ignore
    /// the group's frames, and cleared its states when they learnt it.
    public mutating func withdraw(
        isMember: (DeviceFingerprint, GroupID) -> Bool, allows: (DeviceFingerprint, GroupID) -> Bool
    ) -> [(window: Window, members: [DeviceFingerprint])] {
        var withdrawn: [(window: Window, members: [DeviceFingerprint])] = []
        for (window, members) in showing.sorted(by: { ($0.key.group, $0.key.source) < ($1.key.group, $1.key.source) }) {
            let stay = members.filter { isMember($0, window.group) && allows($0, window.group) }
            let told = members.filter { isMember($0, window.group) && !allows($0, window.group) }
            showing[window] = stay.isEmpty ? nil : stay
            if !told.isEmpty { withdrawn.append((window, told.sorted())) }
        }
        return withdrawn
    }

    private mutating func remember(closed window: Window) {
        closed.append(window)
        guard closed.count > Self.closedWindowsKept else { return }
        showing[closed.removeFirst()] = nil
    }

    /// `member`'s link went down: the receiver cleared everything this user
    /// showed, so there is nothing left to clear.
    public mutating func forget(_ member: DeviceFingerprint) {
        for window in Array(showing.keys) {
            showing[window]?.remove(member)
            if showing[window]?.isEmpty == true { showing[window] = nil }
        }
    }

    /// Who shows a state of `window` now (for tests and diagnostics).
    public func members(showing window: Window) -> Set<DeviceFingerprint> { showing[window] ?? [] }
}
