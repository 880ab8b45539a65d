/// Bounds the connections a responder holds before they pass admission, so a
/// flood of connections that never admit (strangers, idle sockets, slow
/// senders) cannot crowd out a colleague (Docs/protocol.md §4.4 step 1).
///
/// Why not a cookie: WireGuard answers with a cookie under load because its
/// handshake runs over UDP, where a source address proves nothing, and a
/// flood of forged sources would otherwise cost DH. natter's runs over TCP,
/// whose three-way handshake already proves the source address, and a message
/// 1 costs one or two HMACs before any DH. What a flood can still take is
/// *room*: sockets, buffers and time waiting for a first message. So:
///
/// - each source may hold at most ``perSource`` unadmitted connections at once
///   (a connection arriving over that is refused at once);
/// - all sources together hold at most ``capacity``; a new connection beyond
///   that evicts the **oldest** unadmitted one. An honest initiator sends its
///   message 1 with the connection and is admitted within a round trip, so it
///   is evicted only if `capacity` newer connections arrive in that time; a
///   stranger's connection that waits for nothing is what goes.
///
/// A connection leaves the gate when it is admitted (its message 1 passed the
/// tag, timestamp and replay checks) or closed. Pure: the caller closes what
/// the answers say.
public struct PendingHandshakes<ID: Hashable & Sendable>: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Serve the connection; close `evicting` first when it is not nil.
        case accept(evicting: ID?)
        /// Close the connection at once: its source already holds ``perSource``.
        case refuse
    }

    public let perSource: Int
    public let capacity: Int
    /// Pending connections and their source.
    private var pending: [ID: String] = [:]
    private var perSourceCount: [String: Int] = [:]
    /// Arrival order; entries no longer pending are skipped lazily.
    private var queue: [ID] = []
    private var head = 0

    public init(perSource: Int = WireConstants.pendingHandshakesPerSource, capacity: Int = WireConstants.pendingHandshakes) {
        precondition(perSource > 0 && capacity > 0)
        self.perSource = perSource
        self.capacity = capacity
    }

    /// How many connections wait for admission now (never above ``capacity``).
    public var count: Int { pending.count }

    /// A connection `id` from `source` was accepted by the kernel.
    public mutating func opened(_ id: ID, from source: String) -> Decision {
        guard perSourceCount[source, default: 0] < perSource else { return .refuse }
        var evicted: ID?
        if pending.count >= capacity, let oldest = popOldest() {
            evicted = oldest
            remove(oldest)
        }
        pending[id] = source
        perSourceCount[source, default: 0] += 1
        queue.append(id)
        return .accept(evicting: evicted)
    }

    /// `id` passed admission or closed: it no longer counts.
    public mutating func settled(_ id: ID) {
        remove(id)
        // Keep the queue's skipped prefix from growing without bound.
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    private mutating func remove(_ id: ID) {
        guard let source = pending.removeValue(forKey: id) else { return }
        let left = perSourceCount[source, default: 1] - 1
        perSourceCount[source] = left > 0 ? left : nil
    }

    private mutating func popOldest() -> ID? {
        while head < queue.count {
            let id = queue[head]
            head += 1
            if pending[id] != nil { return id }
        }
        return nil
    }
}
