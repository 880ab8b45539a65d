import Crypto
import Foundation

/// The transport side of an established link: this epoch's stream ciphers and
/// the in-band rekey that replaces them (Docs/protocol.md §5.8). Pure: the
/// time comes in, frames and key changes go out.
///
/// The exchange, over the ordered stream (I = the dialler, R = the other side):
///
///     I → R  rekey(e_I, index_I)   under the old keys; I keeps sending under them
///     R → I  rekey(e_R, index_R)   under R's old send key; R sends under the new one after it
///     I → R  rekeyDone             under I's old send key; I reads under the new
///                                  key from R's answer on, and sends under it after this
///
/// Each switch point is one frame in an ordered stream, so neither side ever
/// has to guess which key a message is under, and the old stream key is erased
/// at its switch. The new keys come from the old chaining secret and a fresh
/// X25519 between two new ephemerals, so they are forward secret: the next
/// epoch's keys reveal nothing of this one's.
struct LinkTransport: Sendable {
    let isInitiator: Bool
    let policy: RekeyPolicy
    private var chainingKey: SymmetricKey
    private var sendCipher: NoiseCipher
    private var receiveCipher: NoiseCipher
    /// Completed rekeys on this link.
    private(set) var epoch: UInt64 = 0
    /// When this side installed its current keys (its last send switch).
    private var keysSince: ContinuousClock.Instant
    /// Frames sealed or opened under the current keys.
    private var messages: UInt64 = 0
    private var pending: Pending?

    private enum Pending: Sendable {
        /// The dialler asked, with this ephemeral and its next datagram index.
        case requested(ephemeral: Curve25519.KeyAgreement.PrivateKey, index: UInt32)
        /// The other side answered and sends under the new key; it reads the
        /// old one until `rekeyDone`, then these take over.
        case answered(receive: NoiseCipher, datagramSend: DatagramSend)
    }

    struct DatagramSend: Sendable {
        let index: UInt32
        let key: SymmetricKey
    }

    /// What a rekey step asks of the caller, in this order.
    enum Step: Sendable {
        case send([UInt8])
        case installDatagramReceive(index: UInt32, key: SymmetricKey)
        case switchDatagramSend(index: UInt32, key: SymmetricKey)
        case rekeyed(epoch: UInt64)
    }

    /// The handshake's HKDF label for the first chaining secret (§5.8).
    static let chainingLabel = "natter rekey v1"
    /// The HKDF label for each epoch's keys.
    static let epochLabel = "natter rekey v1 epoch"

    init(isInitiator: Bool, send: NoiseCipher, receive: NoiseCipher, chainingKey: SymmetricKey, policy: RekeyPolicy, now: ContinuousClock.Instant) {
        self.isInitiator = isInitiator
        self.policy = policy
        sendCipher = send
        receiveCipher = receive
        self.chainingKey = chainingKey
        keysSince = now
    }

    var isRekeying: Bool { pending != nil }

    /// When ``tick(now:freshIndex:)`` next has something to do by the clock
    /// alone: the dialler's rekey, or the keys' end of life (a rekey due by
    /// the message count is started by the tick after a frame).
    var keyDeadline: ContinuousClock.Instant {
        keysSince + (isInitiator && pending == nil ? policy.rekeyAfter : policy.rejectAfter)
    }

    /// Pads and encrypts one frame's bytes under the current send key.
    mutating func seal(_ frame: [UInt8]) throws(LinkError) -> [UInt8] {
        guard messages < policy.rejectAfterMessages else { throw .keysExpired }
        messages += 1
        do { return Envelope.wrap(.transport, try sendCipher.encrypt(FramePadding.pad(frame))) } catch { throw .handshake(error) }
    }

    /// Decrypts and unpads one transport body under the current receive key.
    mutating func open(_ body: [UInt8]) throws(LinkError) -> [UInt8] {
        guard messages < policy.rejectAfterMessages else { throw .keysExpired }
        let plaintext: [UInt8]
        // After the handshake a failed tag means damage or tampering in
        // transit, not a wrong team key: its own error, so nobody hunts
        // for a key problem that does not exist.
        do { plaintext = try receiveCipher.decrypt(body) } catch { throw .transportAuthenticationFailed }
        messages += 1
        do { return try FramePadding.unpad(plaintext) } catch { throw .frame(error) }
    }

