/// The receiver side: what to show for one colleague, combining every window
/// (source) of theirs, in their sequence order, with soft-state expiry.
///
/// Rules (Docs/session-states.md):
/// - Events apply in the sender's sequence order; an event older than the last
///   one seen from its source, or older than the colleague's latest chat
///   message, is dropped — so a late *typing* never re-appears after the
///   message it belonged to.
/// - A chat message clears *typing* and *paused typing* at once.
/// - A state not refreshed within its lifetime expires.
/// - Going offline clears everything: an offline user has no session state.
/// - Several sources combine by ``precedence``: typing anywhere beats reading
///   elsewhere, and so on.
public struct RemoteSessionState: Sendable {
    /// Most engaged first: what the colleague is doing somewhere beats what a
    /// forgotten window says. `closedWindow` is last because another window of
    /// theirs that is still open tells more.
    public static let precedence: [SessionState] = [.typing, .pausedTyping, .reading, .leftTemporarily, .away, .closedWindow]

    public let timings: SessionStateTimings

    private struct SourceState: Sendable {
        var state: SessionState
        var sequence: UInt64
        var expires: MonotonicInstant
    }

    private var sources: [UInt32: SourceState] = [:]
    /// Highest sequence seen per source, kept even after its state expired or
    /// went `active`, so a reordered older event cannot resurrect it.
    private var latestSequence: [UInt32: UInt64] = [:]
    private var latestMessageSequence: UInt64 = 0
    /// The highest sequence of a forgotten source: an event from a source
    /// not tracked must be newer (one counter numbers all of a sender's
    /// events, so anything older was sent before what was forgotten).
    private var forgottenUpTo: UInt64 = 0

    /// How many of a colleague's windows are tracked. A person has a few (a
    /// terminal, some browser tabs); a peer that makes up window ids must not
    /// grow this for as long as the daemon runs, so beyond it the source
    /// whose latest event is oldest is forgotten, with what it showed.
    public static let maximumSources = 64

    public init(timings: SessionStateTimings = SessionStateTimings()) {
        self.timings = timings
    }

    /// The combined state to show; `active` means nothing.
    public var shown: SessionState {
        let present = Set(sources.values.map(\.state))
        return Self.precedence.first(where: present.contains) ?? .active
    }

    /// Applies a state event from window/device `source`.
    /// - Returns: false when it was dropped as stale.
    @discardableResult
    public mutating func apply(_ state: SessionState, source: UInt32, sequence: UInt64, at now: MonotonicInstant) -> Bool {
        guard sequence > latestMessageSequence, sequence > latestSequence[source] ?? forgottenUpTo else { return false }
        latestSequence[source] = sequence
        if state == .active {
            sources[source] = nil
        } else {
            sources[source] = SourceState(state: state, sequence: sequence, expires: now + timings.lifetime(of: state))
        }
        if latestSequence.count > Self.maximumSources, let oldest = latestSequence.min(by: { $0.value < $1.value }) {
            latestSequence[oldest.key] = nil
            sources[oldest.key] = nil
            forgottenUpTo = max(forgottenUpTo, oldest.value)
        }
        return true
    }

    /// A chat message with `sequence` arrived from this colleague.
    public mutating func messageArrived(sequence: UInt64, at now: MonotonicInstant) {
        latestMessageSequence = max(latestMessageSequence, sequence)
        sources = sources.filter { _, entry in
            !((entry.state == .typing || entry.state == .pausedTyping) && entry.sequence < sequence)
        }
    }

    /// The colleague's link is gone: no state at all until they return.
    public mutating func peerWentOffline() {
        sources.removeAll()
    }

    /// Drops states whose lifetime ran out.
    public mutating func tick(at now: MonotonicInstant) {
        sources = sources.filter { $0.value.expires > now }
    }

    /// When the next state expires; nil when nothing is shown.
    public var nextDeadline: MonotonicInstant? {
        sources.values.map(\.expires).min()
    }
}
