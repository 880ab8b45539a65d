import Foundation
public import NatterCore
public import NatterWire

/// What a peer publishes in its `_natter._tcp` TXT record — only what a
/// stranger may see in the clear — and its pure codec (Docs/protocol.md §3):
///
///     v=2          record version
///     t=<16 hex>   the team tag of this epoch (a UTC day): HMAC(tag, "team-tag" ‖ epoch)[:8]
///     k=<32 hex>   the keyed fingerprint of this epoch: HMAC(tag, "device" ‖ epoch ‖ fingerprint)[:16]
///     s=<base64>   sealed under `seal`: fingerprint[32] ‖ published u64 (Unix ms) ‖ status u8 ‖
///                  name length u8 ‖ name, zero-padded to 64 bytes (so every box has one size)
///
/// Everything a stranger can read changes at every epoch; members recognise
/// the device by opening `s`. The box's associated data binds it to `k` and
/// the epoch, the instance name is made from `k`, and the publication time
/// lets receivers refuse old copies.
public struct DiscoveryRecord: Sendable, Equatable {
    public var fingerprint: DeviceFingerprint
    public var displayName: String
    public var status: PresenceStatus
    /// When the record was sealed, Unix ms (the publisher's wall clock).
    public var published: UInt64

    public init(fingerprint: DeviceFingerprint, displayName: String, status: PresenceStatus, published: UInt64) {
        self.fingerprint = fingerprint
        self.displayName = displayName
        self.status = status
        self.published = published
    }

    static let version = "2"

    /// The epoch this record belongs to: that of its publication time.
    public var epoch: UInt32 { DiscoveryTimes.epoch(ofMilliseconds: published) }

    /// The TXT strings to publish (with a fresh random nonce: `s` differs every call).
    public func encode(team: TeamSubkeys) -> [String] {
        let keyed = team.keyedFingerprint(fingerprint.bytes, epoch: epoch)
        let sealed = team.seal(plaintext, context: Self.context(keyed, epoch: epoch))
        return [
            "v=\(Self.version)", "t=\(team.publishedTeamTag(epoch: epoch))", "k=\(Self.hex(keyed))",
            "s=\(Data(sealed).base64EncodedString())",
        ]
    }

    /// The service instance name for this record's epoch: `natter-` and the
    /// first 12 hex characters of the epoch's keyed fingerprint.
    public func instanceName(team: TeamSubkeys) -> String {
        Self.instanceName(keyedFingerprint: team.keyedFingerprint(fingerprint.bytes, epoch: epoch))
    }

    /// What a forwarder registration carries (Docs/protocol.md §9.3): the
    /// stable keyed fingerprint (the forwarder's directory key) and the same
    /// plaintext sealed for the context `"natter fwd v1" ‖ keyed`.
    public func sealedForForwarder(team: TeamSubkeys) -> (keyedFingerprint: [UInt8], blob: [UInt8]) {
        let keyed = team.keyedFingerprint(fingerprint.bytes)
        return (keyed, team.seal(plaintext, context: Self.forwarderContext(keyed)))
    }

    /// The sealed plaintext's fixed size: the name is padded, so a box's
    /// length tells a stranger nothing about the name.
    static let plaintextBytes = 32 + 8 + 1 + 1 + WireConstants.maximumNameBytes

