public import NatterWire

/// The forwarder's limits and timings. The defaults are the ones
/// `natter-forwarder` runs with when its configuration says nothing.
public struct ForwarderSettings: Sendable, Equatable {
    /// Members registered at once; one more is closed with a log line.
    public var maximumPeers = 10_000
    /// Relays (set up or waiting for their joins) at once; more are refused `.capacity`.
    public var maximumRelays = 1_000
    /// Relayed bytes per second per member, streams and datagrams together.
    public var relayBytesPerSecond = 4 * 1024 * 1024
    /// New connections per source address per ``handshakeWindow``.
    public var handshakesPerSource = 20
    public var handshakeWindow: Duration = .seconds(10)
    /// Relay requests per member per ``relayRequestWindow``.
    public var relayRequestsPerMember = 10
    public var relayRequestWindow: Duration = .seconds(10)
    /// A connection that has not sent its first message by then is closed.
    public var handshakeTimeout: Duration = .seconds(5)
    /// How the kernel notices a vanished member (or relay leg) on an idle
    /// connection: set on every accepted socket; the engine keeps no timer per member.
    public var keepalive = ControlConnectionKeepalive.standard
    /// Changes to the directory are sent to members that take batches at
    /// most this often: during a registration storm each batch carries every
    /// registration of the interval, so each member gets one sealed message
    /// per interval instead of one per newcomer (Docs/protocol.md §9.3).
    public var directoryBatchInterval: Duration = .milliseconds(100)
    /// A relay whose two joins did not both arrive by then expires.
    public var relayJoinTimeout: Duration = .seconds(10)
    /// The UDP port datagrams are relayed on (the TCP port's number), told in `.registered`.
    public var relayUDPPort: UInt16 = 7310

    public init() {}
}

/// A moment for the engine: a monotonic instant for timeouts, and the wall
/// clock (Unix milliseconds) that hello timestamps are checked against. The
/// engine never reads a clock; tests move a fake one.
public struct ForwarderTime: Sendable {
    public var monotonic: ContinuousClock.Instant
    public var unixMilliseconds: UInt64

    public init(monotonic: ContinuousClock.Instant, unixMilliseconds: UInt64) {
        self.monotonic = monotonic
        self.unixMilliseconds = unixMilliseconds
    }

    public static func + (lhs: Self, rhs: Duration) -> Self {
        Self(monotonic: lhs.monotonic + rhs, unixMilliseconds: lhs.unixMilliseconds &+ UInt64(max(0, rhs.wholeMillisecondsForForwarder)))
    }
}

extension Duration {
    var wholeMillisecondsForForwarder: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A connection as the wiring numbers them (never reused while the process runs).
public struct ConnectionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(rawValue)" }
}

/// Where a member's state datagrams come from and go to: the address the
/// forwarder saw its control connection come from, and its registered UDP port.
public struct RelayEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One direction of a datagram relay: datagrams with this index must come
/// from `source` and go on to `destination`; `owner` (the sender's keyed
/// fingerprint) pays for them from its bandwidth budget.
public struct DatagramRoute: Hashable, Sendable {
    public var owner: [UInt8]
    public var source: RelayEndpoint
    public var destination: RelayEndpoint
    public init(owner: [UInt8], source: RelayEndpoint, destination: RelayEndpoint) {
        self.owner = owner
        self.source = source
        self.destination = destination
    }
}

/// Why a connection was closed before it was admitted (or, for
/// `peerCapacity`, before it was registered). Never answered on the wire.
public enum RefusalReason: String, CaseIterable, Sendable {
    /// The first message is not a hello or join the forwarder understands.
    case malformed
    /// A hello not made with this forwarder's key.
    case stranger
    /// A hello whose timestamp is outside the tolerance.
    case stale
    /// A hello seen before.
    case replayed
    /// Too many connections from one source address.
    case rateLimited = "rate_limited"
    /// Nothing (or not all of the first message) within the handshake timeout.
    case timeout
    /// A join with an unknown, used or expired token.
    case unknownToken = "unknown_token"
    /// The directory is full (`max_peers`).
    case peerCapacity = "peer_capacity"
}

extension RefusalReason {
    /// How the log line says it (admission failures say "admission").
    public var logText: String {
        switch self {
        case .malformed: "malformed first message"
        case .stranger: "admission failed (not made with this forwarder's key)"
        case .stale: "admission failed (hello timestamp outside ±120 s)"
        case .replayed: "admission failed (replayed hello)"
        case .rateLimited: "too many connections from this address"
        case .timeout: "no first message within the handshake timeout"
        case .unknownToken: "relay join with an unknown, used or expired token"
        case .peerCapacity: "directory full"
        }
    }
}

public enum ForwarderLogLevel: Sendable, Equatable {
    case debug, info, notice, warning
}

/// What the engine asks its wiring to do, in order.
public enum ForwarderAction: Sendable, Equatable {
    /// Send one message (the wiring adds the 2-byte length prefix).
    case send(ConnectionID, [UInt8])
    /// Close the connection (after what was sent to it before).
    case close(ConnectionID)
    /// From now on copy raw bytes both ways between the two relay
    /// connections; each side's bytes are charged to its member.
    case splice(ConnectionID, memberA: [UInt8], ConnectionID, memberB: [UInt8])
    /// Relay datagrams with this index (adds or replaces the route).
    case addRoute(index: UInt32, DatagramRoute)
    case removeRoute(index: UInt32)
    /// One log line (never key material).
    case log(ForwarderLogLevel, String)
}
