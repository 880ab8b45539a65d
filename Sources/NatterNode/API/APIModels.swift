/// The JSON documents of the local API (see Docs/api.md). Field names are the
/// contract with front ends: add fields, never rename or remove them.
///
/// Fingerprints appear in their compact base32 form; session states by the
/// names of `SessionState` cases ("typing", "pausedTyping", …, "active" for none).

/// `GET /v1/status`: who this daemon is.
public struct StatusView: Codable, Sendable, Equatable {
    public var name: String
    public var fingerprint: String
    /// The fingerprint grouped for reading aloud.
    public var fingerprintGroups: String
    public var teamTag: String
    /// available, away or busy.
    public var status: String
    /// The global session-state sharing switch.
    public var shareState: Bool
    public var tcpPort: Int
    public var udpPort: Int
    public var version: String
}

/// A colleague as `GET /v1/peers` lists them and `peer` events report them.
public struct PeerView: Codable, Sendable, Equatable {
    public var type = "peer"
    public var fingerprint: String
    public var name: String
    public var online: Bool
    /// Their presence status (available, away, busy) while online.
    public var status: String?
    /// Their combined session state towards this user ("active" = nothing to show).
    public var state: String
    /// Unix milliseconds when last seen.
    public var lastSeen: UInt64
    /// This user's sharing override for them; nil follows the global switch.
    public var shareState: Bool?
}

/// A message as history and `message`/`delivery` events carry it.
public struct MessageView: Codable, Sendable, Equatable {
    /// "message" for a new message, "delivery" for a delivery receipt.
    public var type: String
    public var id: String
    /// The colleague's fingerprint (the conversation).
    public var peer: String
    public var peerName: String
    /// "outgoing" or "incoming".
    public var direction: String
    public var text: String
    public var sequence: UInt64
    /// Unix milliseconds by the sender's clock.
    public var sentAt: UInt64
    public var receivedAt: UInt64?
    /// queued, delivered or received.
    public var delivery: String
}

/// A `state` event: the colleague's combined session state changed.
public struct StateView: Codable, Sendable, Equatable {
    public var type = "state"
    public var peer: String
    public var peerName: String
    public var state: String
    /// The line to show, in the configured language; nil for "active".
    public var text: String?
}

/// `POST /v1/messages`.
public struct SendRequest: Codable, Sendable {
    public var peer: String
    public var text: String
    public init(peer: String, text: String) { self.peer = peer; self.text = text }
}

/// `POST /v1/status`.
public struct PresenceRequest: Codable, Sendable {
    public var status: String
    public init(status: String) { self.status = status }
}

/// `POST /v1/privacy`: the global switch when `peer` is absent, else an override
/// for that colleague (`shareState: null` removes the override).
public struct PrivacyRequest: Codable, Sendable {
    public var shareState: Bool?
    public var peer: String?
    public init(shareState: Bool?, peer: String?) { self.shareState = shareState; self.peer = peer }
}

/// `POST /v1/windows`: a front end opened a conversation window.
public struct OpenWindowRequest: Codable, Sendable {
    public var peer: String
    public init(peer: String) { self.peer = peer }
}

/// The answer to `POST /v1/windows`.
public struct WindowView: Codable, Sendable {
    public var window: UInt32
    public var peer: String
    public var peerName: String
}

/// `POST /v1/windows/{id}/signals`: one detector signal from the window.
public struct SignalRequest: Codable, Sendable {
    /// keystroke, inputCleared, messageSent, focused, unfocused, minimized,
    /// restored, closed, activity.
    public var signal: String
    public init(signal: String) { self.signal = signal }
}
