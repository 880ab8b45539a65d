import Foundation
public import NatterCore
public import NatterWire

/// What a peer publishes in its `_natter._tcp` TXT record — only what a
/// stranger may see in the clear — and its pure codec (Docs/protocol.md, "mDNS record"):
///
///     v=1                      protocol version
///     t=<16 hex>               team tag (a keyed hash of the team key)
///     k=<32 hex>               HMAC(tag, fingerprint)[:16]: stable for members, unlinkable across teams
///     u=<port>                 UDP port for state datagrams
///     s=<base64>               sealed with the team's seal key: fingerprint [32] | status u8 | name (UTF-8)
///
/// The sealed blob's context binds it to the keyed fingerprint, so it cannot be
/// moved to another record.
public struct DiscoveryRecord: Sendable, Equatable {
    public var fingerprint: DeviceFingerprint
    public var displayName: String
    public var status: PresenceStatus
    public var udpPort: UInt16

    public init(fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus, udpPort: UInt16) {
        self.fingerprint = fingerprint
        self.displayName = displayName
        self.status = status
        self.udpPort = udpPort
    }

    static let version = "1"

    /// The TXT strings to publish.
    public func encode(team: TeamSubkeys) -> [String] {
        let (keyed, sealed) = sealed(team: team)
        return [
            "v=\(Self.version)", "t=\(team.teamTag)", "k=\(Self.hex(keyed))", "u=\(udpPort)",
            "s=\(Data(sealed).base64EncodedString())",
        ]
    }

    /// The keyed fingerprint and the sealed blob alone: what a forwarder
    /// registration carries (Docs/protocol.md §9), the same bytes as `k=` and `s=`.
    public func sealed(team: TeamSubkeys) -> (keyedFingerprint: [UInt8], blob: [UInt8]) {
        let keyed = team.keyedFingerprint(fingerprint.bytes)
        let plaintext = fingerprint.bytes + [status.code] + Array(displayName.prefix(utf8Bytes: WireConstants.maximumNameBytes).utf8)
        return (keyed, team.seal(plaintext, context: Self.context(keyed)))
    }

    /// Why a record was ignored; counted, never fatal.
    public enum Rejection: Error, Equatable {
        case otherTeam
        case unsupportedVersion
        case malformed(String)
        case sealBroken
    }

    /// Decodes a record seen on the network; refuses other teams' records cheaply
    /// (before any decryption) and anything malformed or tampered with.
    public static func decode(_ strings: [String], team: TeamSubkeys) throws(Rejection) -> DiscoveryRecord {
        var fields: [String: String] = [:]
        for entry in strings.prefix(32) where entry.utf8.count <= 255 {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            fields[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        guard let version = fields["v"] else { throw .malformed("no version") }
        guard version == Self.version else { throw .unsupportedVersion }
        guard fields["t"] == team.teamTag.description else { throw .otherTeam }
        guard let keyedText = fields["k"], let keyed = bytes(hex: keyedText), keyed.count == 16 else { throw .malformed("keyed fingerprint") }
        guard let portText = fields["u"], let udpPort = UInt16(portText) else { throw .malformed("udp port") }
        guard let sealedText = fields["s"], let sealed = Data(base64Encoded: sealedText) else { throw .malformed("sealed blob") }
        return try open(Array(sealed), keyedFingerprint: keyed, udpPort: udpPort, team: team)
    }

    /// Opens a sealed blob published under `keyedFingerprint` (in a TXT
    /// record or a forwarder's directory) and checks that the two belong together.
    public static func open(
        _ sealed: [UInt8], keyedFingerprint keyed: [UInt8], udpPort: UInt16, team: TeamSubkeys
    ) throws(Rejection) -> DiscoveryRecord {
        guard let plaintext = team.open(sealed, context: context(keyed)) else { throw .sealBroken }
        guard plaintext.count >= 33, let status = PresenceStatus(code: plaintext[32]) else { throw .malformed("sealed contents") }
        let fingerprint = DeviceFingerprint(bytes: Array(plaintext.prefix(32)))
        guard team.keyedFingerprint(fingerprint.bytes) == keyed else { throw .sealBroken }
        let nameBytes = plaintext.dropFirst(33)
        guard nameBytes.count <= WireConstants.maximumNameBytes, let name = String(validating: nameBytes, as: UTF8.self) else {
            throw .malformed("name")
        }
        return DiscoveryRecord(fingerprint: fingerprint, displayName: name, status: status, udpPort: udpPort)
    }

    /// The service instance name: non-identifying, stable per device and team.
    public static func instanceName(fingerprint: DeviceFingerprint, team: TeamSubkeys) -> String {
        "natter-" + String(hex(team.keyedFingerprint(fingerprint.bytes)).prefix(12))
    }

    static func context(_ keyed: [UInt8]) -> [UInt8] { Array("natter txt v1".utf8) + keyed }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    static func bytes(hex: String) -> [UInt8]? { Hex.decode(hex) }
}
