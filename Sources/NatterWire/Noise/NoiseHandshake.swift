public import Crypto
import Foundation

/// A Noise handshake (the Noise Protocol Framework, revision 34) for the two
/// patterns natter uses, over 25519, ChaChaPoly and SHA256:
/// `Noise_XX_25519_ChaChaPoly_SHA256` and `Noise_XXpsk3_25519_ChaChaPoly_SHA256`
/// (natter's link uses the latter, with the team's `psk` subkey).
///
/// A value type: bytes in, bytes out; it never touches a socket. Both patterns
/// pass every official test vector (Tests/NatterWireTests/Fixtures).
public struct NoiseHandshake: Sendable {
    public enum Pattern: String, Sendable {
        case xx = "XX"
        case xxpsk3 = "XXpsk3"

        public var protocolName: String { "Noise_\(rawValue)_25519_ChaChaPoly_SHA256" }
    }

    enum Token { case e, s, ee, es, se, ss, psk }

    static let dhLength = 32
    static let maximumMessageLength = 65535

    public let pattern: Pattern
    public let isInitiator: Bool
    private let staticKey: Curve25519.KeyAgreement.PrivateKey
    private var ephemeralKey: Curve25519.KeyAgreement.PrivateKey?
    private let psk: SymmetricKey?
    public private(set) var remoteStaticKey: [UInt8]?
    private var remoteEphemeralKey: [UInt8]?
    private var symmetric: SymmetricState
    private var messageIndex = 0

    /// - Parameters:
    ///   - prologue: bound into the handshake hash; both sides must agree (natter: version and team tag).
    ///   - psk: 32 bytes, required for `xxpsk3`.
    ///   - ephemeral: injects the ephemeral key (test vectors only); normally random.
    public init(
        pattern: Pattern, initiator: Bool, prologue: [UInt8], staticKey: Curve25519.KeyAgreement.PrivateKey,
        psk: SymmetricKey? = nil, ephemeral: Curve25519.KeyAgreement.PrivateKey? = nil
    ) {
        precondition(pattern == .xx || psk != nil, "XXpsk3 needs a pre-shared key")
        self.pattern = pattern
        isInitiator = initiator
        self.staticKey = staticKey
        self.psk = psk
        ephemeralKey = ephemeral
        symmetric = SymmetricState(protocolName: pattern.protocolName)
        symmetric.mixHash(prologue)
    }

    private var messagePatterns: [[Token]] {
        switch pattern {
        case .xx: [[.e], [.e, .ee, .s, .es], [.s, .se]]
        case .xxpsk3: [[.e], [.e, .ee, .s, .es], [.s, .se, .psk]]
        }
    }

    /// True once all three messages have been written or read.
    public var isComplete: Bool { messageIndex == messagePatterns.count }

    /// True when the next message is ours to write.
    public var isOurTurn: Bool { (messageIndex % 2 == 0) == isInitiator }

    /// The handshake hash, unique to this session: channel binding.
    public var handshakeHash: [UInt8] { symmetric.h }

