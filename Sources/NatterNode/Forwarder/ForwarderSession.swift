import NatterWire

/// A member's end of one control connection to a forwarder, as a value:
/// the admission handshake, then the sealed channel (Docs/protocol.md §9).
/// It takes the forwarder's messages and returns what to send and what
/// happened; ``ForwarderControlHandler`` moves the bytes.
struct ForwarderSession: Sendable {
    enum Output: Sendable, Equatable {
        /// Write this message (the caller adds the length prefix).
        case send([UInt8])
        /// A message from the forwarder, after the handshake.
        case message(ForwarderMessage)
        /// The forwarder refused the hello for its timestamp and said its
        /// time, Unix ms (Docs/protocol.md §9.3.1): close, and connect again in it.
        case clockHint(UInt64)
    }

    private let handshake: ForwarderClientHandshake
    private var channel: ForwarderChannel?
    /// What to register as, sent as soon as the channel is up.
    private var registration: DirectoryEntry
    /// Asked for in the first registration (none: the plain `register`).
    private let features: ForwarderFeatures
    /// The forwarder is older than kernel keepalives (Docs/protocol.md §9.3,
    /// Liveness): it withdraws a member that sent nothing for 12 s, so this
    /// member answers each of its keepalives and sends one whenever it sent
    /// nothing for ``ForwarderSession/legacyKeepaliveInterval``. Told by the
    /// keepalive it sends unasked — a current forwarder never sends one
    /// except as an answer, and this member asks none before it knows.
    private(set) var forwarderWantsKeepalives = false

    /// An older forwarder's keepalive period, and the longest silence it allows is 12 s.
    static let legacyKeepaliveInterval: Duration = .seconds(4)

    init(key: ForwarderKey, registration: DirectoryEntry, features: ForwarderFeatures = [.directoryBatches], nowMilliseconds: UInt64) {
        handshake = ForwarderClientHandshake(key: key, nowMilliseconds: nowMilliseconds)
        self.registration = registration
        self.features = features
    }

    /// The first message: the hello that proves this member holds the `fwd` key.
    var hello: [UInt8] { handshake.hello }

    var isEstablished: Bool { channel != nil }

    /// Every message from the forwarder, in order. The first must be a
    /// welcome made with the same key; it is answered with the registration.
    /// - Throws: ``ForwarderProtocolError``: the caller closes the connection.
    mutating func receive(_ message: [UInt8]) throws(ForwarderProtocolError) -> [Output] {
        guard var channel else {
            if let time = handshake.clockHint(message) { return [.clockHint(time)] }
            var established = try handshake.complete(welcome: message)
            let register = established.seal(features.isEmpty ? .register(registration) : .registerWithFeatures(registration, features))
            channel = established
            return [.send(register)]
        }
        let opened = try channel.open(message)
        self.channel = channel
        guard opened == .keepalive else { return [.message(opened)] }
        forwarderWantsKeepalives = true
        return [.message(opened), .send(seal(.keepalive)!)]
    }

    /// Seals a message; nil before the handshake completed (nothing may be sent yet).
    mutating func seal(_ message: ForwarderMessage) -> [UInt8]? {
        guard var channel else { return nil }
        let sealed = channel.seal(message)
        self.channel = channel
        return sealed
    }

    /// A new registration (name or status changed): sent now when the
    /// channel is up, and kept for the next connection either way.
    mutating func reregister(_ entry: DirectoryEntry) -> [UInt8]? {
        registration = entry
        return seal(.register(entry))
    }
}

/// Which registration a member sends on its next connection to one
/// forwarder (Docs/protocol.md §9.3, Registration): `registerWithFeatures`
/// asking for directory batches, unless that was just tried and the
/// forwarder, having admitted the connection, closed it before answering
/// `registered` — an older forwarder, which closes on a message type it
/// does not know. Then one plain `register`, and batches are asked for again
/// on the connection after, so a forwarder that was upgraded meanwhile (or a
/// close that had another cause) costs one plain registration at most.
struct RegistrationFeatures: Sendable, Equatable {
    private(set) var plainNext = false

    var features: ForwarderFeatures { plainNext ? [] : [.directoryBatches] }

    /// A connection ended; `admitted`: the forwarder's welcome had arrived.
    mutating func connectionEnded(admitted: Bool, registered: Bool) {
        plainNext = !plainNext && admitted && !registered
    }
}
