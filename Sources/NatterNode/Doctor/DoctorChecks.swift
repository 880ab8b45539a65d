import NatterAPI
import NatterDiscovery
import NatterWire

/// Every verdict of `natter doctor`, decided from gathered facts (pure: no
/// I/O, no clock). The order of the lines is the order of the chain a message
/// travels: the daemon, avahi, this device's record, the interfaces, the
/// firewall, other teams, forwarders, the clock, then the PEER asked about.
public enum DoctorChecks {
    /// The UDP port mDNS uses (RFC 6762 §2).
    public static let mdnsPort = 5353

    public static func report(_ facts: DoctorFacts) -> DoctorReport {
        var lines = [
            daemon(facts.daemon),
            avahi(facts.avahi),
            ownRecord(facts.avahi, daemon: facts.daemon, mdnsEnabled: facts.mdnsEnabled),
            interfaces(facts.interfaces),
            firewall(facts.firewall, ports: ports(facts.daemon), rootCommand: facts.rootCommand),
            otherTeams(facts.avahi),
            forwarders(facts.forwarders),
            clock(facts.clockRefusals, differences: facts.refusedClockDifferences, linked: facts.clockDifferences ?? [:]),
        ]
        if let peer = facts.peer {
            lines += self.peer(peer, avahi: facts.avahi, daemon: facts.daemon, clockRefusals: facts.clockRefusals ?? [:])
        }
        return DoctorReport(checks: lines)
    }

    static func daemon(_ daemon: DaemonFacts?) -> DoctorLine {
        guard let daemon else {
            return DoctorLine("daemon", .fail, "natter is not running on this data directory", fix: "start it with `natter up` (or `systemctl --user start natter`)")
        }
        return DoctorLine("daemon", .ok, "natter is running as \"\(daemon.name)\" (TCP \(daemon.tcpPort), UDP \(daemon.udpPort))")
    }

    static func avahi(_ outcome: AvahiBrowseOutcome) -> DoctorLine {
        switch outcome {
        case .toolMissing:
            return DoctorLine("avahi", .warn, "avahi-browse is not installed, so avahi-daemon could not be asked", fix: "install it: `sudo apt install avahi-utils`")
        case .notRunning:
            return DoctorLine("avahi", .fail, "avahi-daemon is not running, so nobody finds you and you find nobody", fix: "start it: `sudo systemctl start avahi-daemon`")
        case .failed(let words):
            return DoctorLine("avahi", .fail, "avahi-daemon did not answer a browse: \(words)", fix: "restart it: `sudo systemctl restart avahi-daemon`")
        case .answered(let records):
            let devices = Set(records.map(\.instanceName)).count
            return DoctorLine("avahi", .ok, "avahi-daemon answers (\(devices) natter \(devices == 1 ? "record" : "records") on the LAN)")
        }
    }

    static func ownRecord(_ outcome: AvahiBrowseOutcome, daemon: DaemonFacts?, mdnsEnabled: Bool) -> DoctorLine {
        guard mdnsEnabled else {
            return DoctorLine("own-record", .warn, "mDNS is off in config.toml: colleagues find you only as a static peer or through a forwarder", fix: "set `mdns = true` in config.toml and restart `natter up`")
        }
        guard case .answered(let records) = outcome else {
            return DoctorLine("own-record", .fail, "this device's record could not be looked for: avahi-daemon does not answer", fix: "make avahi-daemon answer first (the avahi line)")
        }
        let own = records.filter { $0.owner == .own }
        guard own.isEmpty else {
            let interfaces = Set(own.map(\.interface)).sorted().joined(separator: ", ")
            return DoctorLine("own-record", .ok, "this device's record is visible in a browse (on \(interfaces))")
        }
        guard daemon != nil else {
            return DoctorLine("own-record", .fail, "this device's record is not published: natter is not running", fix: "start it with `natter up`")
        }
        return DoctorLine("own-record", .fail, "this device's record is not visible in a browse although natter is running", fix: "look for avahi errors in `natter up`'s log, then restart it")
    }

    static func interfaces(_ interfaces: [InterfaceFacts]) -> DoctorLine {
        let usable = interfaces.filter { $0.up && $0.multicast && !$0.loopback && !$0.addresses.isEmpty }
        guard !usable.isEmpty else {
            let up = interfaces.filter { $0.up && !$0.loopback }
            let why = up.isEmpty ? "no network interface is up" : "no interface that is up has multicast and an address (\(up.map(\.name).joined(separator: ", ")))"
            return DoctorLine("interfaces", .fail, "mDNS has no interface to use: \(why)", fix: "connect to the office network, then check `ip addr`")
        }
        let list = usable.map { "\($0.name) (\($0.addresses.joined(separator: ", ")))" }.joined(separator: "; ")
        return DoctorLine("interfaces", .ok, "mDNS can use \(list)")
    }

