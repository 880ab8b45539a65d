public import NatterCore

/// What this device knows about its colleagues' clocks, learned at
/// handshakes (Docs/protocol.md §4.4.1). Pure: the caller passes its wall
/// clock (Unix ms). Every difference is *their clock − this clock*, in ms.
///
/// Like WireGuard, which checks a peer's handshake timestamps against that
/// peer's previous ones rather than against a shared clock, a natter
/// initiator keeps one offset per peer it dials and stamps its first
/// messages to that peer in the peer's time, once a clock hint told it.
/// The responder's check and replay cache are unchanged.
///
/// Bounded: at most ``capacity`` entries in each table; the oldest go first.
public struct PeerClocks: Sendable {
    public let capacity: Int
    /// Per dial target (a fingerprint's text, or `host:port` for a dial by address).
    private var offsets: [String: Int64] = [:]
    private var offsetOrder: [String] = []
    /// Hints this responder sent, by source address: the difference and when.
    private var hinted: [String: (difference: Int64, at: UInt64)] = [:]
    /// The difference last reported (logged) per linked colleague.
    private var reported: [DeviceFingerprint: Int64] = [:]
    private var reportedOrder: [DeviceFingerprint] = []

    public init(capacity: Int = WireConstants.peerClocksCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// The dial target a first message is stamped for: the device when known, else the address.
    public static func target(peer: DeviceFingerprint?, host: String, port: Int) -> String {
        peer?.compact ?? "\(host):\(port)"
    }

    /// The offset learned for `target`, if any.
    public func offset(for target: String) -> Int64? { offsets[target] }

    /// The timestamp of a first message to `target`: this clock, moved by
    /// the offset a hint taught for that peer (none: this clock).
    public func timestamp(to target: String, wallClock: UInt64) -> UInt64 {
        Self.moved(wallClock, by: offsets[target] ?? 0)
    }

    /// A clock hint from `target` answered a first message written at
    /// `sentAt` and arrived at `receivedAt` (both this clock, without any
    /// offset): the peer's time is taken to be the hint's at the midpoint.
    /// - Returns: the offset now used for `target`.
    @discardableResult
    public mutating func learned(responderMilliseconds: UInt64, sentAt: UInt64, receivedAt: UInt64, from target: String) -> Int64 {
        let midpoint = sentAt / 2 + receivedAt / 2 + (sentAt % 2 + receivedAt % 2) / 2
        let offset = Self.difference(responderMilliseconds, midpoint)
        offsets[target] = offset
        offsetOrder.removeAll { $0 == target }
        offsetOrder.append(target)
        if offsetOrder.count > capacity { offsets[offsetOrder.removeFirst()] = nil }
        return offset
    }

    /// This responder answered a first message from `source`, written at
    /// `timestamp` (their clock), with a clock hint at `now` (this clock).
    public mutating func hinted(firstMessageAt timestamp: UInt64, from source: String, now: UInt64) {
        let memory = UInt64(WireConstants.clockHintMemory.wholeMilliseconds)
        if hinted[source] == nil && hinted.count >= capacity {
            hinted = hinted.filter { now < memory || $0.value.at >= now - memory }
            if hinted.count >= capacity, let oldest = hinted.min(by: { $0.value.at < $1.value.at })?.key { hinted[oldest] = nil }
        }
        hinted[source] = (Self.difference(timestamp, now), now)
    }

    /// A link with `peer` completed its handshake. The difference is the
    /// offset this side's first message carried (as initiator, to `target`)
    /// or the one a hint to `remoteHost` saw within ``WireConstants/clockHintMemory``
    /// (as responder).
    /// - Returns: the difference to report, once per colleague: when it is
    ///   first known, or moved by more than the handshake's tolerance since it
    ///   was last reported (a clock set right, or wrong again). nil otherwise.
    public mutating func linked(_ peer: DeviceFingerprint, initiator: Bool, target: String?, remoteHost: String, now: UInt64) -> Int64? {
        let difference: Int64?
        if initiator {
            difference = target.flatMap { offsets[$0] }
        } else if let hint = hinted[remoteHost], now >= hint.at, now - hint.at <= UInt64(WireConstants.clockHintMemory.wholeMilliseconds) {
            difference = hint.difference
        } else {
            difference = nil
        }
        guard let difference else { return nil }
        let tolerance = Int64(WireConstants.handshakeTimestampTolerance.wholeMilliseconds)
        let last = reported[peer] ?? 0
        guard (difference - last).magnitude > UInt64(tolerance) else { return nil }
        reportedOrder.removeAll { $0 == peer }
        if difference.magnitude > UInt64(tolerance) {
            reported[peer] = difference
            reportedOrder.append(peer)
            if reportedOrder.count > capacity { reported[reportedOrder.removeFirst()] = nil }
        } else {
            reported[peer] = nil
        }
        return difference
    }

    /// Colleagues whose clock differs from this one by more than the
    /// handshake accepts, as last reported (for `natter doctor`).
    public var differences: [DeviceFingerprint: Int64] { reported }

    /// A difference for people, to the second: "1 h 2 min ahead of this
    /// one", "5 min behind this one", "the same as this one".
    public static func describe(_ difference: Int64) -> String {
        guard (difference.magnitude + 500) / 1000 > 0 else { return "the same as this one" }
        return span(difference.magnitude) + (difference > 0 ? " ahead of this one" : " behind this one")
    }

    /// A length of time to the second, for people: "1 h 2 min 3 s", "0 s".
    public static func span(_ milliseconds: UInt64) -> String {
        let seconds = (milliseconds + 500) / 1000
        let parts = [(seconds / 3600, "h"), (seconds / 60 % 60, "min"), (seconds % 60, "s")].filter { $0.0 > 0 }
        return parts.isEmpty ? "0 s" : parts.map { "\($0.0) \($0.1)" }.joined(separator: " ")
    }

    /// `theirs − ours` in ms, clamped to Int64.
    public static func difference(_ theirs: UInt64, _ ours: UInt64) -> Int64 {
        theirs >= ours ? Int64(clamping: theirs - ours) : -Int64(clamping: ours - theirs)
    }

    /// `time` moved by a signed `offset`, clamped at 0.
    public static func moved(_ time: UInt64, by offset: Int64) -> UInt64 {
        offset >= 0 ? time &+ UInt64(offset) : (time > offset.magnitude ? time - offset.magnitude : 0)
    }
}