    private var plaintext: [UInt8] {
        var bytes = fingerprint.bytes
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: published >> UInt64(shift))) }
        bytes.append(status.code)
        let name = Array(displayName.prefix(utf8Bytes: WireConstants.maximumNameBytes).utf8)
        bytes.append(UInt8(name.count))
        bytes += name
        return bytes + Array(repeating: 0, count: Self.plaintextBytes - bytes.count)
    }

    /// Why a record was ignored; counted, never fatal.
    public enum Rejection: Error, Equatable {
        /// No tag of an accepted epoch: another team's, or ours from another day.
        case otherTeam
        case unsupportedVersion
        case malformed(String)
        case sealBroken
        /// Published under an instance name other than the one its `k` makes: a copy.
        case wrongInstance
        /// Published longer ago than ``DiscoveryTimes/maximumAgeMilliseconds``,
        /// or before a record this receiver already holds for the device.
        case stale
        /// Published more than ``DiscoveryTimes/maximumFutureMilliseconds`` ahead of this receiver's clock.
        case fromTheFuture
    }

    /// Decodes a record seen on the network under `instanceName`, at the
    /// receiver's wall-clock time `now` (Unix ms). Refuses other teams'
    /// records cheaply (a string comparison, before any decryption), and
    /// anything malformed, tampered with, copied to another name, or old.
    /// Whether it is older than what the receiver already holds is the
    /// caller's check (``PeerSightings``).
    public static func decode(
        _ strings: [String], instanceName: String, team: TeamSubkeys, nowMilliseconds now: UInt64
    ) throws(Rejection) -> DiscoveryRecord {
        var fields: [String: String] = [:]
        for entry in strings.prefix(32) where entry.utf8.count <= 255 {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            let key = String(entry[..<equals])
            if fields[key] == nil { fields[key] = String(entry[entry.index(after: equals)...]) }
        }
        guard let version = fields["v"] else { throw .malformed("no version") }
        guard version == Self.version else { throw .unsupportedVersion }
        guard let tag = fields["t"], let epoch = DiscoveryTimes.acceptedEpochs(nowMilliseconds: now).first(where: { team.publishedTeamTag(epoch: $0).description == tag })
        else { throw .otherTeam }
        guard let keyedText = fields["k"], let keyed = bytes(hex: keyedText), keyed.count == 16 else { throw .malformed("keyed fingerprint") }
        guard let sealedText = fields["s"], let sealed = Data(base64Encoded: sealedText) else { throw .malformed("sealed blob") }
        guard baseInstanceName(instanceName) == Self.instanceName(keyedFingerprint: keyed) else { throw .wrongInstance }
        guard let plaintext = team.open(Array(sealed), context: context(keyed, epoch: epoch)) else { throw .sealBroken }
        let record = try parse(plaintext)
        guard team.keyedFingerprint(record.fingerprint.bytes, epoch: epoch) == keyed else { throw .sealBroken }
        guard record.epoch == epoch else { throw .malformed("published outside its epoch") }
        guard record.published <= now + DiscoveryTimes.maximumFutureMilliseconds else { throw .fromTheFuture }
        guard record.published + DiscoveryTimes.maximumAgeMilliseconds >= now else { throw .stale }
        return record
    }

    /// Opens a forwarder directory entry's sealed blob (Docs/protocol.md
    /// §9.3) and checks that it belongs to the entry's keyed fingerprint.
    /// No age limit: a forwarder lists a member for as long as it is
    /// registered; the caller keeps the newest per device.
    public static func openForwarderEntry(_ sealed: [UInt8], keyedFingerprint keyed: [UInt8], team: TeamSubkeys) throws(Rejection) -> DiscoveryRecord {
        guard let plaintext = team.open(sealed, context: forwarderContext(keyed)) else { throw .sealBroken }
        let record = try parse(plaintext)
        guard team.keyedFingerprint(record.fingerprint.bytes) == keyed else { throw .sealBroken }
        return record
    }

    /// fingerprint[32] ‖ published u64 ‖ status u8 ‖ name length u8 ‖ name
    /// (≤ 64 bytes of UTF-8) ‖ zeros, 106 bytes in all.
    static func parse(_ plaintext: [UInt8]) throws(Rejection) -> DiscoveryRecord {
        guard plaintext.count == plaintextBytes, let status = PresenceStatus(code: plaintext[40]) else { throw .malformed("sealed contents") }
        let published = plaintext[32..<40].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let nameLength = Int(plaintext[41])
        guard nameLength <= WireConstants.maximumNameBytes else { throw .malformed("name") }
        let nameBytes = plaintext[42..<(42 + nameLength)]
        guard plaintext[(42 + nameLength)...].allSatisfy({ $0 == 0 }) else { throw .malformed("padding") }
        guard let name = String(validating: nameBytes, as: UTF8.self) else { throw .malformed("name") }
        return DiscoveryRecord(fingerprint: DeviceFingerprint(bytes: Array(plaintext.prefix(32))), displayName: name, status: status, published: published)
    }

    /// `natter-` and the first 12 hex characters (6 bytes) of a keyed fingerprint.
    static func instanceName(keyedFingerprint keyed: [UInt8]) -> String {
        "natter-" + String(hex(keyed).prefix(12))
    }

    /// An instance name without the ` #N` Avahi appends after a name
    /// collision (`avahi_alternative_service_name`).
    static func baseInstanceName(_ name: String) -> Substring {
        guard let hash = name.range(of: " #", options: .backwards) else { return Substring(name) }
        let suffix = name[hash.upperBound...]
        guard !suffix.isEmpty, suffix.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return Substring(name) }
        return name[..<hash.lowerBound]
    }

    /// `"natter txt v1" ‖ epoch u32 ‖ k[16]`.
    static func context(_ keyed: [UInt8], epoch: UInt32) -> [UInt8] {
        Array("natter txt v1".utf8) + [UInt8(truncatingIfNeeded: epoch >> 24), UInt8(truncatingIfNeeded: epoch >> 16), UInt8(truncatingIfNeeded: epoch >> 8), UInt8(truncatingIfNeeded: epoch)] + keyed
    }

    /// `"natter fwd v1" ‖ keyed[16]`: a TXT box cannot be registered with a forwarder, nor the other way round.
    static func forwarderContext(_ keyed: [UInt8]) -> [UInt8] { Array("natter fwd v1".utf8) + keyed }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(bytes) }

    static func bytes(hex: String) -> [UInt8]? { Hex.decode(hex) }
}
