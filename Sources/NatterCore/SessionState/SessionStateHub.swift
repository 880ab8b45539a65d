/// Every session-state engine of one daemon: one sender per open conversation
/// window, one receiver per colleague, and the sharing policy over them.
///
/// Pure, like the engines it holds: the caller passes the time in and carries
/// the answers out — state events to send to colleagues (``Outgoing``) and
/// changes of what a colleague is shown as (``ShownChange``). It never reads a
/// clock, so every rule is testable on a fake one.
public struct SessionStateHub: Sendable {
    /// A state event for a colleague, from one window (its wire source id).
    public struct Outgoing: Equatable, Sendable {
        public let peer: DeviceFingerprint
        public let state: SessionState
        public let source: UInt32

        public init(peer: DeviceFingerprint, state: SessionState, source: UInt32) {
            self.peer = peer
            self.state = state
            self.source = source
        }
    }

    /// A colleague's combined state changed: show `state` for them now.
    public struct ShownChange: Equatable, Sendable {
        public let peer: DeviceFingerprint
        public let state: SessionState

        public init(peer: DeviceFingerprint, state: SessionState) {
            self.peer = peer
            self.state = state
        }
    }

    private struct Window: Sendable {
        let peer: DeviceFingerprint
        var sender: SessionStateSender
    }

    public let timings: SessionStateTimings
    private var windows: [UInt32: Window] = [:]
    private var receivers: [DeviceFingerprint: RemoteSessionState] = [:]
    private var shown: [DeviceFingerprint: SessionState] = [:]
    private var policy = SharingPolicy()
    private var nextWindowID: UInt32 = 1
    private var desktop = DesktopIdle()
    private var lastDesktopLook: MonotonicInstant?

    public init(timings: SessionStateTimings = SessionStateTimings()) {
        self.timings = timings
    }

    /// The open windows, in no particular order.
    public var windowIDs: [UInt32] { Array(windows.keys) }

    /// The colleague a window is a conversation with; nil for an unknown window.
    public func peer(ofWindow id: UInt32) -> DeviceFingerprint? { windows[id]?.peer }

    /// What this user is shown for `peer` now (`active`: nothing).
    public func shown(for peer: DeviceFingerprint) -> SessionState { shown[peer] ?? .active }

    // MARK: Sender side

    /// A front end opened a conversation window with `peer`. When the last
    /// message in that conversation is theirs and unread, opening it means
    /// this user is reading it.
    public mutating func openWindow(
        peer: DeviceFingerprint, hasUnreadMessage: Bool, at now: MonotonicInstant
    ) -> (window: UInt32, outgoing: [Outgoing]) {
        let id = nextWindowID
        nextWindowID &+= 1
        var sender = SessionStateSender(timings: timings, sharing: policy.allows(peer), at: now)
        var outputs = sender.handle(.opened, at: now)
        if hasUnreadMessage { outputs += sender.handle(.messageReceived, at: now) }
        outputs += sender.setLocked(desktop.isLocked, at: now)
        windows[id] = Window(peer: peer, sender: sender)
        return (id, outgoing(outputs, window: id, peer: peer))
    }

    /// Feeds a signal to one window; user input also counts as activity in
    /// every other window (the idle detector watches input anywhere). A
    /// `closed` signal removes the window. Returns nil for an unknown window.
    public mutating func signal(_ signal: DetectorSignal, window id: UInt32, at now: MonotonicInstant) -> [Outgoing]? {
        guard windows[id] != nil else { return nil }
        var result = feed(signal, to: id, at: now)
        if signal == .closed { windows[id] = nil }
        if signal.isUserInput {
            for otherID in windows.keys where otherID != id {
                result += feed(.activity, to: otherID, at: now)
            }
        }
        return result
    }

    /// Closes a window (a front end went away); nothing for an unknown window.
    public mutating func closeWindow(_ id: UInt32, at now: MonotonicInstant) -> [Outgoing] {
        signal(.closed, window: id, at: now) ?? []
    }

    /// A chat message from `peer` arrived: their windows have something unread.
    public mutating func messageReceived(from peer: DeviceFingerprint, at now: MonotonicInstant) -> [Outgoing] {
        windows.filter { $0.value.peer == peer }.keys.sorted().flatMap { feed(.messageReceived, to: $0, at: now) }
    }

    /// A colleague's link came up: the current state of each of their windows,
    /// since anything said while they were offline was not delivered.
    public func peerCameOnline(_ peer: DeviceFingerprint) -> [Outgoing] {
        windows.filter { $0.value.peer == peer && $0.value.sender.isSharing && $0.value.sender.current != .active }
            .sorted { $0.key < $1.key }
            .map { Outgoing(peer: peer, state: $0.value.sender.current, source: $0.key) }
    }

    /// Replaces the sharing policy; windows whose colleague is no longer
    /// shared with send their last word (`active`) and stop detecting.
    public mutating func setPolicy(_ policy: SharingPolicy, at now: MonotonicInstant) -> [Outgoing] {
        self.policy = policy
        var result: [Outgoing] = []
        for id in windows.keys.sorted() {
            guard var window = windows[id] else { continue }
            let outputs = window.sender.setSharing(policy.allows(window.peer), at: now)
            windows[id] = window
            result += outgoing(outputs, window: id, peer: window.peer)
        }
        return result
    }

