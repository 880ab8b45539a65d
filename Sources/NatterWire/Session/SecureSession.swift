public import Crypto
public import NatterCore
import Foundation

/// One end of a natter link as a pure state machine: it runs the admission
/// check and the Noise `XXpsk3` handshake, then seals and opens frames, and
/// keeps the link's rules on what the peer may send when. It takes bytes and
/// the time, and returns bytes to send and what happened; the NIO handler
/// around it only moves bytes and carries out the outputs (Docs/protocol.md).
public struct SecureSession: Sendable {
    public enum Output: Sendable, Equatable {
        /// Write this message (the caller adds the 2-byte length prefix).
        case send([UInt8])
        /// The handshake completed; the peer proved the team key and owns this
        /// static key. `datagramKeys` seal and open this session's UDP datagrams.
        case established(remoteStaticKey: [UInt8], datagramKeys: DatagramKeys)
        /// A frame from the peer: its hello first, then anything but another hello.
        case frame(Frame)
        /// A frame that authenticated but that this version cannot use (a
        /// state code from a newer peer): skipped, and the link stays up.
        case skipped(FrameError)
        /// A rekey (Docs/protocol.md §5.8) made a new datagram session: accept
        /// datagrams to `index` under `key` from now on, and keep the previous
        /// session only briefly for datagrams in flight.
        case installDatagramReceive(index: UInt32, key: SymmetricKey)
        /// A rekey finished on the peer's side: send datagrams to `index`
        /// under `key` from now on, counting from 0.
        case switchDatagramSend(index: UInt32, key: SymmetricKey)
        /// This side switched to the keys of epoch `epoch` (1 for the first rekey).
        case rekeyed(epoch: UInt64)
        /// Initiator: the responder refused the first message for its timestamp
        /// and told its own wall clock, Unix ms (§4.4.1). The connection is
        /// over; dial again with a timestamp in the responder's time.
        case clockHint(responderMilliseconds: UInt64)
    }

    /// Keys for one session's UDP datagrams, exported from the handshake.
    public struct DatagramKeys: Sendable, Equatable {
        public let send: SymmetricKey
        public let receive: SymmetricKey
    }

    public let isInitiator: Bool
    private let admit: SymmetricKey
    /// This device: what a responder's admission binding must name.
    private let local: DeviceFingerprint
    /// The initiator's target: its first message is bound to it and the
    /// handshake must end with its key; nil when it dials an address without
    /// knowing who answers. Always nil for a responder.
    private let responder: DeviceFingerprint?
    private var handshake: NoiseHandshake
    private let rekeyPolicy: RekeyPolicy
    /// The stream's keys and their rekeys, once the handshake completed.
    private var transport: LinkTransport?
    private var firstMessage: [UInt8] = []
    /// The responder has had its one chance at a first message (admitted or not).
    private var firstMessageReceived = false
    private var helloReceived = false

    /// The prologue binds the protocol version and the team tag, so peers of
    /// different versions or teams cannot complete a handshake by accident.
    public static func prologue(team: TeamKey) -> [UInt8] {
        Array("natter/v\(WireConstants.protocolVersion)".utf8) + team.subkeys.teamTag.bytes
    }

    /// - Parameter responder: for an initiator, the device it dials (from the
    ///   mDNS record, a forwarder's directory or a relay request), which binds
    ///   the first message to it (Docs/protocol.md §4.3); nil for an address
    ///   whose device is unknown (a static peer). Ignored for a responder.
    public init(
        initiator: Bool, identity: DeviceIdentity, team: TeamKey, responder: DeviceFingerprint? = nil,
        ephemeral: Curve25519.KeyAgreement.PrivateKey? = nil, rekeyPolicy: RekeyPolicy = .standard
    ) {
        isInitiator = initiator
        local = identity.fingerprint
        self.responder = initiator ? responder : nil
        self.rekeyPolicy = rekeyPolicy
        let subkeys = team.subkeys
        admit = subkeys.admit
        handshake = NoiseHandshake(
            pattern: .xxpsk3, initiator: initiator, prologue: Self.prologue(team: team),
            staticKey: identity.privateKey, psk: subkeys.psk, ephemeral: ephemeral)
    }

    public var isEstablished: Bool { transport != nil }

    /// Completed rekeys on this link (0 before the first).
    public var epoch: UInt64 { transport?.epoch ?? 0 }

    /// The initiator's first message.
    public mutating func start(nowMilliseconds: UInt64) throws(LinkError) -> [UInt8] {
        precondition(isInitiator, "only the initiator starts")
        let noise: [UInt8]
        do { noise = try handshake.writeMessage() } catch { throw .handshake(error) }
        var body: [UInt8] = []
        FrameCodec.append(nowMilliseconds, to: &body)
        body += Envelope.firstTag(noise, timestamp: nowMilliseconds, responder: responder, admit: admit) + noise
        firstMessage = Envelope.wrap(.handshake1, body)
        return firstMessage
    }

