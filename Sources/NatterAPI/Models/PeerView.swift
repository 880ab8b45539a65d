/// A colleague as `GET /v1/peers` lists them and `peer` events report them.
public struct PeerView: Codable, Sendable, Equatable {
    public var type: APIEvent.Kind = .peer
    public var fingerprint: String
    public var name: String
    public var online: Bool
    /// Their presence status while online; absent when offline.
    public var status: PresenceStatus?
    /// Their combined session state towards this user (`active`: nothing to show).
    public var state: SessionState
    /// Unix milliseconds when last seen.
    public var lastSeen: UInt64
    /// This user's sharing override for them; absent when it follows the global switch.
    public var shareState: Bool?
    /// How the link runs while online: straight to them, or through a forwarder.
    public var link: LinkPath?
    /// The line to show for `state`, in the configured language (as `StateView.text`); absent for `active`.
    public var text: String?

    public init(
        fingerprint: String, name: String, online: Bool, status: PresenceStatus?, state: SessionState,
        lastSeen: UInt64, shareState: Bool?, link: LinkPath? = nil, text: String? = nil
    ) {
        self.fingerprint = fingerprint
        self.name = name
        self.online = online
        self.status = status
        self.state = state
        self.lastSeen = lastSeen
        self.shareState = shareState
        self.link = link
        self.text = text
    }
}

/// How a link to a colleague runs (Docs/api.md): `direct`, or `relayed`
/// through a forwarder because no direct connection could be made.
public enum LinkPath: String, Codable, Sendable {
    case direct
    case relayed
}