    /// The ports that must get through: mDNS, and natter's own while it runs.
    static func ports(_ daemon: DaemonFacts?) -> [FirewallRules.Port] {
        var ports = [FirewallRules.Port(proto: .udp, number: mdnsPort, purpose: "mDNS")]
        if let daemon {
            ports.append(.init(proto: .tcp, number: daemon.tcpPort, purpose: "natter's links"))
            ports.append(.init(proto: .udp, number: daemon.udpPort, purpose: "natter's state datagrams"))
        }
        return ports
    }

    static func firewall(_ listing: FirewallListing, ports: [FirewallRules.Port], rootCommand: String = "sudo natter doctor") -> DoctorLine {
        let findings: [FirewallRules.Finding]
        let source: String
        switch listing {
        case .notPermitted:
            return DoctorLine("firewall", .warn, "the firewall rules could not be read (listing them needs root)", fix: "run it as root to check them: `\(rootCommand)`")
        case .noTool:
            return DoctorLine("firewall", .warn, "neither nft nor iptables-save is installed, so the firewall rules could not be read", fix: "install nftables (`sudo apt install nftables`) to let the doctor read them")
        case .nftables(let text):
            findings = FirewallRules.nftablesFindings(text, ports: ports)
            source = "nftables"
        case .iptables(let text):
            findings = FirewallRules.iptablesFindings(text, ports: ports)
            source = "iptables"
        }
        guard let first = findings.first else {
            let names = ports.map { "\($0.proto.rawValue.uppercased()) \($0.number)" }.joined(separator: ", ")
            return DoctorLine("firewall", .ok, "no \(source) rule drops \(names)")
        }
        let blocked = findings.map { "\($0.port.proto.rawValue.uppercased()) \($0.port.number) (\($0.port.purpose))" }.joined(separator: ", ")
        return DoctorLine("firewall", .fail, "\(source) drops \(blocked): \(first.reason)", fix: "allow incoming \(first.port.proto.rawValue.uppercased()) port \(first.port.number): `\(first.fixCommand)`")
    }

    static func otherTeams(_ outcome: AvahiBrowseOutcome) -> DoctorLine {
        guard case .answered(let records) = outcome else {
            return DoctorLine("other-teams", .warn, "not checked: avahi-daemon does not answer", fix: "make avahi-daemon answer first (the avahi line)")
        }
        let others = Set(records.filter { $0.owner == .otherTeam }.map(\.instanceName)).count
        let unreadable = Set(records.filter { $0.owner == .unreadable }.map(\.instanceName)).count
        if others > 0 {
            let devices = others == 1 ? "1 natter device here uses" : "\(others) natter devices here use"
            return DoctorLine("other-teams", .warn, "\(devices) a different team key", fix: "check the team code: compare it with a colleague's and join again with `natter team join CODE` if it differs")
        }
        let colleagues = Set(records.compactMap { if case .colleague(let fingerprint) = $0.owner { fingerprint } else { nil } }).count
        let note = unreadable > 0 ? "; \(unreadable) unreadable, copied or out of date" : ""
        return DoctorLine("other-teams", .ok, "every natter device seen is in your team (\(colleagues) \(colleagues == 1 ? "colleague" : "colleagues")\(note))")
    }

    static func forwarders(_ forwarders: [ForwarderView]?) -> DoctorLine {
        guard let forwarders else {
            return DoctorLine("forwarders", .warn, "not checked: natter is not running", fix: "start it with `natter up`")
        }
        guard !forwarders.isEmpty else {
            return DoctorLine("forwarders", .ok, "no forwarder configured or found on the LAN (one is needed only for colleagues on other subnets)")
        }
        func named(_ list: [ForwarderView]) -> String {
            list.map { "\($0.endpoint) (\($0.configured ? "configured" : "found on mDNS"))" }.joined(separator: ", ")
        }
        let unregistered = forwarders.filter { !$0.registered }
        guard unregistered.isEmpty else {
            return DoctorLine(
                "forwarders", .fail, "not registered with \(unregistered.count) of \(forwarders.count) forwarders: \(named(unregistered))",
                fix: "check that natter-forwarder runs at \(unregistered[0].endpoint) and was set up from this team's code (Docs/forwarder.md)")
        }
        let skewed = forwarders.compactMap { forwarder in
            forwarder.clockDifferenceMilliseconds.map { "\(forwarder.endpoint)'s clock is \(PeerClocks.describe($0))" }
        }
        guard skewed.isEmpty else {
            return DoctorLine(
                "forwarders", .warn, "registered with \(named(forwarders)), in the forwarder's time: \(skewed.joined(separator: "; ")) (a clock hint)",
                fix: clockFix)
        }
        return DoctorLine("forwarders", .ok, "registered with \(named(forwarders))")
    }

