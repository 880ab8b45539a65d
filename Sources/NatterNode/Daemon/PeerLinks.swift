public import NatterCore
public import NatterWire

/// What the link layer tells the daemon.
public enum LinkEvent: Sendable, Equatable {
    /// An authenticated link to `peer` is up and its hello arrived: `name` is
    /// the display name it claims (the daemon checks it against the pins before
    /// trusting the link), `remoteHost` the address it came from (how static
    /// peers are matched), `relayed` whether it runs through a forwarder.
    /// Sent again when a new link replaces the peer's current one (its hello
    /// may claim another name), while the peer stays up.
    case up(DeviceFingerprint, name: String, remoteHost: String, relayed: Bool = false)
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
    /// Hands every event to `sink` instead of through ``events``, in order,
    /// on the thread that made it, including any not yet consumed; false when
    /// this link layer cannot, or ``events`` was already taken. The daemon
    /// uses it to take events on its own event loop without a thread switch.
    func deliverEvents(to sink: @escaping @Sendable (LinkEvent) -> Void) -> Bool
    /// Dials `host:port`; success shows up as an `.up` event. Returns false when
    /// no connection could be made (the daemon may then try a relay).
    /// - Parameter peer: the device discovery announced there. The first
    ///   message is bound to it, so no other member can answer (or be sent a
    ///   replay of it), and a link to anyone else is closed. nil for a static
    ///   peer, whose identity only the handshake reveals (Docs/protocol.md §4.3).
    @discardableResult
    func dial(host: String, port: UInt16, expecting peer: DeviceFingerprint?) async -> Bool
    /// Hands a frame to the peer's link and returns at once (the write happens
    /// on the link's event loop, in call order); false when there is no usable
    /// link (the daemon keeps chat messages in the outbox and retries).
    /// `preferDatagram` asks for UDP when it gets through (state events).
    /// Synchronous on purpose: the daemon actor calls it directly, so frames
    /// keep the actor's order without a queue and a thread hop in between.
    @discardableResult
    func send(_ frame: Frame, to peer: DeviceFingerprint, preferDatagram: Bool) -> Bool
    /// Hands several stream frames (chat messages, receipts) to the peer's
    /// link at once: written in order and flushed once, which is what makes a
    /// group commit's receipts cheap. Same contract as the single send.
    @discardableResult
    func send(_ frames: [Frame], to peer: DeviceFingerprint) -> Bool
    /// Closes every link to `peer` without a goodbye: the daemon refused it
    /// (a device presenting a pinned name with another key).
    func disconnect(_ peer: DeviceFingerprint)
    /// Drops at once, without a goodbye, every link running from an address
    /// not among `localAddresses` (every link when nil): this machine slept,
    /// or no longer has the address a link runs from, so the link is dead or
    /// about to be (`NetworkWatch`). Returns the colleagues whose link was
    /// dropped; no `.down` event follows for them, the daemon takes them
    /// offline itself, before it dials them again.
    func dropLinks(unlessFrom localAddresses: Set<String>?) -> [DeviceFingerprint]
}

extension PeerLinks {
    /// Only the stream, for link layers with nothing better.
    public func deliverEvents(to sink: @escaping @Sendable (LinkEvent) -> Void) -> Bool { false }

    /// One frame at a time, for link layers with nothing better.
    @discardableResult
    public func send(_ frames: [Frame], to peer: DeviceFingerprint) -> Bool {
        frames.allSatisfy { send($0, to: peer, preferDatagram: false) }
    }
}

/// Where a relayed link's state datagrams go: the forwarder's UDP port, with
/// the relay index its invitation gave this side (Docs/protocol.md §9.4).
public struct RelayRoute: Sendable, Equatable {
    public let host: String
    public let udpPort: UInt16
    public let index: UInt32

    public init(host: String, udpPort: UInt16, index: UInt32) {
        self.host = host
        self.udpPort = udpPort
        self.index = index
    }
}

/// Asks a forwarder to relay a link to a colleague that cannot be dialled
/// directly. The daemon sees the forwarders through this alone.
public protocol RelayDialer: Sendable {
    /// Sets up a relayed link to `peer` through a forwarder that lists it;
    /// false when none would (not listed, refused, unreachable). Success
    /// shows up as an `.up` event like any dial.
    func relay(to peer: DeviceFingerprint) async -> Bool
}
