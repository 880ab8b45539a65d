public import Crypto
import Foundation

/// One end of a natter link as a pure state machine: it runs the admission
/// check and the Noise `XXpsk3` handshake, then seals and opens frames. It
/// takes bytes and the time, and returns bytes to send and what happened; the
/// NIO handler around it only moves bytes (Docs/protocol.md).
public struct SecureSession: Sendable {
    public enum Output: Sendable, Equatable {
        /// Write this message (the caller adds the 2-byte length prefix).
        case send([UInt8])
        /// The handshake completed; the peer proved the team key and owns this static key.
        case established(remoteStaticKey: [UInt8])
        case frame(Frame)
        /// A frame that authenticated but that this version cannot use (a
        /// state code from a newer peer): skipped, and the link stays up.
        case skipped(FrameError)
    }

    public let isInitiator: Bool
    private let admit: SymmetricKey
    private var handshake: NoiseHandshake
    private var sendCipher: NoiseCipher?
    private var receiveCipher: NoiseCipher?
    private var firstMessage: [UInt8] = []
    /// Keys for this session's UDP datagrams (send, receive), once established.
    public private(set) var datagramKeys: (send: SymmetricKey, receive: SymmetricKey)?

    /// The prologue binds the protocol version and the team tag, so peers of
    /// different versions or teams cannot complete a handshake by accident.
    public static func prologue(team: TeamKey) -> [UInt8] {
        Array("natter/v\(WireConstants.protocolVersion)".utf8) + team.subkeys.teamTag.bytes
    }

    public init(initiator: Bool, identity: DeviceIdentity, team: TeamKey, ephemeral: Curve25519.KeyAgreement.PrivateKey? = nil) {
        isInitiator = initiator
        let subkeys = team.subkeys
        admit = subkeys.admit
        handshake = NoiseHandshake(
            pattern: .xxpsk3, initiator: initiator, prologue: Self.prologue(team: team),
            staticKey: identity.privateKey, psk: subkeys.psk, ephemeral: ephemeral)
    }

    public var isEstablished: Bool { sendCipher != nil }

    /// The initiator's first message.
    public mutating func start(nowMilliseconds: UInt64) throws(LinkError) -> [UInt8] {
        precondition(isInitiator, "only the initiator starts")
        let noise: [UInt8]
        do { noise = try handshake.writeMessage() } catch { throw .handshake(error) }
        var body: [UInt8] = []
        FrameCodec.append(nowMilliseconds, to: &body)
        body += Envelope.firstTag(noise, timestamp: nowMilliseconds, admit: admit) + noise
        firstMessage = Envelope.wrap(.handshake1, body)
        return firstMessage
    }

    /// The responder's handling of an already admitted first message
    /// (``Envelope/admitFirst(_:admit:nowMilliseconds:)`` ran, the replay cache agreed).
    public mutating func respond(toAdmitted noise: [UInt8], fullMessage: [UInt8]) throws(LinkError) -> [Output] {
        precondition(!isInitiator, "only the responder responds")
        do {
            _ = try handshake.readMessage(noise)
            let answer = try handshake.writeMessage()
            let tag = Envelope.secondTag(firstMessage: fullMessage, noise: answer, admit: admit)
            return [.send(Envelope.wrap(.handshake2, tag + answer))]
        } catch {
            throw .handshake(error)
        }
    }

    /// Everything after the first message, both roles.
    public mutating func receive(_ message: [UInt8]) throws(LinkError) -> [Output] {
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
                let third = try handshake.writeMessage()
                try finish()
                return [.send(Envelope.wrap(.handshake3, third)), .established(remoteStaticKey: handshake.remoteStaticKey ?? [])]
            } catch let error as NoiseError {
                throw .handshake(error)
            } catch let error as LinkError {
                throw error
            } catch {
                throw .admissionFailed
            }
        case (.handshake3, false, false):
            do {
                _ = try handshake.readMessage(body)
            } catch {
                throw .handshake(error)
            }
            try finish()
            return [.established(remoteStaticKey: handshake.remoteStaticKey ?? [])]
        case (.transport, _, true):
            guard var cipher = receiveCipher else { throw .notEstablished }
            let plaintext: [UInt8]
            // After the handshake a failed tag means damage or tampering in
            // transit, not a wrong team key: its own error, so nobody hunts
            // for a key problem that does not exist.
            do { plaintext = try cipher.decrypt(body) } catch { throw .transportAuthenticationFailed }
            receiveCipher = cipher
            do {
                return [.frame(try FrameCodec.decode(plaintext))]
            } catch .unknownState(let code) {
                return [.skipped(.unknownState(code))]
            } catch {
                throw .frame(error)
            }
        case (.transport, _, false):
            throw .notEstablished
        default:
            throw .unexpectedMessage(type.rawValue)
        }
    }

    /// Encrypts a frame for the stream.
    public mutating func seal(_ frame: Frame) throws(LinkError) -> [UInt8] {
        guard var cipher = sendCipher else { throw .notEstablished }
        let plaintext = FrameCodec.encode(frame)
        guard plaintext.count <= WireConstants.maximumFrameBytes else { throw .frame(.oversized(plaintext.count)) }
        let sealed: [UInt8]
        do { sealed = try cipher.encrypt(plaintext) } catch { throw .handshake(error) }
        sendCipher = cipher
        return Envelope.wrap(.transport, sealed)
    }

    private mutating func finish() throws(LinkError) {
        let (toResponder, toInitiator) = handshake.split()
        sendCipher = isInitiator ? toResponder : toInitiator
        receiveCipher = isInitiator ? toInitiator : toResponder
        let keys = handshake.exportKeys(label: "natter udp v1")
        datagramKeys = isInitiator ? (keys.initiatorToResponder, keys.responderToInitiator) : (keys.responderToInitiator, keys.initiatorToResponder)
    }
}
