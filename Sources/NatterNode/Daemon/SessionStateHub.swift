import NatterCore

/// A detector signal as front ends name it on the local API.
enum WindowSignal: String, CaseIterable {
    case keystroke, inputCleared, messageSent, focused, unfocused, minimized, restored, closed, activity

    var detectorSignal: DetectorSignal {
        switch self {
        case .keystroke: .keystroke
        case .inputCleared: .inputCleared
        case .messageSent: .messageSent
        case .focused: .windowFocused
        case .unfocused: .windowUnfocused
        case .minimized: .windowMinimized
        case .restored: .windowRestored
        case .closed: .windowClosed
        case .activity: .userActivity
        }
    }
}

/// Every session-state engine of this daemon: one sender per open window, one
/// receiver per colleague. Pure: the daemon passes the time in and carries the
/// answers out (frames to send, states to show).
struct SessionStateHub {
    /// A state event for a colleague, from one window (its wire source id).
    struct Outgoing: Equatable {
        let peer: DeviceFingerprint
        let state: SessionState
        let source: UInt32
    }

    /// A colleague's combined state changed.
    struct ShownChange: Equatable {
        let peer: DeviceFingerprint
        let state: SessionState
    }

    private struct Window {
        let peer: DeviceFingerprint
        var sender: SessionStateSender
    }

    let timings: SessionStateTimings
    let language: DisplayLanguage
    private let origin = ContinuousClock.now
    private var windows: [UInt32: Window] = [:]
    private var receivers: [DeviceFingerprint: RemoteSessionState] = [:]
    private var shown: [DeviceFingerprint: SessionState] = [:]
    private var policy = SharingPolicy()
    private var nextWindowID: UInt32 = 1

    init(timings: SessionStateTimings, language: DisplayLanguage) {
        self.timings = timings
        self.language = language
    }

    var windowIDs: [UInt32] { Array(windows.keys) }

    func shown(for peer: DeviceFingerprint) -> SessionState { shown[peer] ?? .active }

    // MARK: Sender side

    mutating func openWindow(peer: DeviceFingerprint, hasUnreadMessage: Bool, at now: ContinuousClock.Instant) -> (UInt32, [Outgoing]) {
        let id = nextWindowID
        nextWindowID &+= 1
        var sender = SessionStateSender(timings: timings, sharing: policy.allows(peer), at: instant(now))
        var outputs = sender.handle(.windowOpened, at: instant(now))
        if hasUnreadMessage { outputs += sender.handle(.messageReceived, at: instant(now)) }
        windows[id] = Window(peer: peer, sender: sender)
        return (id, outgoing(outputs, window: id, peer: peer))
    }

    /// Feeds a signal to one window; user input also counts as activity in
    /// every other window (the idle detector watches input anywhere).
    /// Returns nil for an unknown window.
    mutating func signal(_ signal: WindowSignal, window id: UInt32, at now: ContinuousClock.Instant) -> [Outgoing]? {
        guard var window = windows[id] else { return nil }
        let outputs = window.sender.handle(signal.detectorSignal, at: instant(now))
        if signal == .closed {
            windows[id] = nil
        } else {
            windows[id] = window
        }
        var result = outgoing(outputs, window: id, peer: window.peer)
        if [.keystroke, .inputCleared, .messageSent, .activity, .focused].contains(signal) {
            for otherID in windows.keys where otherID != id {
                result += feed(.userActivity, to: otherID, at: now)
            }
        }
        return result
    }

    mutating func closeWindow(_ id: UInt32, at now: ContinuousClock.Instant) -> [Outgoing] {
        signal(.closed, window: id, at: now) ?? []
    }

    /// A chat message from `peer` arrived: their windows have something unread.
    mutating func messageReceived(from peer: DeviceFingerprint, at now: ContinuousClock.Instant) -> [Outgoing] {
        windows.filter { $0.value.peer == peer }.keys.flatMap { feed(.messageReceived, to: $0, at: now) }
    }

    /// A colleague's link came up: the current state of each of their windows,
    /// since anything said while they were offline was not delivered.
    func peerCameOnline(_ peer: DeviceFingerprint, at now: ContinuousClock.Instant) -> [Outgoing] {
        windows.filter { $0.value.peer == peer && $0.value.sender.isSharing && $0.value.sender.current != .active }
            .map { Outgoing(peer: peer, state: $0.value.sender.current, source: $0.key) }
    }

    mutating func setPolicy(global: Bool, overrides: [DeviceFingerprint: Bool], at now: ContinuousClock.Instant) -> [Outgoing] {
        policy = SharingPolicy(sharesByDefault: global, overrides: overrides)
        var result: [Outgoing] = []
        for (id, var window) in windows {
            let outputs = window.sender.setSharing(policy.allows(window.peer), at: instant(now))
            windows[id] = window
            result += outgoing(outputs, window: id, peer: window.peer)
        }
        return result
    }

    // MARK: Receiver side

    mutating func remoteState(
        _ state: SessionState, source: UInt32, sequence: UInt64, from peer: DeviceFingerprint, at now: ContinuousClock.Instant
    ) -> [ShownChange] {
        let time = instant(now), fresh = RemoteSessionState(timings: timings)
        receivers[peer, default: fresh].apply(state, source: source, sequence: sequence, at: time)
        return refreshShown(peer)
    }

    mutating func remoteMessage(sequence: UInt64, from peer: DeviceFingerprint, at now: ContinuousClock.Instant) -> [ShownChange] {
        let time = instant(now), fresh = RemoteSessionState(timings: timings)
        receivers[peer, default: fresh].messageArrived(sequence: sequence, at: time)
        return refreshShown(peer)
    }

    mutating func peerWentOffline(_ peer: DeviceFingerprint) -> [ShownChange] {
        receivers[peer]?.peerWentOffline()
        return refreshShown(peer)
    }

    // MARK: Time

    /// The earliest deadline of any engine.
    var nextDeadline: ContinuousClock.Instant? {
        let senders = windows.values.compactMap(\.sender.nextDeadline)
        let remotes = receivers.values.compactMap(\.nextDeadline)
        return (senders + remotes).min().map { origin + $0.sinceOrigin }
    }

    mutating func tick(at now: ContinuousClock.Instant) -> ([Outgoing], [ShownChange]) {
        var outputs: [Outgoing] = []
        for id in windows.keys { outputs += feedTick(id, at: now) }
        var changes: [ShownChange] = []
        let time = instant(now)
        for peer in receivers.keys {
            receivers[peer]?.tick(at: time)
            changes += refreshShown(peer)
        }
        return (outputs, changes)
    }

    // MARK: Plumbing

    private func instant(_ now: ContinuousClock.Instant) -> MonotonicInstant {
        MonotonicInstant(sinceOrigin: now - origin)
    }

    private mutating func feed(_ signal: DetectorSignal, to id: UInt32, at now: ContinuousClock.Instant) -> [Outgoing] {
        guard var window = windows[id] else { return [] }
        let outputs = window.sender.handle(signal, at: instant(now))
        windows[id] = window
        return outgoing(outputs, window: id, peer: window.peer)
    }

    private mutating func feedTick(_ id: UInt32, at now: ContinuousClock.Instant) -> [Outgoing] {
        guard var window = windows[id] else { return [] }
        let outputs = window.sender.tick(at: instant(now))
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
