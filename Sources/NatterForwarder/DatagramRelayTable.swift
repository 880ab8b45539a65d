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

    private struct State {
        var routes: [UInt32: Route] = [:]
        var counters = Counters()
    }

    private let state = Mutex(State())
    private let budget: RelayBudget

    public init(budget: RelayBudget) {
        self.budget = budget
    }

    public func add(index: UInt32, _ route: Route) { state.withLock { $0.routes[index] = route } }
    public func remove(index: UInt32) { state.withLock { $0.routes[index] = nil } }
    public var count: Int { state.withLock { $0.routes.count } }
    public var counters: Counters { state.withLock { $0.counters } }

    /// Where to send the inner datagram of `datagram` (everything after
    /// ``RelayDatagram/headerLength``), or nil when it is dropped (counted).
    public func destination(of datagram: some RandomAccessCollection<UInt8>, from source: Endpoint, now: ContinuousClock.Instant) -> Endpoint? {
        let index = RelayDatagram.relayIndex(of: datagram)
        let innerLength = datagram.count - RelayDatagram.headerLength
        let found: Route? = state.withLock { state in
            let route: Result<Route, DatagramDropReason> =
                if let index {
                    if let route = state.routes[index] { route.source == source ? .success(route) : .failure(.wrongSource) } else {
                        .failure(.unknownIndex)
                    }
                } else { .failure(.malformed) }
            switch route {
            case .success(let route): return route
            case .failure(let reason):
                state.counters.drops[reason, default: 0] += 1
                return nil
            }
        }
        switch found {
        case nil:
            return nil
        case let route?:
            guard budget.take(innerLength, member: route.owner, now: now) else {
                state.withLock { $0.counters.drops[.overBudget, default: 0] += 1 }
                return nil
            }
            state.withLock {
                $0.counters.relayedDatagrams += 1
                $0.counters.relayedBytes += innerLength
            }
            return route.destination
        }
    }
}
