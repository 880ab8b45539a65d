/// One UDP path check with a colleague (Docs/protocol.md §6.5), decided as a
/// value: echo requests with fresh nonces at set moments, the round trip of
/// the first reply that names one of them, or no answer by the deadline.
/// The link service sends what ``next(at:)`` asks for and reports replies;
/// time is an input, so every rule is a test without sleeps.
public struct UDPEchoCheck: Sendable {
    public enum Step: Sendable, Equatable {
        /// Send an echo request with this nonce now.
        case send(nonce: UInt32)
        /// Nothing to do before this moment (or a reply).
        case wait(until: ContinuousClock.Instant)
        /// The check is over.
        case finished(Outcome)
    }

    public enum Outcome: Sendable, Equatable {
        /// A reply came back: the round trip of the request it answered.
        case answered(roundTrip: Duration, requests: Int)
        /// No reply to any of `requests` by the deadline.
        case unanswered(requests: Int)
    }

    private let startedAt: ContinuousClock.Instant
    private let requests: Int
    private let interval: Duration
    private let timeout: Duration
    private let drawNonce: @Sendable () -> UInt32
    /// Each request sent: its nonce and when.
    private var sent: [(nonce: UInt32, at: ContinuousClock.Instant)] = []
    private var outcome: Outcome?

    /// - Parameter drawNonce: random by default; tests pass their own.
    public init(
        startedAt: ContinuousClock.Instant, requests: Int = WireConstants.udpCheckRequests,
        interval: Duration = WireConstants.udpCheckInterval, timeout: Duration = WireConstants.udpCheckTimeout,
        drawNonce: @escaping @Sendable () -> UInt32 = { UInt32.random(in: 0...UInt32.max) }
    ) {
        self.startedAt = startedAt
        self.requests = requests
        self.interval = interval
        self.timeout = timeout
        self.drawNonce = drawNonce
    }

    /// What to do at `now`: the next request when one is due, else wait for
    /// the next request or the deadline, whichever is first.
    public mutating func next(at now: ContinuousClock.Instant) -> Step {
        if let outcome { return .finished(outcome) }
        let deadline = startedAt + timeout
        if now >= deadline {
            outcome = .unanswered(requests: sent.count)
            return .finished(outcome!)
        }
        if sent.count < requests {
            let due = startedAt + interval * sent.count
            if now >= due {
                var nonce = drawNonce()
                while sent.contains(where: { $0.nonce == nonce }) { nonce = drawNonce() }
                sent.append((nonce, now))
                return .send(nonce: nonce)
            }
            return .wait(until: min(due, deadline))
        }
        return .wait(until: deadline)
    }

    /// A reply with `nonce` arrived at `now`; true when it answers one of
    /// this check's requests (the first such reply settles the check; later
    /// ones, and replies after the deadline, change nothing).
    @discardableResult
    public mutating func replied(nonce: UInt32, at now: ContinuousClock.Instant) -> Bool {
        guard let request = sent.first(where: { $0.nonce == nonce }) else { return false }
        guard outcome == nil, now < startedAt + timeout else { return true }
        outcome = .answered(roundTrip: now - request.at, requests: sent.count)
        return true
    }
}
