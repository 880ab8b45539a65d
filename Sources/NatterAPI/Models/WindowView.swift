/// The answer to `POST /v1/windows`: the new window and whom it is with.
public struct WindowView: Codable, Sendable, Equatable {
    public var window: UInt32
    public var peer: String
    public var peerName: String

    public init(window: UInt32, peer: String, peerName: String) {
        self.window = window
        self.peer = peer
        self.peerName = peerName
    }
}

/// The answer to `POST /v1/trust`: the name now pins `trusted` instead of `previous`.
public struct TrustView: Codable, Sendable, Equatable {
    public var name: String
    public var previous: String
    public var trusted: String

    public init(name: String, previous: String, trusted: String) {
        self.name = name
        self.previous = previous
        self.trusted = trusted
    }
}

/// The body of answers that carry nothing (`{}`).
public struct EmptyReply: Codable, Sendable, Equatable {
    public init() {}
}
