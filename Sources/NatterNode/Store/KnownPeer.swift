public import NatterCore

/// A colleague this device has met, remembered across restarts so history and
/// `natter send` work while they are offline.
public struct KnownPeer: Sendable, Equatable {
    public let fingerprint: DeviceFingerprint
    public var displayName: String
    /// Unix milliseconds when discovery or a link last saw them.
    public var lastSeen: UInt64
    /// The per-colleague session-state sharing override; nil follows the global switch.
    public var shareState: Bool?

    public init(fingerprint: DeviceFingerprint, displayName: String, lastSeen: UInt64, shareState: Bool?) {
        self.fingerprint = fingerprint
        self.displayName = displayName
        self.lastSeen = lastSeen
        self.shareState = shareState
    }
}
