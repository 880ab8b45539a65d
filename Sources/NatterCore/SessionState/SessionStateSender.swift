/// An event the sender wants delivered to the colleague.
public struct SessionStateOutput: Sendable, Equatable {
    public let state: SessionState
    /// True when this repeats the current state so the receiver's copy does
    /// not expire; false for a change. Changes are never repeated back to back.
    public let isRefresh: Bool

    public init(state: SessionState, isRefresh: Bool) {
        self.state = state
        self.isRefresh = isRefresh
    }
}

/// The sender side of the session-state feature for one conversation window:
/// the patent's event-processing module.
///
/// A value type that never reads a clock or touches I/O: it takes detector
/// signals and the time, and returns the events to send. The caller sets one
/// timer for ``nextDeadline`` and calls ``tick(at:)`` when it fires.
///
/// The state is *derived*, not stepped: each call recomputes what the colleague
/// should see from what the detectors last reported (input box, focus, last
/// input, unread message) and emits an event only when that differs from what
/// was last sent. So focus that returns before the preset sends nothing, and no
/// state is ever sent twice in a row as a change. See Docs/session-states.md.
public struct SessionStateSender: Sendable {
    public let timings: SessionStateTimings
    /// The state the colleague was last told about.
    public private(set) var current: SessionState = .active
    public private(set) var isSharing: Bool

    private var isOpen = false
    private var isFocused = false
    private var isMinimized = false
    /// Opened and focused at least once: only then does closing mean *closed window*.
    private var wasOpenedAndFocused = false
    private var isClosed = false
    private var inputIsEmpty = true
    private var hasUnreadMessage = false
    /// The desktop says the screen is locked: *away* at once.
    private var isLocked = false
    private var lastKeystroke: MonotonicInstant
    private var lastInput: MonotonicInstant
    private var unfocusedSince: MonotonicInstant?
    private var lastSent: MonotonicInstant

    /// A new window's engine. `sharing` comes from the ``SharingPolicy`` for the
    /// colleague; `now` starts the idle detector.
    public init(timings: SessionStateTimings = SessionStateTimings(), sharing: Bool, at now: MonotonicInstant) {
        self.timings = timings
        isSharing = sharing
        lastKeystroke = now
        lastInput = now
        lastSent = now
    }

    /// Feeds one detector signal. Ignored entirely while sharing is off.
    public mutating func handle(_ signal: DetectorSignal, at now: MonotonicInstant) -> [SessionStateOutput] {
        guard isSharing, !isClosed else { return [] }
        if signal.isInputInWindow { markFocusedByInput() }
        switch signal {
        case .keystroke:
            inputIsEmpty = false
            hasUnreadMessage = false
            lastKeystroke = now
            lastInput = now
        case .inputCleared:
            inputIsEmpty = true
            lastInput = now
        case .messageSent:
            inputIsEmpty = true
            hasUnreadMessage = false
            lastInput = now
        case .messageReceived:
            hasUnreadMessage = true
        case .opened:
            isOpen = true
            lastInput = now
        case .focused, .restored:
            isOpen = true
            if signal == .focused { isFocused = true }
            isMinimized = false
            if isFocused { wasOpenedAndFocused = true }
            unfocusedSince = nil
            lastInput = now
        case .unfocused, .minimized:
            if signal == .minimized { isMinimized = true }
            isFocused = false
            // Leaving the window means whatever arrived has been seen.
            hasUnreadMessage = false
            if unfocusedSince == nil { unfocusedSince = now }
        case .closed:
            isClosed = true
            isOpen = false
            let final: SessionState = wasOpenedAndFocused ? .closedWindow : .active
            return change(to: final, at: now)
        case .activity:
            lastInput = now
        }
        return change(to: derivedState(at: now), at: now)
    }

    /// The desktop's idle sources saw input at `instant` (outside this
    /// window, perhaps before `now`): the idle detector's clock restarts from
    /// there. Never moves it back, and is not focus: it clears *away* only.
    public mutating func desktopInput(at instant: MonotonicInstant, now: MonotonicInstant) -> [SessionStateOutput] {
        guard isSharing, !isClosed else { return [] }
        let seen = min(instant, now)
        if seen > lastInput { lastInput = seen }
        return change(to: derivedState(at: now), at: now)
    }

