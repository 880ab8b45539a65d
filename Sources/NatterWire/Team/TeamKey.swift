public import Crypto
public import Foundation
import NatterCore

/// The secret every member of one office team holds: 32 random bytes.
///
/// The key itself is never used directly. ``subkeys`` derives one independent
/// key per purpose with HKDF-SHA256, so that a key leaked through one use
/// (say, the forwarder's) says nothing about the others.
public struct TeamKey: Sendable {
    public static let byteCount = 32

    let key: SymmetricKey

    /// A new random team key, for `natter team create`.
    public init() {
        self.key = SymmetricKey(size: .bits256)
    }

    /// Wraps existing key bytes; throws ``WireError/invalidTeamKey`` unless
    /// exactly ``byteCount`` bytes are given.
    public init(bytes: [UInt8]) throws(WireError) {
        guard bytes.count == Self.byteCount else { throw .invalidTeamKey }
        self.key = SymmetricKey(data: bytes)
    }

    /// The raw bytes, for writing the key file and encoding a team code.
    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// The per-purpose keys; see Docs/protocol.md, "Key schedule".
    public var subkeys: TeamSubkeys { TeamSubkeys(teamKey: key) }
}

/// The team key's children, one per purpose (HKDF-SHA256, salt `natter/v1`,
/// info = the purpose's name).
public struct TeamSubkeys: Sendable {
    /// The Noise pre-shared key (the `psk` token of XXpsk3).
    public let psk: SymmetricKey
    /// Tags handshake messages so a responder drops a stranger's before any DH.
    public let admit: SymmetricKey
    /// Makes the public team tag and keyed fingerprints published on mDNS.
    public let tag: SymmetricKey
    /// Seals the display name and status inside the mDNS TXT record.
    public let seal: SymmetricKey
    /// Admits members to the forwarder.
    public let fwd: SymmetricKey

    static let salt = Array("natter/v1".utf8)

    init(teamKey: SymmetricKey) {
        func derive(_ purpose: String) -> SymmetricKey {
            HKDF<SHA256>.deriveKey(
                inputKeyMaterial: teamKey, salt: Self.salt, info: Array(purpose.utf8), outputByteCount: 32)
        }
        psk = derive("psk")
        admit = derive("admit")
        tag = derive("tag")
        seal = derive("seal")
        fwd = derive("fwd")
    }

    /// The team tag: a 64-bit keyed hash safe to publish. Peers compare it to
    /// skip other teams' records without trying to open them; it reveals
    /// nothing about the key.
    public var teamTag: TeamTag {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("team-tag".utf8), using: tag)
        return TeamTag(bytes: Array(mac.prefix(TeamTag.byteCount)))
    }

    /// `HMAC(tag, fingerprint)`, truncated: what goes on mDNS instead of the
    /// fingerprint, so a stranger cannot follow one device across networks.
    public func keyedFingerprint(_ fingerprint: DeviceFingerprintBytes) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: fingerprint, using: tag).prefix(16))
    }

    /// Seals `plaintext` with ChaCha20-Poly1305 under the `seal` subkey and a
    /// random nonce: `nonce(12) ‖ ciphertext ‖ tag(16)`. `context` is
    /// authenticated, binding the box to where it is published.
    public func seal(_ plaintext: some DataProtocol, context: some DataProtocol) -> [UInt8] {
        // A fresh random nonce per call: 96 bits makes a repeat negligible at
        // the rate TXT records change.
        let box = try! ChaChaPoly.seal(plaintext, using: seal, authenticating: context)
        return Array(box.combined)
    }

    /// Opens a box made by ``seal(_:context:)``; `nil` when it was made with
    /// another team key, for another context, or was altered.
    public func open(_ box: some DataProtocol, context: some DataProtocol) -> [UInt8]? {
        guard box.count >= 12 + 16,
            let sealed = try? ChaChaPoly.SealedBox(combined: Data(box)),
            let plain = try? ChaChaPoly.open(sealed, using: seal, authenticating: context)
        else { return nil }
        return Array(plain)
    }
}

/// The raw bytes of a `DeviceFingerprint`, as hashed by the key schedule.
public typealias DeviceFingerprintBytes = [UInt8]

/// A published, non-secret name for a team: 8 bytes from the `tag` subkey.
public struct TeamTag: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 8
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount)
        self.bytes = bytes
    }

    /// Lowercase hex, 16 characters: the form in TXT records and `team show`.
    public var description: String { Hex.encode(bytes) }

    /// Parses the hex form; `nil` for anything else.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex), bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
    }
}
