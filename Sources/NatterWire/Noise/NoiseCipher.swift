import Crypto
import Foundation

/// Noise's CipherState (Noise spec §5.1) for ChaChaPoly: a key and a 64-bit
/// counter nonce, used for the handshake's encrypted fields and the transport.
public struct NoiseCipher: Sendable {
    static let tagLength = 16
    /// 2^64 - 1 is reserved by the spec.
    static let maximumNonce = UInt64.max - 1

    let key: SymmetricKey
    public private(set) var nonce: UInt64 = 0

    init(key: SymmetricKey) {
        self.key = key
    }

    public mutating func encrypt(_ plaintext: [UInt8], associatedData: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard nonce <= Self.maximumNonce else { throw .nonceExhausted }
        defer { nonce += 1 }
        return Self.seal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
    }

    public mutating func decrypt(_ ciphertext: [UInt8], associatedData: [UInt8] = []) throws(NoiseError) -> [UInt8] {
        guard nonce <= Self.maximumNonce else { throw .nonceExhausted }
        let plaintext = try Self.open(ciphertext, key: key, nonce: nonce, associatedData: associatedData)
        nonce += 1
        return plaintext
    }

    /// ChaCha20-Poly1305 with Noise's nonce encoding: 4 zero bytes, then the
    /// counter little-endian (Noise spec §12.3). Also used for datagrams with
    /// their explicit counter.
    static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, nonce: UInt64, associatedData: some DataProtocol) -> [UInt8] {
        // Sealing cannot fail for a valid 32-byte key and 12-byte nonce.
        let box = try! ChaChaPoly.seal(plaintext, using: key, nonce: chachaNonce(nonce), authenticating: associatedData)
        // `combined` is nonce ‖ ciphertext ‖ tag: one copy of what follows
        // the nonce, not one of the ciphertext, one of the tag and a third
        // of both.
        return Array(box.combined.dropFirst(nonceLength))
    }

    static func open(_ ciphertext: some DataProtocol, key: SymmetricKey, nonce: UInt64, associatedData: some DataProtocol) throws(NoiseError) -> [UInt8] {
        guard ciphertext.count >= tagLength else { throw .messageTooShort }
        // One buffer laid out as `SealedBox(combined:)` reads it: building the
        // box from a nonce, a ciphertext slice and a tag slice joined them
        // through Data's generic paths, which cost more than the decryption.
        var combined = nonceBytes(nonce)
        combined.reserveCapacity(nonceLength + ciphertext.count)
        combined.append(contentsOf: ciphertext)
        do {
            let box = try ChaChaPoly.SealedBox(combined: combined)
            return Array(try ChaChaPoly.open(box, using: key, authenticating: associatedData))
        } catch {
            throw .decryptionFailed
        }
    }

    private static let nonceLength = 12

    /// 4 zero bytes, then the counter little-endian.
    private static func nonceBytes(_ counter: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: nonceLength)
        for index in 0..<8 { bytes[4 + index] = UInt8(truncatingIfNeeded: counter >> (8 * index)) }
        return bytes
    }

    private static func chachaNonce(_ counter: UInt64) -> ChaChaPoly.Nonce {
        try! ChaChaPoly.Nonce(data: nonceBytes(counter))
    }
}
