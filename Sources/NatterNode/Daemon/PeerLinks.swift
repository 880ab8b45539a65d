public import NatterCore

/// What the daemon says to a colleague over the secure link: the patent's
/// "same format, different content" — chat messages and state events travel in
/// one frame format and share the sender's sequence.
public enum LinkPayload: Sendable, Equatable {
    case chat(id: MessageID, sequence: UInt64, sentAt: UInt64, text: String)
    case state(SessionState, source: UInt32, sequence: UInt64)
    /// "Stored durably": the delivery receipt for a chat message.
    case ack(MessageID)
}

/// What the link layer tells the daemon.
public enum LinkEvent: Sendable {
    /// An authenticated link to `peer` is up (after the handshake and pin check).
    /// `remoteHost` is the address it came from (how static peers are matched).
    case up(DeviceFingerprint, name: String?, remoteHost: String)
    /// The last link to `peer` is gone (closed, keepalive timeout, error).
    case down(DeviceFingerprint)
    case received(LinkPayload, from: DeviceFingerprint)
}

/// The daemon's view of the link layer, kept this small so the daemon's
/// routing can be tested with links in memory and the link layer can change
/// underneath it.
public protocol PeerLinks: Sendable {
    var events: AsyncStream<LinkEvent> { get }
    /// Dials `host:port`; success shows up as a `.up` event (the peer's identity
    /// is known only after the handshake), failure is logged by the link layer.
    func dial(host: String, port: UInt16) async
    /// Hands a frame to the peer's link and returns at once (the write happens
    /// on the link's event loop, in call order); false when there is no usable
    /// link (the daemon keeps chat messages in the outbox and retries).
    /// `preferDatagram` asks for UDP when it gets through (state events).
    /// Synchronous on purpose: the daemon actor calls it directly, so frames
    /// keep the actor's order without a queue and a thread hop in between.
    func send(_ payload: LinkPayload, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool
}
