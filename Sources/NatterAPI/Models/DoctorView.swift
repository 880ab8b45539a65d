/// `GET /v1/doctor`: what only the running daemon knows, for `natter doctor`.
public struct DoctorView: Codable, Sendable, Equatable {
    /// Every forwarder in use (configured, or found on mDNS), by endpoint.
    public var forwarders: [ForwarderView]

    public init(forwarders: [ForwarderView]) {
        self.forwarders = forwarders
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
