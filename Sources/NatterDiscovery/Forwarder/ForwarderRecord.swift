public import NatterWire

/// What a forwarder publishes as `_natter-fwd._tcp` (Docs/protocol.md §3, "The forwarder's record"):
///
///     v=1           protocol version
///     t=<16 hex>    ForwarderKey.forwarderTag: members of its team recognise it, others see random bytes
///
/// Nothing else: who is behind a forwarder is learnt only after admission.
public enum ForwarderRecord {
    public static let serviceType = "_natter-fwd._tcp"
    /// The forwarder's TCP port when none is configured.
    public static let defaultPort: UInt16 = 7310
    static let version = "1"

    /// Why a forwarder record is not for us; counted, never fatal.
    public enum Rejection: Error, Equatable {
        case otherTeam
        case unsupportedVersion
    }

    public static func txt(key: ForwarderKey) -> [String] {
        ["v=\(version)", "t=\(key.forwarderTag)"]
    }

    /// What the forwarder executable hands to ``AvahiService``. The instance
    /// name carries the tag's first half, so two forwarders of different teams
    /// on one LAN rarely collide (Avahi renames if they do).
    public static func publication(port: UInt16 = defaultPort, key: ForwarderKey) -> AvahiService.Publication {
        let tag = key.forwarderTag.description
        return AvahiService.Publication(type: serviceType, instanceName: "natter-fwd-\(tag.prefix(8))", port: port, txt: txt(key: key))
    }

    /// Accepts a record only with `v=1` and exactly our tag (hex, any case).
    public static func check(_ txt: [String], tag: TeamTag) throws(Rejection) {
        var fields: [Substring: Substring] = [:]
        for entry in txt.prefix(32) {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            fields[entry[..<equals]] = fields[entry[..<equals]] ?? entry[entry.index(after: equals)...]
        }
        guard fields["v"] == Substring(version) else { throw .unsupportedVersion }
        guard let seen = fields["t"], seen.lowercased() == tag.description else { throw .otherTeam }
    }
}
