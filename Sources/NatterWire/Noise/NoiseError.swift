/// Why a Noise message was refused. Carries no key material.
public enum NoiseError: Error, Equatable, CustomStringConvertible {
    case messageTooShort
    case messageTooLong
    case decryptionFailed
    case invalidPublicKey
    case weakSharedSecret
    case outOfOrder
    case nonceExhausted

    public var description: String {
        switch self {
        case .messageTooShort: "the handshake message is truncated"
        case .messageTooLong: "the message is longer than Noise allows (65535 bytes)"
        case .decryptionFailed: "the message failed authentication (wrong team key, tampering or corruption)"
        case .invalidPublicKey: "the peer sent an invalid public key"
        case .weakSharedSecret: "the peer's key produced an all-zero shared secret (a low-order point); refused"
        case .outOfOrder: "a handshake message arrived out of order"
        case .nonceExhausted: "the session used up its nonces; it must rekey"
        }
    }
}
