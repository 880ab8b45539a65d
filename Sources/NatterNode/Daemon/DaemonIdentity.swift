public import NatterCore

/// Who this daemon is, as the API reports it; fixed for the daemon's lifetime.
public struct DaemonIdentity: Sendable {
    public let fingerprint: DeviceFingerprint
    /// The team tag (hex), safe to show.
    public let teamTag: String

    public init(fingerprint: DeviceFingerprint, teamTag: String) {
        self.fingerprint = fingerprint
        self.teamTag = teamTag
    }
}