    /// The handshake refuses a first message whose timestamp is off by more
    /// than this (Docs/protocol.md §4.4).
    static let clockTolerance = "120 s"

    static let clockFix = "set the wrong clock right (`timedatectl` shows whether it is synchronised)"

    /// - Parameters:
    ///   - refusals: handshakes refused for the clock with no link since, by address;
    ///     `differences` says by how much the last one was off.
    ///   - linked: colleagues linked although their clock differs (clock hints), by name.
    static func clock(_ refusals: [String: Int]?, differences: [String: Int64] = [:], linked: [String: Int64] = [:]) -> DoctorLine {
        guard let refusals else {
            return DoctorLine("clock", .warn, "not checked: natter is not running", fix: "start it with `natter up`")
        }
        if !refusals.isEmpty {
            let list = refusals.sorted { $0.key < $1.key }.map { address, count in
                "\(address) (\(count)×\(differences[address].map { ", their clock " + PeerClocks.describe($0) } ?? ""))"
            }.joined(separator: ", ")
            let who = refusals.count == 1 ? "a colleague at" : "\(refusals.count) colleagues at"
            return DoctorLine(
                "clock", .fail, "handshakes from \(who) \(list) were refused: their clock and this one differ by more than \(clockTolerance)",
                fix: "set the wrong clock right on both sides (`timedatectl` shows whether it is synchronised)")
        }
        guard linked.isEmpty else {
            let list = linked.sorted { $0.key < $1.key }.map { "\($0.key)'s clock is \(PeerClocks.describe($0.value))" }.joined(separator: "; ")
            return DoctorLine(
                "clock", .warn, "\(list): linked anyway (handshakes are stamped in the other's time), but older natters and older forwarders refuse a clock that far off",
                fix: clockFix)
        }
        return DoctorLine("clock", .ok, "no colleague's handshake was refused for a clock difference over \(clockTolerance)")
    }

    static func peer(_ peer: PeerFacts, avahi: AvahiBrowseOutcome, daemon: DaemonFacts?, clockRefusals: [String: Int] = [:]) -> [DoctorLine] {
        guard daemon != nil else {
            return [DoctorLine("peer", .fail, "\"\(peer.query)\" cannot be looked up: natter is not running", fix: "start it with `natter up`")]
        }
        guard let colleague = peer.colleague else {
            return [DoctorLine("peer", .fail, "no colleague matches \"\(peer.query)\"", fix: "list your colleagues with `natter peers`")]
        }
        let name = colleague.name
        var lines: [DoctorLine] = []
        let records: [BrowsedNatterRecord]
        if case .answered(let all) = avahi {
            records = all.filter { $0.owner == .colleague(colleague.fingerprint) }
        } else {
            records = []
        }
        if records.isEmpty {
            lines.append(DoctorLine("peer-record", .fail, "\(name)'s record is not seen on this LAN", fix: "ask \(name) to start natter and run `natter doctor`; on another subnet, set up a forwarder (Docs/forwarder.md)"))
        } else {
            let places = Set(records.map { HostAddress.endpoint($0.address, port: $0.port) }).sorted().joined(separator: ", ")
            lines.append(DoctorLine("peer-record", .ok, "\(name)'s record is seen (\(places))"))
        }
        let failed = peer.tcpProbes.filter { $0.failure != nil }
        if peer.tcpProbes.isEmpty {
            lines.append(DoctorLine("peer-tcp", .warn, "no address of \(name) to try: their record is not seen", fix: "see the peer-record line"))
        } else if let first = failed.first {
            let list = failed.map { HostAddress.endpoint($0.address, port: $0.port) + " " + ($0.failure ?? "") }.joined(separator: ", ")
            lines.append(DoctorLine("peer-tcp", .fail, "\(failed.count) of \(peer.tcpProbes.count) of \(name)'s addresses cannot be reached by TCP: \(list)", fix: "a firewall on \(name)'s side or between you drops TCP port \(first.port); ask \(name) to run `natter doctor`"))
        } else {
            let list = peer.tcpProbes.map { HostAddress.endpoint($0.address, port: $0.port) }.joined(separator: ", ")
            lines.append(DoctorLine("peer-tcp", .ok, "every address of \(name) accepts TCP (\(list))"))
        }
        let remote = peer.link?.remote
        switch (colleague.online, colleague.relayed) {
        case (true, false):
            lines.append(DoctorLine("peer-link", .ok, "linked to \(name) directly\(remote.map { " (\($0))" } ?? ""): the handshake completed"))
        case (true, true):
            let through = remote.map { "forwarder \($0)" } ?? "a forwarder"
            lines.append(DoctorLine("peer-link", .warn, "linked to \(name) only through \(through): no direct connection could be made", fix: "let TCP through between your subnets to talk directly (the relay works meanwhile)"))
        case (false, _):
            let skewed = records.map(\.address).filter { clockRefusals[$0] != nil }
            let fix = if let address = skewed.first {
                "\(name)'s handshakes from \(address) were refused for the clock: set the wrong clock right (`timedatectl`)"
            } else if records.isEmpty || !failed.isEmpty {
                "fix the lines above first"
            } else {
                "\(name)'s device answers but no handshake completed: compare team codes, and clocks (the handshake accepts 120 s of difference)"
            }
            lines.append(DoctorLine("peer-link", .fail, "no link to \(name): no handshake has completed", fix: fix))
        }
        if let link = peer.link {
            lines.append(udp(link.udp, name: name, relayed: colleague.relayed))
            lines.append(lastError(link.lastError, name: name, online: colleague.online, now: peer.nowMilliseconds))
        }
        return lines
    }

