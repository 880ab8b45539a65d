public import NatterAPI

/// Everything `natter doctor` gathered at the edge (the CLI), as plain values,
/// so that ``DoctorChecks`` can decide every verdict without I/O.
public struct DoctorFacts: Sendable {
    /// The running daemon, or nil when its local API did not answer.
    public var daemon: DaemonFacts?
    /// `mdns` in config.toml.
    public var mdnsEnabled: Bool
    public var avahi: AvahiBrowseOutcome
    public var interfaces: [InterfaceFacts]
    public var firewall: FirewallListing
    /// The daemon's forwarders (`GET /v1/doctor`); nil when it did not answer.
    public var forwarders: [ForwarderView]?
    /// Handshakes the daemon refused for a clock difference, by source address; nil when it did not answer.
    public var clockRefusals: [String: Int]?
    /// How far off the last refused handshake from each of those addresses was
    /// (their clock − this one, ms).
    public var refusedClockDifferences: [String: Int64] = [:]
    /// Linked colleagues whose clock differs by more than the handshake
    /// accepts, by name (their clock − this one, ms); nil when the daemon did not answer.
    public var clockDifferences: [String: Int64]?
    /// The PEER asked about, if any.
    public var peer: PeerFacts?
    /// This command again as root, for this user's directories (root's own
    /// XDG directories are not this user's): what to run to read the firewall.
    public var rootCommand = "sudo natter doctor"

    public init(
        daemon: DaemonFacts?, mdnsEnabled: Bool, avahi: AvahiBrowseOutcome, interfaces: [InterfaceFacts],
        firewall: FirewallListing, forwarders: [ForwarderView]? = nil, clockRefusals: [String: Int]? = nil,
        peer: PeerFacts? = nil
    ) {
        self.daemon = daemon
        self.mdnsEnabled = mdnsEnabled
        self.avahi = avahi
        self.interfaces = interfaces
        self.firewall = firewall
        self.forwarders = forwarders
        self.clockRefusals = clockRefusals
        self.peer = peer
    }
}

/// What the daemon's `GET /v1/status` said.
public struct DaemonFacts: Sendable, Equatable {
    public var name: String
    public var tcpPort: Int
    public var udpPort: Int

    public init(name: String, tcpPort: Int, udpPort: Int) {
        self.name = name
        self.tcpPort = tcpPort
        self.udpPort = udpPort
    }
}

/// How a browse for `_natter._tcp` through the system's avahi-daemon went.
public enum AvahiBrowseOutcome: Sendable, Equatable {
    /// `avahi-browse` is not installed, so avahi cannot be asked.
    case toolMissing
    /// avahi-daemon is not running (the client could not connect to it).
    case notRunning
    /// The browse failed otherwise; the tool's own words.
    case failed(String)
    /// avahi-daemon answered; the natter records it knows, judged.
    case answered([BrowsedNatterRecord])
}

/// A resolved `_natter._tcp` record, judged against this device's team.
public struct BrowsedNatterRecord: Sendable, Equatable {
    public enum Owner: Sendable, Equatable {
        /// This device's own record.
        case own
        /// A team mate's device, by its compact fingerprint.
        case colleague(String)
        /// A natter device whose team tag matches none of ours.
        case otherTeam
        /// Malformed, another protocol version, tampered with, copied, or out of date.
        case unreadable
    }

    public var instanceName: String
    public var interface: String
    public var address: String
    public var port: Int
    public var owner: Owner

    public init(instanceName: String, interface: String, address: String, port: Int, owner: Owner) {
        self.instanceName = instanceName
        self.interface = interface
        self.address = address
        self.port = port
        self.owner = owner
    }
}

/// A network interface as `getifaddrs` reports it.
public struct InterfaceFacts: Sendable, Equatable {
    public var name: String
    public var up: Bool
    public var multicast: Bool
    public var loopback: Bool
    /// Its IPv4 and IPv6 addresses, as text.
    public var addresses: [String]

    public init(name: String, up: Bool, multicast: Bool, loopback: Bool, addresses: [String]) {
        self.name = name
        self.up = up
        self.multicast = multicast
        self.loopback = loopback
        self.addresses = addresses
    }
}

/// The local firewall's rules, when they could be read.
public enum FirewallListing: Sendable, Equatable {
    /// `nft list ruleset` printed this.
    case nftables(String)
    /// `iptables-save` printed this (no nft on this machine).
    case iptables(String)
    /// Listing needs privileges this user does not have.
    case notPermitted
    /// Neither nft nor iptables-save is installed.
    case noTool
}

/// What is known about the PEER asked about.
public struct PeerFacts: Sendable, Equatable {
    /// What the user typed.
    public var query: String
    /// The colleague it names, as the daemon listed them; nil when none matched.
    public var colleague: Colleague?
    /// TCP connects to each address the colleague's record gave.
    public var tcpProbes: [TCPProbe]
    /// The daemon's view of the link (`GET /v1/doctor?peer=`): its path, the
    /// UDP round trip, the last link error; nil when it did not answer.
    public var link: DoctorPeerView?
    /// This clock, Unix ms: how long ago the last link error was.
    public var nowMilliseconds: UInt64 = 0

    public struct Colleague: Sendable, Equatable {
        public var name: String
        /// The compact fingerprint (as `GET /v1/peers` gives it).
        public var fingerprint: String
        public var online: Bool
        /// `direct` or `relayed` while online.
        public var relayed: Bool

        public init(name: String, fingerprint: String, online: Bool, relayed: Bool) {
            self.name = name
            self.fingerprint = fingerprint
            self.online = online
            self.relayed = relayed
        }
    }

    public struct TCPProbe: Sendable, Equatable {
        public var address: String
        public var port: Int
        /// nil when the connection was accepted, else why not ("refused", "timed out").
        public var failure: String?

        public init(address: String, port: Int, failure: String?) {
            self.address = address
            self.port = port
            self.failure = failure
        }
    }

    public init(query: String, colleague: Colleague?, tcpProbes: [TCPProbe]) {
        self.query = query
        self.colleague = colleague
        self.tcpProbes = tcpProbes
    }
}

extension PeerFacts.Colleague {
    /// PEER as the local API reads it (Docs/api.md): an exact display name
    /// (any case), else a fingerprint prefix of 4 or more characters, else a
    /// display-name prefix; nil when no rule matches exactly one colleague.
    public static func matching(_ query: String, in colleagues: [Self]) -> Self? {
        let lowered = query.lowercased()
        let rules: [(Self) -> Bool] = [
            { $0.name.lowercased() == lowered },
            { query.count >= 4 && $0.fingerprint.hasPrefix(query.uppercased()) },
            { $0.name.lowercased().hasPrefix(lowered) },
        ]
        for rule in rules {
            let found = colleagues.filter(rule)
            if !found.isEmpty { return found.count == 1 ? found[0] : nil }
        }
        return nil
    }
}