    public mutating func writeMessage(payload: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard !isComplete, isOurTurn else { throw .outOfOrder }
        var message: [UInt8] = []
        for token in messagePatterns[messageIndex] {
            switch token {
            case .e:
                let key = ephemeralKey ?? Curve25519.KeyAgreement.PrivateKey()
                ephemeralKey = key
                let publicKey = Array(key.publicKey.rawRepresentation)
                message += publicKey
                symmetric.mixHash(publicKey)
                if psk != nil { symmetric.mixKey(publicKey) }
            case .s:
                message += try symmetric.encryptAndHash(Array(staticKey.publicKey.rawRepresentation))
            case .psk:
                symmetric.mixKeyAndHash(psk!.withUnsafeBytes { Array($0) })
            default:
                try mixDH(token)
            }
        }
        message += try symmetric.encryptAndHash(payload)
        guard message.count <= Self.maximumMessageLength else { throw .messageTooLong }
        messageIndex += 1
        return message
    }

    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete, !isOurTurn else { throw .outOfOrder }
        guard message.count <= Self.maximumMessageLength else { throw .messageTooLong }
        var rest = message[...]
        for token in messagePatterns[messageIndex] {
            switch token {
            case .e:
                guard rest.count >= Self.dhLength else { throw .messageTooShort }
                let publicKey = Array(rest.prefix(Self.dhLength))
                rest = rest.dropFirst(Self.dhLength)
                remoteEphemeralKey = publicKey
                symmetric.mixHash(publicKey)
                if psk != nil { symmetric.mixKey(publicKey) }
            case .s:
                let length = Self.dhLength + (symmetric.hasKey ? NoiseCipher.tagLength : 0)
                guard rest.count >= length else { throw .messageTooShort }
                remoteStaticKey = try symmetric.decryptAndHash(Array(rest.prefix(length)))
                rest = rest.dropFirst(length)
            case .psk:
                symmetric.mixKeyAndHash(psk!.withUnsafeBytes { Array($0) })
            default:
                try mixDH(token)
            }
        }
        let payload = try symmetric.decryptAndHash(Array(rest))
        messageIndex += 1
        return payload
    }

    /// The transport ciphers once the handshake is complete (Noise §5.2 Split()).
    public func split() -> (initiatorToResponder: NoiseCipher, responderToInitiator: NoiseCipher) {
        precondition(isComplete, "split() before the handshake completed")
        let (first, second) = symmetric.hkdf2(inputKeyMaterial: [])
        return (NoiseCipher(key: SymmetricKey(data: first)), NoiseCipher(key: SymmetricKey(data: second)))
    }

    /// Keys for other channels of this session (natter's UDP datagrams),
    /// derived from the final chaining key so they are independent of the
    /// transport ciphers yet bound to the same handshake.
    public func exportKeys(label: String) -> (initiatorToResponder: SymmetricKey, responderToInitiator: SymmetricKey) {
        precondition(isComplete, "exportKeys() before the handshake completed")
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: symmetric.ck), salt: symmetric.h, info: Array(label.utf8), outputByteCount: 64)
        let bytes = derived.withUnsafeBytes { Array($0) }
        return (SymmetricKey(data: bytes.prefix(32)), SymmetricKey(data: bytes.suffix(32)))
    }

    private mutating func mixDH(_ token: Token) throws(NoiseError) {
        // Which local key meets which remote key depends on the role (Noise §5.3).
        let (local, remote): (Curve25519.KeyAgreement.PrivateKey?, [UInt8]?)
        switch (token, isInitiator) {
        case (.ee, _): (local, remote) = (ephemeralKey, remoteEphemeralKey)
        case (.es, true): (local, remote) = (ephemeralKey, remoteStaticKey)
        case (.es, false): (local, remote) = (staticKey, remoteEphemeralKey)
        case (.se, true): (local, remote) = (staticKey, remoteEphemeralKey)
        case (.se, false): (local, remote) = (ephemeralKey, remoteStaticKey)
        case (.ss, _): (local, remote) = (staticKey, remoteStaticKey)
        default: return
        }
        guard let local, let remote else { throw .outOfOrder }
        symmetric.mixKey(try Self.dh(local, remote))
    }

    /// X25519, refusing an all-zero result (a low-order point): swift-crypto does not check.
    static func dh(_ local: Curve25519.KeyAgreement.PrivateKey, _ remote: [UInt8]) throws(NoiseError) -> [UInt8] {
        let publicKey: Curve25519.KeyAgreement.PublicKey
        do {
            publicKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: remote)
        } catch {
            throw .invalidPublicKey
        }
        let secret: SharedSecret
        do {
            secret = try local.sharedSecretFromKeyAgreement(with: publicKey)
        } catch {
            throw .weakSharedSecret
        }
        let bytes = secret.withUnsafeBytes { Array($0) }
        guard bytes.contains(where: { $0 != 0 }) else { throw .weakSharedSecret }
        return bytes
    }
}

/// Noise's SymmetricState (§5.2) for SHA256.
struct SymmetricState: Sendable {
    var ck: [UInt8]
    var h: [UInt8]
    var cipher: NoiseCipher?

    var hasKey: Bool { cipher != nil }

    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        h = name.count <= 32 ? name + [UInt8](repeating: 0, count: 32 - name.count) : Array(SHA256.hash(data: name))
        ck = h
    }

    mutating func mixHash(_ data: [UInt8]) {
        h = Array(SHA256.hash(data: h + data))
    }

    mutating func mixKey(_ inputKeyMaterial: [UInt8]) {
        let (newChainingKey, key) = hkdf2(inputKeyMaterial: inputKeyMaterial)
        ck = newChainingKey
        cipher = NoiseCipher(key: SymmetricKey(data: key))
    }

    mutating func mixKeyAndHash(_ inputKeyMaterial: [UInt8]) {
        let (newChainingKey, hashInput, key) = hkdf3(inputKeyMaterial: inputKeyMaterial)
        ck = newChainingKey
        mixHash(hashInput)
        cipher = NoiseCipher(key: SymmetricKey(data: key))
    }

    mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard var cipher else {
            mixHash(plaintext)
            return plaintext
        }
        let ciphertext = try cipher.encrypt(plaintext, associatedData: h)
        self.cipher = cipher
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard var cipher else {
            mixHash(ciphertext)
            return ciphertext
        }
        let plaintext = try cipher.decrypt(ciphertext, associatedData: h)
        self.cipher = cipher
        mixHash(ciphertext)
        return plaintext
    }

    func hkdf2(inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8]) {
        let temp = hmac(key: ck, inputKeyMaterial)
        let first = hmac(key: temp, [1])
        let second = hmac(key: temp, first + [2])
        return (first, second)
    }

    func hkdf3(inputKeyMaterial: [UInt8]) -> ([UInt8], [UInt8], [UInt8]) {
        let temp = hmac(key: ck, inputKeyMaterial)
        let first = hmac(key: temp, [1])
        let second = hmac(key: temp, first + [2])
        let third = hmac(key: temp, second + [3])
        return (first, second, third)
    }

    private func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }
}
