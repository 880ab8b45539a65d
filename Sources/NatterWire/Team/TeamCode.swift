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

    /// scrypt parameters for passphrases (Docs/protocol.md §2.3): N = 2^17,
    /// r = 8, p = 1 costs 128 MiB and about half a second on a desktop core,
    /// once per join — and the same for every guess an attacker makes.
    public static let scryptRounds = 1 << 17
    public static let scryptBlockSize = 8
    public static let scryptParallelism = 1
    /// The salt: a fixed label and the team's name, so that guesses made
    /// against one team are worth nothing against another.
    public static func scryptSalt(teamName: String) -> [UInt8] {
        Array("natter team passphrase v2".utf8) + [0] + Array(normalisedTeamName(teamName).utf8)
    }
    /// Shorter passphrases are refused: scrypt slows guessing, it cannot save a weak secret.
    public static let minimumPassphraseLength = 12
    /// A team name is 1–64 bytes of UTF-8 after normalising.
    public static let maximumTeamNameBytes = 64

    /// The team name as it enters the salt: Unicode NFC, lowercased, leading
    /// and trailing white space removed, inner runs of white space made one
    /// space — so "Acme  Berlin" and "acme berlin" are the same team.
    public static func normalisedTeamName(_ name: String) -> String {
        name.precomposedStringWithCanonicalMapping.lowercased()
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Derives the team key from a passphrase and the team's name, after
    /// refusing a passphrase that ``PassphraseStrength`` finds weak. Returns
    /// the estimate too, to tell the user how strong it is.
    public static func derive(passphrase: String, teamName: String) throws(TeamCodeError) -> (key: TeamKey, strength: PassphraseStrength) {
        let name = normalisedTeamName(teamName)
        guard !name.isEmpty else { throw .teamNameMissing }
        guard name.utf8.count <= maximumTeamNameBytes else { throw .teamNameTooLong }
        guard passphrase.count >= minimumPassphraseLength else { throw .passphraseTooShort }
        let strength = PassphraseStrength.estimate(passphrase, teamName: name)
        guard strength.rating != .weak else { throw .passphraseTooWeak(strength) }
        return (try deriveUnchecked(passphrase: passphrase, teamName: name), strength)
    }

    /// The scrypt derivation alone, without the strength check (tests, and
    /// the golden values of Docs/protocol.md §2.3).
    static func deriveUnchecked(passphrase: String, teamName: String) throws(TeamCodeError) -> TeamKey {
        do {
            let key = try KDF.Scrypt.deriveKey(
                from: Array(passphrase.precomposedStringWithCanonicalMapping.utf8), salt: scryptSalt(teamName: teamName),
                outputByteCount: TeamKey.byteCount, rounds: scryptRounds, blockSize: scryptBlockSize, parallelism: scryptParallelism)
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
    case passphraseTooWeak(PassphraseStrength)
    case teamNameMissing
    case teamNameTooLong
    case derivationFailed

    public var description: String {
        switch self {
        case .malformed: "that is not a team code (it should be 58 letters and digits in groups); copy it again"
        case .checksumMismatch: "the team code's checksum does not match: a character is mistyped; copy it again"
        case .passphraseTooShort:
            "the passphrase must be at least \(TeamCode.minimumPassphraseLength) characters; "
                + "choose five or more unrelated words, or use a team code instead (natter team create)"
        case .passphraseTooWeak(let strength):
            "the passphrase is too easy to guess (about \(strength.bits) bits; natter needs \(PassphraseStrength.minimumBits)): "
                + (strength.findings.isEmpty ? "it is too short for what it is made of" : strength.findings.joined(separator: ", "))
                + ". Anyone on the LAN can test guesses against what natter publishes, offline. "
                + "Choose five or more unrelated words, or use a team code instead (natter team create)"
        case .teamNameMissing:
            "a passphrase team needs its name too (--team-name): the one the admin chose with the passphrase, e.g. --team-name \"acme berlin\""
        case .teamNameTooLong: "the team name is over \(TeamCode.maximumTeamNameBytes) bytes; use a shorter one"
        case .derivationFailed: "could not derive a key from the passphrase (scrypt failed; is memory very low?)"
        }
    }
}
