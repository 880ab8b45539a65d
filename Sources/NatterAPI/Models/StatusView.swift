/// `GET /v1/status`: who this daemon is.
public struct StatusView: Codable, Sendable, Equatable {
    public var name: String
    /// The compact base32 fingerprint.
    public var fingerprint: String
    /// The fingerprint grouped for reading aloud.
    public var fingerprintGroups: String
    public var teamTag: String
    public var status: PresenceStatus
    /// The global session-state sharing switch.
    public var shareState: Bool
    public var tcpPort: Int
    public var udpPort: Int
    public var version: String
    /// The user's `language` setting: the language of state lines, which a
    /// front end with texts of its own (the web UI) speaks too.
    public var language: DisplayLanguage

    public init(
        name: String, fingerprint: String, fingerprintGroups: String, teamTag: String, status: PresenceStatus,
        shareState: Bool, tcpPort: Int, udpPort: Int, version: String, language: DisplayLanguage = .english
    ) {
        self.name = name
        self.fingerprint = fingerprint
        self.fingerprintGroups = fingerprintGroups
        self.teamTag = teamTag
        self.status = status
        self.shareState = shareState
        self.tcpPort = tcpPort
        self.udpPort = udpPort
        self.version = version
        self.language = language
    }
}
