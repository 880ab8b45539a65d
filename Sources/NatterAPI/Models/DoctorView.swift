/// `GET /v1/doctor`: what only the running daemon knows, for `natter doctor`.
public struct DoctorView: Codable, Sendable, Equatable {
    /// Every forwarder in use (configured, or found on mDNS), by endpoint.
    public var forwarders: [ForwarderView]
    /// Sources whose handshakes this daemon refused because their clock
    /// differs from this one by more than the handshake accepts (120 s), by address.
    public var clockRefusals: [ClockRefusalView]

    public init(forwarders: [ForwarderView], clockRefusals: [ClockRefusalView]) {
        self.forwarders = forwarders
        self.clockRefusals = clockRefusals
    }
}

/// A source of handshakes refused for their timestamp.
public struct ClockRefusalView: Codable, Sendable, Equatable {
    /// The IP address they came from.
    public var address: String
    /// How many were refused since the daemon started.
    public var count: Int

    public init(address: String, count: Int) {
        self.address = address
        self.count = count
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

    public init(endpoint: String, configured: Bool, registered: Bool) {
        self.endpoint = endpoint
        self.configured = configured
        self.registered = registered
    }
}
