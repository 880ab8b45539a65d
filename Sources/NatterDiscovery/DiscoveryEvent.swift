public import NatterCore

/// How a sighting is known across events: by the device it announced (mDNS,
/// a forwarder) or, for a static peer whose identity only the handshake
/// reveals, by its configured address.
public enum DiscoveryKey: Hashable, Sendable {
    case device(DeviceFingerprint)
    case endpoint(StaticPeer)
}

/// A colleague as a discovery source sees them: where to reach them and,
/// when the source knows it, who they claim to be (the handshake confirms it)
/// and their presence.
public struct DiscoveredPeer: Sendable, Equatable {
    public let key: DiscoveryKey
    /// The name from the sealed record; nil when the source cannot know it.
    public var displayName: String?
    public var status: PresenceStatus?
    /// Addresses to dial, best first.
    public var addresses: [String]
    public var tcpPort: UInt16
    /// 0 when unknown (the hello frame announces it anyway).
    public var udpPort: UInt16
    /// A forwarder lists them and can relay a link when dialling them fails.
    public var relayable: Bool

    public init(
        key: DiscoveryKey, displayName: String? = nil, status: PresenceStatus? = nil, addresses: [String],
        tcpPort: UInt16, udpPort: UInt16 = 0, relayable: Bool = false
    ) {
        self.key = key
        self.displayName = displayName
        self.status = status
        self.addresses = addresses
        self.tcpPort = tcpPort
        self.udpPort = udpPort
        self.relayable = relayable
    }

    /// The device, when the source announced one.
    public var fingerprint: DeviceFingerprint? {
        if case .device(let fingerprint) = key { fingerprint } else { nil }
    }
}

/// What every discovery source reports, in one shape (Syncthing's habit:
/// local discovery, static addresses and a global server behind one
/// interface): a sighting begins, changes, or ends.
public enum DiscoveryEvent: Sendable, Equatable {
    case appeared(DiscoveredPeer)
    case updated(DiscoveredPeer)
    case disappeared(DiscoveryKey)
}

/// Something that finds colleagues: Avahi (mDNS), the static peers of the
/// configuration, and forwarders. The daemon merges every source's
/// events into one stream.
public protocol DiscoverySource: Sendable {
    /// A short name for logs, e.g. "mDNS".
    var name: String { get }
    /// Reports sightings until the task is cancelled. Throws only when the
    /// source cannot run at all (the error says what to do); the other
    /// sources keep running.
    func run(report: @escaping @Sendable (DiscoveryEvent) async -> Void) async throws
}

/// Why discovery cannot run.
public enum DiscoveryError: Error, CustomStringConvertible, Equatable {
    case daemonUnavailable(String)
    case invalidStaticPeer(String)
    /// A link-local IPv6 address names no network without its interface
    /// (every interface has its own `fe80::/64`): it could never be dialled.
    case linkLocalWithoutInterface(String)

    public var description: String {
        switch self {
        case .daemonUnavailable(let reason):
            "avahi-daemon is not running (\(reason)); start it with: systemctl start avahi-daemon — static peers keep working meanwhile"
        case .invalidStaticPeer(let text):
            "\"\(text)\" is not a static peer; write it as host:port, e.g. 10.0.0.7:7300 or [2001:db8::7]:7300"
        case .linkLocalWithoutInterface(let text):
            "\"\(text)\" is a link-local IPv6 address without its interface; write the interface it is reached through after a %, e.g. [fe80::1%eth0]:7300"
        }
    }
}
