import NatterCore

/// When the daemon's one timer (the session-state engines' deadlines and the
/// next look at the desktop's idle sources) is set again: pure, so the rule is
/// tested without a daemon.
///
/// A timer already set for *earlier* than the new deadline stays: it fires,
/// the engines find nothing due, and the timer is set for what is then next.
/// Typing moves the *paused* deadline later at every keystroke, and setting
/// the timer again cost a task and a dispatch timer per signal on the state
/// event's path (issue 15); now a burst of typing costs one early wake-up per
/// preset instead.
struct EngineTimer: Equatable {
    /// What the daemon does with its timer task.
    enum Action: Equatable {
        /// Nothing: the timer is set for this deadline or an earlier one.
        case keep
        /// Cancel the timer task, if any, and start one that fires at this instant.
        case set(MonotonicInstant)
        /// Cancel the timer task: nothing is due.
        case cancel
    }

    /// When the timer that is running fires; nil when none runs.
    private(set) var firesAt: MonotonicInstant?

    /// The earliest deadline is now `deadline` (nil: none).
    mutating func deadline(_ deadline: MonotonicInstant?) -> Action {
        guard let deadline else {
            guard firesAt != nil else { return .keep }
            firesAt = nil
            return .cancel
        }
        if let firesAt, firesAt <= deadline { return .keep }
        firesAt = deadline
        return .set(deadline)
    }

    /// The timer fired: none runs until the next ``deadline(_:)``.
    mutating func fired() {
        firesAt = nil
    }
}
