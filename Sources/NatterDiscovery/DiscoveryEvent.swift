import Foundation
public import NatterCore

/// A colleague as discovery sees them: identity from the sealed record (to be
/// confirmed by the handshake), where to reach them, and their presence.
public struct DiscoveredPeer: Sendable, Equatable {
    public let fingerprint: DeviceFingerprint
    public var displayName: String
    public var status: PresenceStatus
    public var addresses: [String]
    public var tcpPort: UInt16
    public var udpPort: UInt16
}

public enum DiscoveryEvent: Sendable, Equatable {
    case appeared(DiscoveredPeer)
    case updated(DiscoveredPeer)
    case disappeared(DeviceFingerprint)
}

/// Why discovery cannot run.
public enum DiscoveryError: Error, CustomStringConvertible, Equatable {
    case daemonUnavailable(String)
    case invalidStaticPeer(String)

    public var description: String {
        switch self {
        case .daemonUnavailable(let reason):
            "avahi-daemon is not running (\(reason)); start it with: systemctl start avahi-daemon — static peers keep working meanwhile"
        case .invalidStaticPeer(let text):
            "\"\(text)\" is not a static peer; write it as host:port, e.g. 10.0.0.7:7300 or [fe80::1]:7300"
        }
    }
}

/// A `host:port` entry from the config file, for networks where multicast is blocked.
public struct StaticPeer: Sendable, Hashable {
    public let host: String
    public let port: UInt16

    public init(parsing text: String) throws(DiscoveryError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"), let port = UInt16(trimmed[trimmed.index(after: colon)...]), port != 0 else {
            throw .invalidStaticPeer(text)
        }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") {
            guard host.hasSuffix("]") else { throw .invalidStaticPeer(text) }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw .invalidStaticPeer(text)  // an IPv6 address needs brackets
        }
        guard !host.isEmpty, !host.contains(" ") else { throw .invalidStaticPeer(text) }
        self.host = host
        self.port = port
    }
}