    /// The UDP path: a state datagram's round trip (Docs/protocol.md §6.5).
    static func udp(_ check: UDPCheckView, name: String, relayed: Bool) -> DoctorLine {
        let port = check.target.flatMap { $0.split(separator: ":").last }.map(String.init) ?? "?"
        let via = relayed ? " through the forwarder" : ""
        switch check.outcome {
        case .answered:
            let tenths = ((check.roundTripMicroseconds ?? 0) + 50) / 100
            return DoctorLine("peer-udp", .ok, "a state datagram to \(name)\(via) came back in \(tenths / 10).\(tenths % 10) ms (\(check.target ?? "?"))")
        case .unanswered:
            let fix = relayed
                ? "allow UDP port \(port) to the forwarder at \(check.target ?? "?"), and ask \(name) to run `natter doctor`"
                : "allow UDP port \(port) on \(name)'s side and between you; ask \(name) to run `natter doctor` (their firewall line names the rule)"
            return DoctorLine(
                "peer-udp", .fail, "UDP to \(name)\(via) gets no answer (\(check.requests) requests to \(check.target ?? "?")): states fall back to TCP", fix: fix)
        case .noLink:
            return DoctorLine("peer-udp", .warn, "not checked: there is no link to \(name)", fix: "see the peer-link line")
        case .noUDPPort:
            return DoctorLine("peer-udp", .warn, "\(name)'s natter announced no UDP port: states go by TCP only", fix: "ask \(name) to check `natter up`'s log for its UDP port")
        case .unsupported:
            return DoctorLine("peer-udp", .warn, "not checked: \(name)'s natter is too old to answer the UDP check", fix: "update natter on \(name)'s device")
        }
    }

    /// The last link error with PEER since natter started, and how long ago.
    static func lastError(_ error: LinkErrorView?, name: String, online: Bool, now: UInt64) -> DoctorLine {
        guard let error else {
            return DoctorLine("peer-error", .ok, "no link error with \(name) since natter started")
        }
        let ago = PeerClocks.span(now > error.at ? now - error.at : 0)
        let summary = "last link error with \(name), \(ago) ago: \(error.text)"
        guard !online else {
            return DoctorLine("peer-error", .ok, summary + " (linked since)")
        }
        return DoctorLine("peer-error", .fail, summary, fix: fix(for: error.kind, name: name))
    }

    static func fix(for kind: LinkErrorKind, name: String) -> String {
        switch kind {
        case .refused: "ask \(name) to start natter (`natter up`) and run `natter doctor`: their firewall line names a rule that rejects it"
        case .timedOut, .unreachable: "a firewall on \(name)'s side or between you drops natter's TCP port; ask \(name) to run `natter doctor`"
        case .handshakeTimedOut: "something between you holds the connection open without passing it on (a proxy, a captive network); ask \(name) to run `natter doctor`"
        case .handshakeRefused: "compare team codes with \(name) (`natter team join CODE` if they differ)"
        case .clockHint: clockFix
        case .wrongDevice: "ask \(name) for their current address, or wait for their record to refresh"
        case .silent: "nothing to do if \(name)'s machine slept; else check the network between you"
        case .damaged, .protocolError: "look at `natter up`'s log on both sides; update the older natter"
        }
    }
}
