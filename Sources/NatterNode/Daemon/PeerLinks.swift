public import NatterCore
public import NatterWire

/// What the link layer tells the daemon.
public enum LinkEvent: Sendable, Equatable {
    /// An authenticated link to `peer` is up and its hello arrived: `name` is
    /// the display name it claims (the daemon checks it against the pins before
    /// trusting the link), `remoteHost` the address it came from (how static
    /// peers are matched).
    case up(DeviceFingerprint, name: String, remoteHost: String)
    /// The last link to `peer` is gone (closed, keepalive timeout, error).
    case down(DeviceFingerprint)
    /// A chat, state or ack frame from `peer`, in the order it was received.
    case received(Frame, from: DeviceFingerprint)
}

/// The daemon's view of the link layer, kept this small so the daemon's
/// decisions can be tested with links in memory (`NatterTesting`) and the link
/// layer can change underneath it.
public protocol PeerLinks: Sendable {
    var events: AsyncStream<LinkEvent> { get }
    /// Dials `host:port`; success shows up as an `.up` event (the peer's identity
    /// is known only after the handshake), failure is logged by the link layer.
    func dial(host: String, port: UInt16) async
    /// Hands a frame to the peer's link and returns at once (the write happens
    /// on the link's event loop, in call order); false when there is no usable
    /// link (the daemon keeps chat messages in the outbox and retries).
    /// `preferDatagram` asks for UDP when it gets through (state events).
    /// Synchronous on purpose: the daemon actor calls it directly, so frames
    /// keep the actor's order without a queue and a thread hop in between.
    @discardableResult
    func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool
    /// Closes every link to `peer` without a goodbye: the daemon refused it
    /// (a device presenting a pinned name with another key).
    func disconnect(_ peer: DeviceFingerprint)
}
