public import Crypto
public import NatterCore

/// This device's long-term X25519 key pair: the Noise static key `s`.
///
/// Made once on first run and kept in the data directory with mode 0600; its
/// ``fingerprint`` is what colleagues compare and what peers pin.
public struct DeviceIdentity: Sendable {
    public let privateKey: Curve25519.KeyAgreement.PrivateKey

    public init() { privateKey = Curve25519.KeyAgreement.PrivateKey() }

    /// Restores a key from its 32 raw bytes; throws ``WireError/invalidDeviceKey``.
    public init(rawRepresentation: [UInt8]) throws(WireError) {
        do { privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: rawRepresentation) } catch {
            throw .invalidDeviceKey
        }
    }

    /// The private key's 32 raw bytes, for the 0600 key file only.
    public var privateKeyBytes: [UInt8] { Array(privateKey.rawRepresentation) }

    public var publicKeyBytes: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }
    public var fingerprint: DeviceFingerprint { DeviceFingerprint(publicKey: publicKeyBytes) }
}

extension DeviceFingerprint {
    /// The fingerprint of an X25519 public key: SHA-256 of its 32 raw bytes.
    public init(publicKey: [UInt8]) {
        self.init(bytes: Array(SHA256.hash(data: publicKey)))
    }
}
