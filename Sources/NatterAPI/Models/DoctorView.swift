/// `GET /v1/doctor`: what only the running daemon knows, for `natter doctor`.
public struct DoctorView: Codable, Sendable, Equatable {
    /// Every forwarder in use (configured, or found on mDNS), by endpoint.
    public var forwarders: [ForwarderView]
    /// Sources whose handshakes this daemon refused because their clock
    /// differs from this one by more than the handshake accepts (120 s), by address.
    public var clockRefusals: [ClockRefusalView]
    /// Linked colleagues whose clock differs from this one by more than the
    /// handshake accepts: natter links anyway (Docs/protocol.md §4.4.1), but
    /// the clock is wrong on one side.
    public var clockDifferences: [ClockDifferenceView]
    /// The colleague asked about with `?peer=`; absent otherwise.
    public var peer: DoctorPeerView?

    public init(
        forwarders: [ForwarderView], clockRefusals: [ClockRefusalView], clockDifferences: [ClockDifferenceView] = [], peer: DoctorPeerView? = nil
    ) {
        self.forwarders = forwarders
        self.clockRefusals = clockRefusals
        self.clockDifferences = clockDifferences
        self.peer = peer
    }
}

/// A colleague's clock, measured at a handshake.
public struct ClockDifferenceView: Codable, Sendable, Equatable {
    /// The colleague's compact fingerprint (as `GET /v1/peers` gives it).
    public var fingerprint: String
    /// Their clock minus this one, in milliseconds (negative: theirs is behind).
    public var differenceMilliseconds: Int64

    public init(fingerprint: String, differenceMilliseconds: Int64) {
        self.fingerprint = fingerprint
        self.differenceMilliseconds = differenceMilliseconds
    }
}

/// A source of handshakes refused for their timestamp.
public struct ClockRefusalView: Codable, Sendable, Equatable {
    /// The IP address they came from.
    public var address: String
    /// How many were refused since the daemon started (until a link from that address completed).
    public var count: Int
    /// The last one's timestamp minus this clock, in milliseconds.
    public var differenceMilliseconds: Int64

    public init(address: String, count: Int, differenceMilliseconds: Int64 = 0) {
        self.address = address
        self.count = count
        self.differenceMilliseconds = differenceMilliseconds
    }
}

/// A forwarder and whether this member is registered with it.
public struct ForwarderView: Codable, Sendable, Equatable {
    /// `host:port` (`[v6]:port`).
    public var endpoint: String
    /// From config.toml; false when found on mDNS.
    public var configured: Bool
    /// It accepted this member's registration on the current connection.
    public var registered: Bool
    /// Its clock minus this one, ms, when its clock hint showed they differ by
    /// more than 120 s (Docs/protocol.md §9.3.1); absent otherwise.
    public var clockDifferenceMilliseconds: Int64?

    public init(endpoint: String, configured: Bool, registered: Bool, clockDifferenceMilliseconds: Int64? = nil) {
        self.endpoint = endpoint
        self.configured = configured
        self.registered = registered
        self.clockDifferenceMilliseconds = clockDifferenceMilliseconds
    }
}
