public import NatterAPI

/// What ``PeerLinkService/checkPath(to:)`` found about the link to one
/// colleague, for `GET /v1/doctor?peer=`.
public struct LinkPathCheck: Sendable, Equatable {
    /// Direct or relayed; nil when there is no link.
    public var link: LinkPath?
    /// The TCP remote end: the colleague's address, or the forwarder's `host:port`.
    public var remote: String?
    public var udp: UDPCheckView
    public var lastError: LinkErrorView?
}