    /// The desktop's screen lock. Locked is *away* at once; unlocking is the
    /// user's own input (they typed their password), so the idle detector
    /// restarts from `now`.
    public mutating func setLocked(_ locked: Bool, at now: MonotonicInstant) -> [SessionStateOutput] {
        guard locked != isLocked else { return [] }
        isLocked = locked
        guard isSharing, !isClosed else { return [] }
        if !locked { lastInput = max(lastInput, now) }
        return change(to: derivedState(at: now), at: now)
    }

    /// When the idle detector turns this window *away* unless input comes
    /// first; nil when that cannot happen (sharing off, closed, already away).
    public var awayDeadline: MonotonicInstant? {
        guard isSharing, !isClosed, current != .away else { return nil }
        return lastInput + timings.away
    }

    /// Lets time pass: fires presets whose time has come and refreshes.
    public mutating func tick(at now: MonotonicInstant) -> [SessionStateOutput] {
        guard isSharing, !isClosed else { return [] }
        let changed = change(to: derivedState(at: now), at: now)
        if !changed.isEmpty { return changed }
        if let period = timings.refreshPeriod(for: current), now >= lastSent + period {
            lastSent = now
            return [SessionStateOutput(state: current, isRefresh: true)]
        }
        return []
    }

    /// Switches sharing for this window's colleague. Turning it off mid-state
    /// sends one final `active` so the colleague's indicator does not linger;
    /// after that nothing is detected or sent. Turning it on starts afresh from
    /// "present and active", as if the user had just come back to the window.
    public mutating func setSharing(_ sharing: Bool, at now: MonotonicInstant) -> [SessionStateOutput] {
        guard sharing != isSharing else { return [] }
        if !sharing {
            let final = change(to: .active, at: now)
            isSharing = false
            return final
        }
        isSharing = true
        inputIsEmpty = true
        hasUnreadMessage = false
        isFocused = isOpen && !isMinimized
        if isFocused { wasOpenedAndFocused = true }
        unfocusedSince = nil
        lastInput = now
        lastKeystroke = now
        return []
    }

    /// When ``tick(at:)`` must run next; nil when nothing is pending (sharing
    /// off, window closed, or nothing to expire and nothing to refresh).
    public var nextDeadline: MonotonicInstant? {
        guard isSharing, !isClosed else { return nil }
        var deadlines: [MonotonicInstant] = []
        if let awayDeadline { deadlines.append(awayDeadline) }
        if let unfocusedSince, current != .leftTemporarily, current != .away {
            deadlines.append(unfocusedSince + timings.leftTemporarily)
        }
        if !inputIsEmpty, current == .typing { deadlines.append(lastKeystroke + timings.pausedTyping) }
        if let period = timings.refreshPeriod(for: current) { deadlines.append(lastSent + period) }
        return deadlines.min()
    }

    /// What the colleague should see now, by precedence: away (idle or locked), left
    /// temporarily, typing or paused, reading, else active.
    private func derivedState(at now: MonotonicInstant) -> SessionState {
        if isLocked || now - lastInput >= timings.away { return .away }
        if let unfocusedSince, now - unfocusedSince >= timings.leftTemporarily { return .leftTemporarily }
        if !inputIsEmpty {
            return now - lastKeystroke >= timings.pausedTyping ? .pausedTyping : .typing
        }
        if isOpen && isFocused && hasUnreadMessage { return .reading }
        return .active
    }

    /// Input typed into the window proves the user is in it, whatever the
    /// window-state detector last said: terminals and multiplexers do not
    /// always report focus (a detached tmux pane reports "unfocused" forever).
    private mutating func markFocusedByInput() {
        isOpen = true
        isFocused = true
        isMinimized = false
        wasOpenedAndFocused = true
        unfocusedSince = nil
    }

    private mutating func change(to state: SessionState, at now: MonotonicInstant) -> [SessionStateOutput] {
        guard state != current else { return [] }
        current = state
        lastSent = now
        return [SessionStateOutput(state: state, isRefresh: false)]
    }
}
