/// The idle detector's view of the desktop outside natter's windows: what
/// each idle source (the session's idle hint, the X server, the user's
/// terminals) last reported, combined into one answer — the latest input
/// anywhere, whether the screen is locked, and when to look again.
///
/// Pure: the daemon asks the sources, passes their answers and the time in,
/// and carries the answers out (``SessionStateHub`` feeds them to every
/// window's sender, which decides *away*). A source that is not there simply
/// never reports, so a machine with no source at all behaves as before:
/// only input in natter's own windows counts. See Docs/session-states.md.
public struct DesktopIdle: Sendable {
    /// What one source said when it was last asked.
    public enum Report: Sendable, Equatable {
        /// The user's last input this source saw was at this instant.
        case lastInput(MonotonicInstant)
        /// The screen is locked: the user is away whatever their last input.
        case locked
        /// The source answered but knows no input time (logind without an
        /// idle hint): it neither delays nor hastens *away*.
        case silent
    }

    /// How often sources are asked while an answer could change what a
    /// colleague sees at any moment (a window shows *away*, or a source can
    /// report a lock). Every few seconds: returning is noticed within this
    /// long, and a few process starts per interval cost nothing measurable.
    public static let defaultLookInterval: Duration = .seconds(5)

    public let lookInterval: Duration
    private var reports: [String: Report] = [:]

    public init(lookInterval: Duration = Self.defaultLookInterval) {
        self.lookInterval = lookInterval
    }

    /// The answers of one look, by source name. A source absent from them
    /// is gone (it failed, or the session no longer offers it): what it said
    /// before no longer counts, so a lock it reported cannot stick.
    public mutating func update(_ reports: [String: Report]) {
        self.reports = reports
    }

    /// Detection stopped: nothing any source said counts any more.
    public mutating func forgetAll() {
        reports.removeAll()
    }

    /// The latest input any source saw; nil when none reports an input time.
    public var latestInput: MonotonicInstant? {
        reports.values.compactMap { report -> MonotonicInstant? in
            if case .lastInput(let instant) = report { return instant }
            return nil
        }.max()
    }

    /// True while any source says the screen is locked.
    public var isLocked: Bool { reports.values.contains(.locked) }

    /// When to ask the sources again; nil when nothing is pending (no window
    /// detects idleness: no polling at all).
    ///
    /// - Parameters:
    ///   - lastLook: when they were last asked; nil when not since detection
    ///     started, which means now (the first look also finds the sources).
    ///   - pending: the windows' idle deadlines (``SessionStateHub/idleWatch``).
    ///   - watchesLocks: a source that can report a lock is in use; a lock is
    ///     *away* at once, so it is asked every ``lookInterval``.
    /// - Returns: the window's away deadline when nothing else could change
    ///   sooner (one look per preset while the user works elsewhere), else at
    ///   most ``lookInterval`` after the last look.
    public func nextLook(
        now: MonotonicInstant, lastLook: MonotonicInstant?, pending: IdleWatch?, watchesLocks: Bool
    ) -> MonotonicInstant? {
        guard let pending else { return nil }
        guard let lastLook else { return now }
        var candidates: [MonotonicInstant] = []
        // A deadline at or before the last look was looked at already; the
        // engine's tick acts on it.
        if let deadline = pending.awayDeadline, deadline > lastLook { candidates.append(deadline) }
        if pending.showsAway || watchesLocks || isLocked { candidates.append(lastLook + lookInterval) }
        return candidates.min()
    }
}

/// What the windows' idle detectors wait for, from ``SessionStateHub/idleWatch``.
public struct IdleWatch: Sendable, Equatable {
    /// The earliest moment a window turns *away* unless input is seen first.
    public var awayDeadline: MonotonicInstant?
    /// A window shows *away*: input anywhere must clear it promptly.
    public var showsAway: Bool

    public init(awayDeadline: MonotonicInstant?, showsAway: Bool) {
        self.awayDeadline = awayDeadline
        self.showsAway = showsAway
    }
}
