import NatterWire
import Synchronization

/// Why a datagram sent to the forwarder was not relayed.
public enum DatagramDropReason: String, CaseIterable, Sendable, Error {
    /// Not a relay datagram (wrong version or type, empty, or too long).
    case malformed
    /// No relay has this index (never had, or it was closed).
    case unknownIndex = "unknown_index"
    /// It did not come from the member that owns the index.
    case wrongSource = "wrong_source"
    /// The member is over its relayed-bandwidth budget.
    case overBudget = "over_budget"
}

/// The datagram relay's lookup table, read on the UDP event loop for every
/// datagram and written by the engine's routes: a plain dictionary under a
/// lock (an actor hop per datagram would cost more than the relaying).
///
/// `Endpoint` is the wiring's address type (SwiftNIO's `SocketAddress`), so
/// the per-datagram check is an equality test, not a string conversion.
public final class DatagramRelayTable<Endpoint: Equatable & Sendable>: Sendable {
    public struct Route: Sendable {
        public var owner: [UInt8]
        public var source: Endpoint
        public var destination: Endpoint
        public init(owner: [UInt8], source: Endpoint, destination: Endpoint) {
            self.owner = owner
            self.source = source
            self.destination = destination
        }
    }

    public struct Counters: Sendable, Equatable {
        public var relayedDatagrams = 0
        public var relayedBytes = 0
        public var drops: [DatagramDropReason: Int] = [:]
        public init() {}
    }

    private struct Stored {
        var owner: Int
        var source: Endpoint
        var destination: Endpoint
    }

    /// Routes, counters and the members' budgets under one lock: one
    /// acquisition per datagram.
    private struct State {
        var routes: [UInt32: Stored] = [:]
        var counters = Counters()
        var budget: RelayBudget
    }

    private let state: Mutex<State>

    /// `bytesPerSecond`: each member's relayed bandwidth, streams and datagrams together.
    public init(bytesPerSecond: Int) {
        state = Mutex(State(budget: RelayBudget(bytesPerSecond: bytesPerSecond)))
    }

    public func add(index: UInt32, _ route: Route) {
        state.withLock { state in
            let owner = state.budget.id(of: route.owner, route: true)
            if let old = state.routes.updateValue(Stored(owner: owner, source: route.source, destination: route.destination), forKey: index) {
                state.budget.release(old.owner)
            }
        }
    }

    public func remove(index: UInt32) {
        state.withLock { state in
            if let old = state.routes.removeValue(forKey: index) { state.budget.release(old.owner) }
        }
    }

    public var count: Int { state.withLock { $0.routes.count } }
    public var counters: Counters { state.withLock { $0.counters } }
    /// Members with a bucket that is not full; for tests.
    public var budgetedMembers: Int { state.withLock { $0.budget.trackedMembers } }

    /// Charges `bytes` read from a member's spliced stream and says how long
    /// to pause reading it (the same bucket as the member's datagrams).
    public func charge(_ bytes: Int, member keyed: [UInt8], now: ContinuousClock.Instant) -> Duration {
        state.withLock { state in
            state.budget.charge(bytes, member: state.budget.id(of: keyed, route: false), now: now)
        }
    }

    /// Forgets budgets that are full again; call about once a second.
    public func pruneBudgets(now: ContinuousClock.Instant) {
        state.withLock { $0.budget.prune(now: now) }
    }

    /// Where to send the inner datagram of `datagram` (everything after
    /// ``RelayDatagram/headerLength``), or nil when it is dropped (counted).
    public func destination(of datagram: [UInt8], from source: Endpoint, now: ContinuousClock.Instant) -> Endpoint? {
        destination(index: RelayDatagram.relayIndex(of: datagram), length: datagram.count, from: source, now: now)
    }

    /// The relay's hot path: `index` read by ``RelayDatagram/relayIndex(ofRaw:)``
    /// (nil: malformed), `length` the whole datagram's. One lock, no allocation.
    public func destination(index: UInt32?, length: Int, from source: Endpoint, now: ContinuousClock.Instant) -> Endpoint? {
        let innerLength = length - RelayDatagram.headerLength
        return state.withLock { state -> Endpoint? in
            guard let index else {
                state.counters.drops[.malformed, default: 0] += 1
                return nil
            }
            guard let route = state.routes[index] else {
                state.counters.drops[.unknownIndex, default: 0] += 1
                return nil
            }
            guard route.source == source else {
                state.counters.drops[.wrongSource, default: 0] += 1
                return nil
            }
            guard state.budget.take(innerLength, member: route.owner, now: now) else {
                state.counters.drops[.overBudget, default: 0] += 1
                return nil
            }
            state.counters.relayedDatagrams += 1
            state.counters.relayedBytes += innerLength
            return route.destination
        }
    }
}