    /// Starts a rekey when one is due (dialler only), and refuses keys that
    /// are too old (both sides: the caller closes the link).
    /// - Parameter freshIndex: reserves a receiver index for the next epoch's datagrams.
    mutating func tick(now: ContinuousClock.Instant, freshIndex: () -> UInt32) throws(LinkError) -> [Step] {
        guard now - keysSince < policy.rejectAfter else { throw .keysExpired }
        guard isInitiator, pending == nil,
            now - keysSince >= policy.rekeyAfter || messages >= policy.rekeyAfterMessages
        else { return [] }
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let index = freshIndex()
        let request = try seal(FrameCodec.encode(.rekey(ephemeral: Array(ephemeral.publicKey.rawRepresentation), datagramIndex: index)))
        pending = .requested(ephemeral: ephemeral, index: index)
        return [.send(request)]
    }

    /// A rekey or rekeyDone frame from the peer, opened under the current receive key.
    mutating func receive(_ control: LinkControl, now: ContinuousClock.Instant, freshIndex: () -> UInt32) throws(LinkError) -> [Step] {
        switch (control, isInitiator, pending) {
        case (.rekey(let remote, let remoteIndex), false, nil):
            // The other side answers: new keys, its answer is the last frame
            // under its old send key.
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let keys = try derive(ephemeral, remote)
            let index = freshIndex()
            let answer = try seal(FrameCodec.encode(.rekey(ephemeral: Array(ephemeral.publicKey.rawRepresentation), datagramIndex: index)))
            switchSend(to: keys, now: now)
            pending = .answered(receive: NoiseCipher(key: keys.initiatorToResponder), datagramSend: DatagramSend(index: remoteIndex, key: keys.datagramResponderToInitiator))
            // The receive session must exist before the answer lets the dialler use it.
            return [.installDatagramReceive(index: index, key: keys.datagramInitiatorToResponder), .send(answer), .rekeyed(epoch: epoch)]
        case (.rekey(let remote, let remoteIndex), true, .requested(let ephemeral, let index)?):
            let keys = try derive(ephemeral, remote)
            receiveCipher = NoiseCipher(key: keys.responderToInitiator)
            let done = try seal(FrameCodec.encode(.rekeyDone))
            switchSend(to: keys, now: now)
            pending = nil
            return [
                .installDatagramReceive(index: index, key: keys.datagramResponderToInitiator),
                .switchDatagramSend(index: remoteIndex, key: keys.datagramInitiatorToResponder),
                .send(done), .rekeyed(epoch: epoch),
            ]
        case (.rekeyDone, false, .answered(let receive, let datagramSend)?):
            receiveCipher = receive
            pending = nil
            // The dialler has the new datagram session since it read the answer.
            return [.switchDatagramSend(index: datagramSend.index, key: datagramSend.key)]
        default:
            // Out of turn: a rekey while one is open, an answer nobody asked
            // for, a rekey from the side that must not start one.
            throw .unexpectedRekey
        }
    }

    private mutating func switchSend(to keys: EpochKeys, now: ContinuousClock.Instant) {
        sendCipher = NoiseCipher(key: isInitiator ? keys.initiatorToResponder : keys.responderToInitiator)
        chainingKey = keys.chainingKey
        keysSince = now
        messages = 0
        epoch += 1
    }

    struct EpochKeys {
        let chainingKey: SymmetricKey
        let initiatorToResponder: SymmetricKey
        let responderToInitiator: SymmetricKey
        let datagramInitiatorToResponder: SymmetricKey
        let datagramResponderToInitiator: SymmetricKey
    }

    /// `HKDF(salt = chaining key, IKM = X25519(e, e'), info = "natter rekey v1 epoch", L = 160)`,
    /// cut into the next chaining key and four keys (§5.8). An all-zero DH
    /// (a low-order point) is refused, as in the handshake.
    private func derive(_ ephemeral: Curve25519.KeyAgreement.PrivateKey, _ remote: [UInt8]) throws(LinkError) -> EpochKeys {
        let shared: [UInt8]
        do { shared = try NoiseHandshake.dh(ephemeral, remote) } catch { throw .handshake(error) }
        let salt = chainingKey.withUnsafeBytes { Array($0) }
        let okm = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: shared), salt: salt, info: Array(Self.epochLabel.utf8), outputByteCount: 160
        ).withUnsafeBytes { Array($0) }
        func key(_ n: Int) -> SymmetricKey { SymmetricKey(data: okm[(32 * n)..<(32 * n + 32)]) }
        return EpochKeys(
            chainingKey: key(0), initiatorToResponder: key(1), responderToInitiator: key(2),
            datagramInitiatorToResponder: key(3), datagramResponderToInitiator: key(4))
    }
}