    /// Every message from the peer, in order, both roles.
    ///
    /// The responder's first message must be a handshake 1 that passes
    /// admission (Docs/protocol.md §4.4): its admit tag (bound to this
    /// responder, or unbound) and timestamp are checked before any key work,
    /// then `isFresh` is asked whether it is new. The replay cache behind
    /// `isFresh` is shared by all of a node's connections and outlives none of
    /// its restarts (its floor does that), so it stays with the caller.
    /// - Parameters:
    ///   - nowMilliseconds: the time now, Unix ms (checked against the first message's timestamp).
    ///   - isFresh: records an admitted message and answers false when it is a
    ///     replay (``HandshakeReplayCache/insert(_:timestamp:nowMilliseconds:)``).
    /// - Throws: ``LinkError``; the caller drops the connection and tells the peer nothing.
    public mutating func receive(
        _ message: [UInt8], nowMilliseconds: UInt64, isFresh: (_ admitted: Envelope.Admitted) -> Bool
    ) throws(LinkError) -> [Output] {
        guard !isInitiator, !firstMessageReceived else { return try receive(message) }
        firstMessageReceived = true
        let (type, body) = try Envelope.unwrap(message)
        guard type == .handshake1 else { throw .unexpectedMessage(type.rawValue) }
        let admitted = try Envelope.admitFirst(
            body, admit: admit, responder: local, nowMilliseconds: nowMilliseconds)
        guard isFresh(admitted) else { throw .replayedHandshake }
        return try respond(toAdmitted: admitted.noise, fullMessage: message)
    }

    /// The responder's handling of an already admitted first message
    /// (``Envelope/admitFirst(_:admit:nowMilliseconds:)`` ran and the tag was
    /// fresh). ``receive(_:nowMilliseconds:isFresh:)`` does both; the fuzzer
    /// calls this directly to reach the Noise parser behind admission.
    public mutating func respond(toAdmitted noise: [UInt8], fullMessage: [UInt8]) throws(LinkError) -> [Output] {
        precondition(!isInitiator, "only the responder responds")
        firstMessageReceived = true
        do {
            _ = try handshake.readMessage(noise)
            let answer = try handshake.writeMessage()
            let tag = Envelope.secondTag(firstMessage: fullMessage, noise: answer, admit: admit)
            return [.send(Envelope.wrap(.handshake2, tag + answer))]
        } catch {
            throw .handshake(error)
        }
    }

    /// What a responder writes before closing a connection whose first
    /// message ``receive(_:nowMilliseconds:isFresh:)`` refused with `error`
    /// (§4.4.1): a clock hint when the message was admitted and only its
    /// timestamp was out of the tolerance (and the caller's budget allows a
    /// hint), a decoy as long as a hint for every other refusal at admission,
    /// nil (close silently) for anything malformed. No DH either way.
    public func answer(refusing message: [UInt8], after error: LinkError, nowMilliseconds: UInt64, hintAllowed: Bool) -> [UInt8]? {
        guard !isInitiator, !isEstablished else { return nil }
        switch error {
        case .staleHandshake where hintAllowed:
            return ClockHint.hint(answering: message, responderMilliseconds: nowMilliseconds, admit: admit)
        case .staleHandshake, .admissionFailed, .replayedHandshake:
            return ClockHint.decoy()
        default:
            return nil
        }
    }

    /// Every message after the responder's first, and all of the initiator's
    /// (which need no admission context). A handshake 1 here is out of turn:
    /// admission cannot be skipped by calling this first.
    /// - Parameters:
    ///   - now: the monotonic time, for the key schedule (§5.8).
    ///   - freshIndex: reserves an unused receiver index when a rekey needs one.
    public mutating func receive(
        _ message: [UInt8], now: ContinuousClock.Instant = .now, freshIndex: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) throws(LinkError) -> [Output] {
        let (type, body) = try Envelope.unwrap(message)
        switch (type, isInitiator, isEstablished) {
        case (.handshake2, true, false):
            guard body.count >= Envelope.tagLength else { throw .truncated }
            let tag = Array(body.prefix(Envelope.tagLength)), noise = Array(body.dropFirst(Envelope.tagLength))
            guard Envelope.constantTimeEqual(tag, Envelope.secondTag(firstMessage: firstMessage, noise: noise, admit: admit)) else {
                throw .admissionFailed
            }
            do {
                _ = try handshake.readMessage(noise)
            } catch {
                throw .handshake(error)
            }
            // A dial meant for one device links to that device only: a member
            // who holds the team key could answer a message bound to someone
            // else, but not with their key (Docs/protocol.md §4.4).
            if let responder, DeviceFingerprint(publicKey: handshake.remoteStaticKey ?? []) != responder {
                throw .unexpectedResponder
            }
            do {
                let third = try handshake.writeMessage()
                return [.send(Envelope.wrap(.handshake3, third)), finish(now: now)]
            } catch {
                throw .handshake(error)
            }
        case (.clockHint, true, false):
            // Only the responder of our own first message can have made it;
            // anything else (a decoy) says the message was refused, not why.
            guard !firstMessage.isEmpty, let time = ClockHint.read(body, answering: firstMessage, admit: admit) else {
                throw .refusedByResponder
            }
            return [.clockHint(responderMilliseconds: time)]
        case (.handshake3, false, false):
            guard firstMessageReceived else { throw .unexpectedMessage(type.rawValue) }
            do {
                _ = try handshake.readMessage(body)
            } catch {
                throw .handshake(error)
            }
            return [finish(now: now)]
        case (.transport, _, true):
            guard var link = transport else { throw .notEstablished }
            defer { transport = link }
            let plaintext = try link.open(body)
            let message: TransportMessage
            do {
                message = try FrameCodec.decodeMessage(plaintext)
            } catch .unknownState(let code) {
                return [.skipped(.unknownState(code))]
            } catch {
                throw .frame(error)
            }
            switch message {
            case .frame(let frame): return accept(frame)
            case .control(let control): return try link.receive(control, now: now, freshIndex: freshIndex).map(Self.output)
            }
        case (.transport, _, false):
            throw .notEstablished
        default:
            throw .unexpectedMessage(type.rawValue)
        }
    }

