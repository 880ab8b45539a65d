import Foundation
public import NatterCore
public import NatterDiscovery
import TOMLKit

/// The user's settings, read from a TOML file that people edit by hand.
///
/// Every key is optional so a short file works and a newer natter can read an
/// older file. Session-state presets are in seconds.
public struct NatterConfig: Sendable, Equatable {
    /// The name colleagues see, sealed in the mDNS record (members only).
    public var displayName: String
    /// Language of the state lines shown in `natter chat`.
    public var language: DisplayLanguage
    /// TCP port for links; 0 picks a free one (it is published over mDNS).
    public var tcpPort: UInt16
    /// UDP port for state datagrams; 0 picks a free one.
    public var udpPort: UInt16
    /// Whether to publish and browse over mDNS (off where multicast is blocked).
    public var mdns: Bool
    /// Colleagues to dial directly, for networks without multicast.
    public var staticPeers: [StaticPeer]
    /// Forwarders to register with, for colleagues on other subnets (more
    /// are found on mDNS when `mdns` is on).
    public var forwarders: [StaticPeer]
    /// The session-state presets.
    public var timings: SessionStateTimings
    /// The web UI's port on loopback (`[web] port`); 0 turns the web UI off;
    /// nil (unset) is this user's own port (`WebListener.preferredPort`).
    public var webPort: UInt16?

    public init(displayName: String) {
        self.displayName = displayName
        language = .english
        tcpPort = 0
        udpPort = 0
        mdns = true
        staticPeers = []
        forwarders = []
        timings = SessionStateTimings()
    }

    // MARK: TOML

