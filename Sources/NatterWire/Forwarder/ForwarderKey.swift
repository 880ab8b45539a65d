import Crypto
import NatterCore

/// The one secret a forwarder holds: the team key's `fwd` subkey.
///
/// It admits members to the forwarder and nothing else. HKDF makes the team
/// key's subkeys independent, so holding this one gives no way to the
/// `psk`, `admit`, `tag` or `seal` keys: a forwarder can neither complete a
/// peer's handshake, open a sealed name, nor read or forge a frame.
public struct ForwarderKey: Sendable {
    public static let byteCount = 32

    let key: SymmetricKey

    public init(bytes: [UInt8]) throws(WireError) {
        guard bytes.count == Self.byteCount else { throw .invalidTeamKey }
        key = SymmetricKey(data: bytes)
    }

    init(_ key: SymmetricKey) {
        self.key = key
    }

    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }

    /// What a forwarder publishes in its `_natter-fwd._tcp` TXT record
    /// (`t=`): a keyed hash members recompute to recognise their team's
    /// forwarder. To anyone else it is 8 random-looking bytes.
    public var forwarderTag: TeamTag {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("forwarder-tag".utf8), using: key)
        return TeamTag(bytes: Array(mac.prefix(TeamTag.byteCount)))
    }
}

extension TeamSubkeys {
    /// The forwarder's key, to hand over as a ``ForwarderCode``.
    public var forwarder: ForwarderKey { ForwarderKey(fwd) }
}

/// How the `fwd` subkey travels from the admin to the forwarder: like a team
/// code, but with its own prefix and checksum, so neither can be mistaken for
/// the other.
///
///     FWD-XXXXXX-XXXXXX-…   base32 of key [32] ‖ SHA-256("natter forwarder code" ‖ key)[:4]
public enum ForwarderCode {
    static let prefix = "FWD-"
    static let checksumLength = 4

    public static func encode(_ key: ForwarderKey) -> String {
        let text = Base32.encode(key.bytes + checksum(key.bytes))
        let groups = stride(from: 0, to: text.count, by: 6).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return String(text[start..<(text.index(start, offsetBy: 6, limitedBy: text.endIndex) ?? text.endIndex)])
        }
        return prefix + groups.joined(separator: "-")
    }

    /// Parses a forwarder code (any case; spaces and dashes ignored).
    public static func decode(_ code: String) throws(ForwarderCodeError) -> ForwarderKey {
        let trimmed = code.trimmingPrefixSpaces()
        guard trimmed.uppercased().hasPrefix(prefix) else {
            // A team code decodes to the same length: say what went wrong.
            if (try? TeamCode.decode(trimmed)) != nil { throw .teamCodeGiven }
            throw .malformed
        }
        guard let bytes = Base32.decode(String(trimmed.dropFirst(prefix.count))),
            bytes.count == ForwarderKey.byteCount + checksumLength
        else { throw .malformed }
        let key = Array(bytes.prefix(ForwarderKey.byteCount))
        guard Array(bytes.suffix(checksumLength)) == checksum(key) else { throw .checksumMismatch }
        do { return try ForwarderKey(bytes: key) } catch { throw .malformed }
    }

    static func checksum(_ key: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array("natter forwarder code".utf8) + key).prefix(checksumLength))
    }
}

public enum ForwarderCodeError: Error, Equatable, CustomStringConvertible {
    case malformed
    case checksumMismatch
    case teamCodeGiven

    public var description: String {
        switch self {
        case .malformed:
            "that is not a forwarder code (it starts with FWD-); make one on a member's device with: natter team forwarder-code"
        case .checksumMismatch: "the forwarder code's checksum does not match: a character is mistyped; copy it again"
        case .teamCodeGiven:
            "that is a team code: a forwarder must never hold it. Give it the forwarder code instead (natter team forwarder-code)"
        }
    }
}

extension String {
    fileprivate func trimmingPrefixSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\n" })
    }
}