    /// One hello per link, and it comes first: nothing counts before the peer
    /// said who it is to humans and where its datagrams come from, and a second
    /// hello could claim (and get pinned under) another name. Both are dropped
    /// without closing the link.
    private mutating func accept(_ frame: Frame) -> [Output] {
        if case .hello = frame {
            guard !helloReceived else { return [] }
            helloReceived = true
            return [.frame(frame)]
        }
        return helloReceived ? [.frame(frame)] : []
    }

    /// Pads and encrypts a frame for the stream.
    public mutating func seal(_ frame: Frame) throws(LinkError) -> [UInt8] {
        guard var link = transport else { throw .notEstablished }
        defer { transport = link }
        let plaintext = FrameCodec.encode(frame)
        guard plaintext.count <= WireConstants.maximumFrameBytes else { throw .frame(.oversized(plaintext.count)) }
        return try link.seal(plaintext)
    }

    /// When ``tick(now:freshIndex:)`` must next be called although no frame
    /// went either way (§5.8): a timer set for this instead of a periodic
    /// tick costs one wake-up per key lifetime, not one a second. nil while
    /// there is nothing the clock alone can bring (not established, or a
    /// dialler still waiting for the peer's hello: the tick after it sets one).
    public var keyDeadline: ContinuousClock.Instant? {
        guard let transport, helloReceived || !isInitiator else { return nil }
        return transport.keyDeadline
    }

    /// The key schedule's clock (§5.8): call it at ``keyDeadline`` and after
    /// frames go either way.
    /// The dialler starts a rekey when one is due, once the peer's hello is in;
    /// either side throws ``LinkError/keysExpired`` for keys past their limit
    /// (close the link).
    public mutating func tick(
        now: ContinuousClock.Instant, freshIndex: () -> UInt32 = { UInt32.random(in: 1...UInt32.max) }
    ) throws(LinkError) -> [Output] {
        guard var link = transport else { return [] }
        defer { transport = link }
        // The dialler rekeys only once the hello exchange is done.
        guard helloReceived || !isInitiator else { return [] }
        return try link.tick(now: now, freshIndex: freshIndex).map(Self.output)
    }

    private static func output(_ step: LinkTransport.Step) -> Output {
        switch step {
        case .send(let bytes): .send(bytes)
        case .installDatagramReceive(let index, let key): .installDatagramReceive(index: index, key: key)
        case .switchDatagramSend(let index, let key): .switchDatagramSend(index: index, key: key)
        case .rekeyed(let epoch): .rekeyed(epoch: epoch)
        }
    }

    /// Splits the transport ciphers and exports the datagram keys and the
    /// first chaining secret of the key schedule (§5.8).
    private mutating func finish(now: ContinuousClock.Instant) -> Output {
        let (toResponder, toInitiator) = handshake.split()
        transport = LinkTransport(
            isInitiator: isInitiator, send: isInitiator ? toResponder : toInitiator, receive: isInitiator ? toInitiator : toResponder,
            chainingKey: handshake.exportKeys(label: LinkTransport.chainingLabel).initiatorToResponder, policy: rekeyPolicy, now: now)
        let keys = handshake.exportKeys(label: "natter udp v1")
        let datagramKeys = isInitiator
            ? DatagramKeys(send: keys.initiatorToResponder, receive: keys.responderToInitiator)
            : DatagramKeys(send: keys.responderToInitiator, receive: keys.initiatorToResponder)
        return .established(remoteStaticKey: handshake.remoteStaticKey ?? [], datagramKeys: datagramKeys)
    }
}
