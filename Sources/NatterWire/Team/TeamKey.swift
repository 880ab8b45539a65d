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

    /// The team tag: a 64-bit keyed hash of the key, stable for the team's
    /// life. It is in the Noise prologue (§4.1) and shown by `natter team
    /// show`, but never published on the network: mDNS carries the
    /// per-epoch ``publishedTeamTag(epoch:)``. It reveals nothing about the
    /// key, but like any value derived from it, it lets whoever holds it
    /// check guesses of a passphrase-derived key (§2.3).
    public var teamTag: TeamTag {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("team-tag".utf8), using: tag)
        return TeamTag(bytes: Array(mac.prefix(TeamTag.byteCount)))
    }

    /// `HMAC(tag, fingerprint)`, truncated: the device's stable keyed
    /// fingerprint, used only with a forwarder (its directory key, relay
    /// requests). It is never published on mDNS: there the per-epoch
    /// ``keyedFingerprint(_:epoch:)`` is (Docs/protocol.md §2.1, §3).
    public func keyedFingerprint(_ fingerprint: DeviceFingerprintBytes) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: fingerprint, using: tag).prefix(16))
    }

    /// The team tag published on mDNS during one epoch (a UTC day):
    /// `HMAC(tag, "team-tag" ‖ epoch u32)[0..8]`. It changes every epoch, so
    /// a lone member's laptop is not recognisable from one day to the next;
    /// ``teamTag`` itself (the Noise prologue's) is never published.
    public func publishedTeamTag(epoch: UInt32) -> TeamTag {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("team-tag".utf8) + Self.bigEndian(epoch), using: tag)
        return TeamTag(bytes: Array(mac.prefix(TeamTag.byteCount)))
    }

    /// The keyed fingerprint published on mDNS during one epoch:
    /// `HMAC(tag, "device" ‖ epoch u32 ‖ fingerprint)[0..16]`. Members
    /// recognise the device by opening its sealed record; strangers see a
    /// value that is new every epoch and unlinkable to the last one.
    public func keyedFingerprint(_ fingerprint: DeviceFingerprintBytes, epoch: UInt32) -> [UInt8] {
        let input = Array("device".utf8) + Self.bigEndian(epoch) + fingerprint
        return Array(HMAC<SHA256>.authenticationCode(for: input, using: tag).prefix(16))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
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
