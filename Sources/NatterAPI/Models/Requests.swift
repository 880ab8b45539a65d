/// `POST /v1/messages`. PEER is a display name or a fingerprint prefix.
public struct SendRequest: Codable, Sendable, Equatable {
    public var peer: String
    public var text: String
    public init(peer: String, text: String) {
        self.peer = peer
        self.text = text
    }
}

/// `POST /v1/messages/batch`: up to `MessageBatch.maximumCount` texts for one colleague, sent in this order.
public struct SendBatchRequest: Codable, Sendable, Equatable {
    public var peer: String
    public var texts: [String]
    public init(peer: String, texts: [String]) {
        self.peer = peer
        self.texts = texts
    }
}

/// `POST /v1/status`.
public struct PresenceRequest: Codable, Sendable, Equatable {
    public var status: PresenceStatus
    public init(status: PresenceStatus) { self.status = status }
}

/// `POST /v1/privacy`: the global switch when `peer` is absent, else an override
/// for that colleague (`shareState` absent or null removes the override).
public struct PrivacyRequest: Codable, Sendable, Equatable {
    public var shareState: Bool?
    public var peer: String?
    public init(shareState: Bool?, peer: String?) {
        self.shareState = shareState
        self.peer = peer
    }
}

/// `POST /v1/windows`: a front end opened a conversation window.
public struct OpenWindowRequest: Codable, Sendable, Equatable {
    public var peer: String
    public init(peer: String) { self.peer = peer }
}

/// `POST /v1/windows/{id}/signals`: one detector signal from the window.
/// Front ends may send the signals whose `isReportedByFrontEnds` is true.
public struct SignalRequest: Codable, Sendable, Equatable {
    public var signal: DetectorSignal
    public init(signal: DetectorSignal) { self.signal = signal }
}

/// `POST /v1/trust`: accept the device key last refused for a pinned name.
public struct TrustRequest: Codable, Sendable, Equatable {
    public var peer: String
    public init(peer: String) { self.peer = peer }
}
