/// A `state` event: a colleague's combined session state changed.
public struct StateView: Codable, Sendable, Equatable {
    public var type: APIEvent.Kind = .state
    public var peer: String
    public var peerName: String
    public var state: SessionState
    /// The line to show, in the configured language; absent for `active`.
    public var text: String?

    public init(peer: String, peerName: String, state: SessionState, text: String?) {
        self.peer = peer
        self.peerName = peerName
        self.state = state
        self.text = text
    }
}
