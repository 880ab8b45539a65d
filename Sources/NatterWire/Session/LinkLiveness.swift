/// Keepalives and dead-peer detection for every link of a peer, decided in
/// one place so that one timer serves them all (Docs/protocol.md §5.7).
///
/// An idle daemon with 49 colleagues used to wake ~31 times a second: every
/// link had its own keepalive timer (both sides, every 5 s), its own
/// silence timer and a key-schedule tick. Here, as in WireGuard's passive
/// keepalive, only a link that is otherwise silent carries keepalives, one
/// each way per ``WireConstants/keepaliveInterval``: the dialler sends one
/// when it has sent nothing for that long, the other side answers it at
/// once, in the same wake-up as its arrival, and a side that only receives
/// (a one-way stream of states) sends one after that long so that the other
/// still hears it. Keepalives due within ``WireConstants/keepaliveCoalescing``
/// of each other go out together, so the dialler's keepalives to all its
/// colleagues soon share one wake-up. A link that received nothing for
/// ``WireConstants/deadPeerTimeout`` is dead.
///
/// A value: what was sent and received, and the time, in; the keepalives to
/// send, the links to close and when to ask next, out.
public struct LinkLiveness<Link: Hashable & Sendable>: Sendable {
    public typealias Instant = ContinuousClock.Instant

    private struct Entry: Sendable {
        let dialler: Bool
        var lastSent: Instant
        var lastReceived: Instant

        /// When this side owes the link a frame, if it sends nothing before.
        var keepaliveDue: Instant? {
            // The dialler keeps an idle link alive; either side speaks up when
            // it only receives, so that the other does not take it for dead.
            dialler || lastReceived > lastSent ? lastSent + WireConstants.keepaliveInterval : nil
        }

        var deadAt: Instant { lastReceived + WireConstants.deadPeerTimeout }
    }

    /// What a sweep found.
    public struct Sweep: Sendable, Equatable {
        /// Send a keepalive on each (the sweep counted them as sent).
        public var keepalives: [Link] = []
        /// Close each: nothing received for ``WireConstants/deadPeerTimeout`` (they are forgotten).
        public var dead: [Link] = []
        /// When to sweep next; nil with no links.
        public var next: Instant?
    }

    private var links: [Link: Entry] = [:]

    public init() {}

    public var count: Int { links.count }

    /// A link finished its handshake: both directions count as just heard.
    /// - Returns: when to sweep next, so the caller can bring its timer forward.
    @discardableResult
    public mutating func established(_ link: Link, dialler: Bool, at now: Instant) -> Instant {
        let entry = Entry(dialler: dialler, lastSent: now, lastReceived: now)
        links[link] = entry
        return entry.keepaliveDue.map { min($0, entry.deadAt) } ?? entry.deadAt
    }

    public mutating func closed(_ link: Link) {
        links[link] = nil
    }

    /// A frame went out on the link's stream.
    public mutating func sent(on link: Link, at now: Instant) {
        links[link]?.lastSent = now
    }

    /// A message arrived on the link's stream.
    /// - Returns: true when it was a keepalive this side must answer now
    ///   (it sent nothing for ``WireConstants/keepaliveAnswerQuiet``); the
    ///   answer is counted as sent.
    public mutating func received(on link: Link, keepalive: Bool, at now: Instant) -> Bool {
        guard var entry = links[link] else { return false }
        entry.lastReceived = now
        let answer = keepalive && now - entry.lastSent >= WireConstants.keepaliveAnswerQuiet
        if answer { entry.lastSent = now }
        links[link] = entry
        return answer
    }

    /// Everything due at `now`: keepalives (with those due within the
    /// coalescing window, sent early to share this wake-up) and dead links.
    public mutating func sweep(at now: Instant) -> Sweep {
        var sweep = Sweep()
        let anyDue = links.values.contains { $0.keepaliveDue.map { $0 <= now } ?? false }
        for (link, entry) in links {
            if entry.deadAt <= now {
                sweep.dead.append(link)
                links[link] = nil
            } else if anyDue, let due = entry.keepaliveDue, due <= now + WireConstants.keepaliveCoalescing {
                sweep.keepalives.append(link)
                links[link]?.lastSent = now
            }
        }
        for entry in links.values {
            let next = entry.keepaliveDue.map { min($0, entry.deadAt) } ?? entry.deadAt
            sweep.next = sweep.next.map { min($0, next) } ?? next
        }
        return sweep
    }
}
