import Crypto
import CryptoExtras
import Foundation
import NatterCore

/// How a team key travels between people: a code to copy, or a passphrase.
public enum TeamCode {
    /// The code: base32 of the 32 key bytes followed by a 4-byte checksum
    /// (the first bytes of SHA-256 of the key), in dash-separated groups of
    /// six. The checksum catches a mistyped or truncated code.
    public static func encode(_ key: TeamKey) -> String {
        let bytes = key.bytes + checksum(key.bytes)
        let text = Base32.encode(bytes)
        return stride(from: 0, to: text.count, by: 6).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return String(text[start..<(text.index(start, offsetBy: 6, limitedBy: text.endIndex) ?? text.endIndex)])
        }.joined(separator: "-")
    }

    /// Parses a code (any case; spaces and dashes ignored).
    public static func decode(_ code: String) throws(TeamCodeError) -> TeamKey {
        guard let bytes = Base32.decode(code), bytes.count == TeamKey.byteCount + checksumLength else {
            throw .malformed
        }
        let key = Array(bytes.prefix(TeamKey.byteCount))
        guard Array(bytes.suffix(checksumLength)) == checksum(key) else { throw .checksumMismatch }
        do {
            return try TeamKey(bytes: key)
        } catch {
            throw .malformed
        }
    }

    /// scrypt parameters for passphrases (Docs/protocol.md): N = 2^15, r = 8,
    /// p = 1 costs ~32 MiB and ~0.1–0.3 s per guess, once per join.
    public static let scryptRounds = 1 << 15
    public static let scryptBlockSize = 8
    public static let scryptParallelism = 1
    /// A fixed, public salt: every member must derive the same key from the
    /// same passphrase with nothing else shared.
    public static let scryptSalt = Array("natter team passphrase v1".utf8)
    /// Shorter passphrases are refused: scrypt slows guessing, it cannot save a weak secret.
    public static let minimumPassphraseLength = 12

    public static func derive(passphrase: String) throws(TeamCodeError) -> TeamKey {
        guard passphrase.count >= minimumPassphraseLength else { throw .passphraseTooShort }
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(passphrase.precomposedStringWithCanonicalMapping.utf8), salt: scryptSalt, outputByteCount: TeamKey.byteCount,
                rounds: scryptRounds, blockSize: scryptBlockSize, parallelism: scryptParallelism)
            return try TeamKey(bytes: key.withUnsafeBytes { Array($0) })
        } catch {
            throw .derivationFailed
        }
    }

    static let checksumLength = 4

    static func checksum(_ key: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array("natter team code".utf8) + key).prefix(checksumLength))
    }
}

public enum TeamCodeError: Error, Equatable, CustomStringConvertible {
    case malformed
    case checksumMismatch
    case passphraseTooShort
    case derivationFailed

    public var description: String {
        switch self {
        case .malformed: "that is not a team code (it should be 58 letters and digits in groups); copy it again"
        case .checksumMismatch: "the team code's checksum does not match: a character is mistyped; copy it again"
        case .passphraseTooShort: "the passphrase must be at least \(TeamCode.minimumPassphraseLength) characters"
        case .derivationFailed: "could not derive a key from the passphrase (scrypt failed; is memory very low?)"
        }
    }
}