    // MARK: The desktop's idle sources

    /// What the windows' idle detectors wait for; nil when no open window
    /// detects idleness (none open, or sharing off for each colleague): then
    /// the desktop's idle sources must not run at all.
    public var idleWatch: IdleWatch? {
        let detecting = windows.values.map(\.sender).filter(\.isSharing)
        guard !detecting.isEmpty else { return nil }
        return IdleWatch(
            awayDeadline: detecting.compactMap(\.awayDeadline).min(),
            showsAway: detecting.contains { $0.current == .away })
    }

    /// When to ask the desktop's idle sources next (``DesktopIdle/nextLook(now:lastLook:pending:watchesLocks:)``);
    /// nil while ``idleWatch`` is nil.
    public func nextDesktopLook(at now: MonotonicInstant, watchesLocks: Bool) -> MonotonicInstant? {
        desktop.nextLook(now: now, lastLook: lastDesktopLook, pending: idleWatch, watchesLocks: watchesLocks)
    }

    /// The answers of one look at the desktop's idle sources, by source name
    /// (absent: gone). Input they saw counts as input in every window; a
    /// locked screen is *away* at once in every window.
    public mutating func desktopLooked(_ reports: [String: DesktopIdle.Report], at now: MonotonicInstant) -> [Outgoing] {
        desktop.update(reports)
        lastDesktopLook = now
        return applyDesktop(at: now)
    }

    /// Detection stopped (``idleWatch`` became nil): nothing the sources said
    /// counts any more, and the next detection starts with a fresh look.
    public mutating func desktopStopped(at now: MonotonicInstant) -> [Outgoing] {
        desktop.forgetAll()
        lastDesktopLook = nil
        return applyDesktop(at: now)
    }

    private mutating func applyDesktop(at now: MonotonicInstant) -> [Outgoing] {
        var result: [Outgoing] = []
        for id in windows.keys.sorted() {
            guard var window = windows[id] else { continue }
            var outputs = window.sender.setLocked(desktop.isLocked, at: now)
            if let latest = desktop.latestInput { outputs += window.sender.desktopInput(at: latest, now: now) }
            windows[id] = window
            result += outgoing(outputs, window: id, peer: window.peer)
        }
        return result
    }

    // MARK: Receiver side

    /// A state event from `peer`'s window `source`.
    public mutating func remoteState(
        _ state: SessionState, source: UInt32, sequence: UInt64, from peer: DeviceFingerprint, at now: MonotonicInstant
    ) -> [ShownChange] {
        receivers[peer, default: RemoteSessionState(timings: timings)].apply(state, source: source, sequence: sequence, at: now)
        return refreshShown(peer)
    }

    /// A chat message from `peer`: it ends whatever their typing showed.
    public mutating func remoteMessage(sequence: UInt64, from peer: DeviceFingerprint, at now: MonotonicInstant) -> [ShownChange] {
        receivers[peer, default: RemoteSessionState(timings: timings)].messageArrived(sequence: sequence, at: now)
        return refreshShown(peer)
    }

    /// `peer`'s link is gone: an offline colleague has no session state.
    public mutating func peerWentOffline(_ peer: DeviceFingerprint) -> [ShownChange] {
        receivers[peer]?.peerWentOffline()
        return refreshShown(peer)
    }

    // MARK: Time

    /// The earliest deadline of any engine: call ``tick(at:)`` then.
    public var nextDeadline: MonotonicInstant? {
        let senders = windows.values.compactMap(\.sender.nextDeadline)
        let remotes = receivers.values.compactMap(\.nextDeadline)
        return (senders + remotes).min()
    }

    /// Lets every engine act on the time: presets expire, states refresh.
    public mutating func tick(at now: MonotonicInstant) -> (outgoing: [Outgoing], shown: [ShownChange]) {
        var outputs: [Outgoing] = []
        for id in windows.keys.sorted() {
            guard var window = windows[id] else { continue }
            let events = window.sender.tick(at: now)
            windows[id] = window
            outputs += outgoing(events, window: id, peer: window.peer)
        }
        var changes: [ShownChange] = []
        for peer in receivers.keys {
            receivers[peer]?.tick(at: now)
            changes += refreshShown(peer)
        }
        return (outputs, changes)
    }

    // MARK: Plumbing

    private mutating func feed(_ signal: DetectorSignal, to id: UInt32, at now: MonotonicInstant) -> [Outgoing] {
        guard var window = windows[id] else { return [] }
        let outputs = window.sender.handle(signal, at: now)
        windows[id] = window
        return outgoing(outputs, window: id, peer: window.peer)
    }

    private func outgoing(_ outputs: [SessionStateOutput], window: UInt32, peer: DeviceFingerprint) -> [Outgoing] {
        outputs.map { Outgoing(peer: peer, state: $0.state, source: window) }
    }

    private mutating func refreshShown(_ peer: DeviceFingerprint) -> [ShownChange] {
        let now = receivers[peer]?.shown ?? .active
        guard now != shown(for: peer) else { return [] }
        shown[peer] = now == .active ? nil : now
        return [ShownChange(peer: peer, state: now)]
    }
}