    /// Parses the file's text. Errors name the key or line at fault.
    public init(toml text: String) throws(ConfigError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .invalid("line \(error.source.begin.line): \(error.description)")
        } catch {
            throw .invalid(String(describing: error))
        }
        try Self.onlyKnownKeys(table, ["name", "language", "network", "timings", "web"], in: nil)
        guard let name = table["name"]?.string, !name.isEmpty else {
            let problem = table["name"] == nil ? "is missing" : "must be a non-empty string"
            throw .invalid("`name` \(problem); set it with: natter init --name \"Your Name\"")
        }
        self.init(displayName: name)
        if let value = table["language"] {
            switch value.string {
            case "en": language = .english
            case "zh", "zh-Hans": language = .simplifiedChinese
            default: throw .invalid("`language` must be \"en\" or \"zh\", not \(value.debugDescription)")
            }
        }
        if let value = table["network"] {
            guard let network = value.table else { throw .invalid("`network` must be a table: [network]") }
            try Self.onlyKnownKeys(network, ["tcp_port", "udp_port", "mdns", "static_peers", "forwarders"], in: "network")
            tcpPort = try Self.port(network, "tcp_port") ?? 0
            udpPort = try Self.port(network, "udp_port") ?? 0
            if let mdns = network["mdns"] {
                guard let on = mdns.bool else { throw .invalid("`network.mdns` must be true or false") }
                self.mdns = on
            }
            staticPeers = try Self.endpoints(network, "static_peers")
            forwarders = try Self.endpoints(network, "forwarders")
        }
        if let value = table["web"] {
            guard let web = value.table else { throw .invalid("`web` must be a table: [web]") }
            try Self.onlyKnownKeys(web, ["port"], in: "web")
            webPort = try Self.port(web, "port", in: "web")
        }
        if let value = table["timings"] {
            guard let presets = value.table else { throw .invalid("`timings` must be a table: [timings]") }
            try Self.onlyKnownKeys(presets, ["paused_typing", "left_temporarily", "away"], in: "timings")
            func seconds(_ key: String, _ keyPath: WritableKeyPath<SessionStateTimings, Duration>) throws(ConfigError) {
                guard let value = presets[key] else { return }
                // Kept to the millisecond, so anything below one would be zero.
                guard let number = value.double ?? value.int.map(Double.init), number >= 0.001, number < 86_400 else {
                    throw .invalid("`timings.\(key)` must be a number of seconds from 0.001 to under 86400")
                }
                timings[keyPath: keyPath] = .milliseconds(Int64((number * 1000).rounded()))
            }
            try seconds("paused_typing", \.pausedTyping)
            try seconds("left_temporarily", \.leftTemporarily)
            try seconds("away", \.away)
        }
    }

    /// A misspelt key would silently keep its default: name it instead.
    private static func onlyKnownKeys(_ table: TOMLTable, _ known: [String], in section: String?) throws(ConfigError) {
        for key in table.keys.sorted() where !known.contains(key) {
            let path = section.map { "\($0).\(key)" } ?? key
            throw .invalid("`\(path)` is not a setting natter knows; known here: " + known.joined(separator: ", "))
        }
    }

    /// A list of `host:port` strings. A malformed entry stops the daemon with
    /// its name: silently skipping it would leave a colleague (or a whole
    /// subnet, for a forwarder) unreachable with no clue why.
    private static func endpoints(_ network: TOMLTable, _ key: String) throws(ConfigError) -> [StaticPeer] {
        guard let value = network[key] else { return [] }
        let shape = ConfigError.invalid("`network.\(key)` must be a list of \"host:port\" strings")
        guard let list = value.array else { throw shape }
        return try list.map { value throws(ConfigError) in
            guard let text = value.string else { throw shape }
            do {
                return try StaticPeer(parsing: text)
            } catch {
                throw .invalid("`network.\(key)`: \(error)")
            }
        }
    }

    private static func port(_ table: TOMLTable, _ key: String, in section: String = "network") throws(ConfigError) -> UInt16? {
        guard let value = table[key] else { return nil }
        guard let number = value.int, let port = UInt16(exactly: number) else {
            throw .invalid("`\(section).\(key)` must be a port number from 0 to 65535")
        }
        return port
    }

    /// The file `natter init` writes: every setting present and commented.
    public var tomlText: String {
        let peers = staticPeers.map { "\"\(Self.escape($0.description))\"" }.joined(separator: ", ")
        let forwarderList = forwarders.map { "\"\(Self.escape($0.description))\"" }.joined(separator: ", ")
        return """
            # natter configuration. Edit, then restart `natter up`.

            # The name colleagues see (sent only to members of your team).
            name = "\(Self.escape(displayName))"
            # Language of the state lines in `natter chat`: "en" or "zh".
            language = "\(language == .english ? "en" : "zh")"

            [network]
            # 0 picks a free port; the chosen port is published over mDNS.
            tcp_port = \(tcpPort)
            udp_port = \(udpPort)
            # Find colleagues with mDNS (Avahi). Turn off where multicast is blocked.
            mdns = \(mdns)
            # Colleagues to dial directly, as "host:port", e.g. ["10.0.0.7:7300"].
            static_peers = [\(peers)]
            # Forwarders for colleagues on other subnets, as "host:port", e.g.
            # ["10.0.0.2:7310"]. Forwarders on this subnet are found on mDNS.
            forwarders = [\(forwarderList)]

            [timings]
            # Session-state presets, in seconds.
            paused_typing = \(timings.pausedTyping.seconds)
            left_temporarily = \(timings.leftTemporarily.seconds)
            away = \(timings.away.seconds)

            [web]
            # The web UI's port on 127.0.0.1 and ::1 (open it with: natter open);
            # 0 turns the web UI off. Unset, it is 20000 + your uid % 10000, or a
            # free port when that one is taken.
            \(webPort.map { "port = \($0)" } ?? "# port = 21000")

            """
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

extension Duration {
    /// Whole or fractional seconds as TOML writes them.
    fileprivate var seconds: String {
        let (whole, fraction) = components
        let milliseconds = fraction / 1_000_000_000_000_000
        return milliseconds == 0 ? "\(whole)" : "\(Double(whole) + Double(milliseconds) / 1000)"
    }
}

/// Why the configuration could not be used.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case missing(path: String)

    public var description: String {
        switch self {
        case .invalid(let reason): "the configuration is invalid: \(reason)"
        case .missing(let path): "natter is not set up yet (no \(path)); run: natter init --name \"Your Name\""
        }
    }
}
