import ArgumentParser
import Foundation
import NatterAPI
import NatterCore
import NatterDiscovery
import NatterNode
import NatterTerminal
import NatterWire

/// `natter doctor [PEER]`: every link of the chain checked in order, one line
/// each (Docs/doctor.md). Gathering is here and in `DoctorProbes`; every
/// verdict is `DoctorChecks`'s, pure and unit-tested.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check why colleagues are missing: avahi, this device's record, interfaces, firewall, other teams, forwarders, clock, and a colleague.",
        discussion: """
            Each check prints one line, OK, WARN or FAIL, and for anything not OK the one thing to do. \
            With PEER it also checks that colleague: their record, TCP to each of their addresses, the link (direct or relayed), \
            a state datagram's round trip over UDP, and the last link error. \
            Exit status 0 only when every check is OK, 1 otherwise. Reading the firewall rules needs root.
            """)

    @OptionGroup var instance: InstanceOptions
    @Argument(help: "A colleague to check: a name, a name prefix or a fingerprint prefix.") var peer: String?
    @Flag(help: "Print the report as one JSON object.") var json = false

    func run() throws {
        let paths = instance.paths
        let keys = KeyFiles(directory: paths.dataDirectory)
        guard FileManager.default.fileExists(atPath: paths.dataDirectory + "/identity.key"), let team = try keys.loadTeam() else {
            throw CLIError("this device is not set up yet: run natter init, then natter team create or natter team join CODE")
        }
        let identity = try keys.loadOrCreateIdentity()
        let config = (try? String(contentsOfFile: paths.configFile, encoding: .utf8)).flatMap { try? NatterConfig(toml: $0) }

        let client = instance.client
        let status = try? client.status()
        let daemon = status.map { DaemonFacts(name: $0.name, tcpPort: $0.tcpPort, udpPort: $0.udpPort) }
        let diagnostics = status == nil ? nil : try? client.doctor()
        let avahi = DoctorProbes.avahi(team: team.subkeys, own: identity.fingerprint)
        var facts = DoctorFacts(
            daemon: daemon, mdnsEnabled: config?.mdns ?? true, avahi: avahi, interfaces: DoctorProbes.interfaces(),
            firewall: DoctorProbes.firewall(),
            forwarders: diagnostics?.forwarders,
            clockRefusals: diagnostics.map { Dictionary($0.clockRefusals.map { ($0.address, $0.count) }, uniquingKeysWith: +) })
        if let diagnostics {
            facts.refusedClockDifferences = Dictionary(diagnostics.clockRefusals.map { ($0.address, $0.differenceMilliseconds) }, uniquingKeysWith: { _, last in last })
            let names = Dictionary(((try? client.peers()) ?? []).map { ($0.fingerprint, $0.name) }, uniquingKeysWith: { first, _ in first })
            facts.clockDifferences = Dictionary(
                diagnostics.clockDifferences.map { (names[$0.fingerprint] ?? $0.fingerprint, $0.differenceMilliseconds) }, uniquingKeysWith: { first, _ in first })
        }
        facts.rootCommand = (["sudo", "natter", "doctor", "--data-dir", paths.dataDirectory, "--runtime-dir", paths.runtimeDirectory] + (peer.map { [$0] } ?? []))
            .map(Self.shellQuoted).joined(separator: " ")
        if let peer {
            facts.peer = peerFacts(peer, avahi: avahi, client: status == nil ? nil : client)
        }
        let report = DoctorChecks.report(facts)
        if json {
            try printJSON(report)
        } else {
            // Names in the lines are colleagues' claims: never printed raw.
            for line in report.checks { print(TerminalText.neutralised(line.text)) }
        }
        if !report.ok { throw ExitCode(report.exitStatus) }
    }

    /// A word as a shell reads it: plain when safe, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "/._-:".contains($0) }
        return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func peerFacts(_ query: String, avahi: AvahiBrowseOutcome, client: LocalAPIClient?) -> PeerFacts {
        let colleagues = ((try? client?.peers()) ?? []).map {
            PeerFacts.Colleague(name: $0.name, fingerprint: $0.fingerprint, online: $0.online, relayed: $0.link == .relayed)
        }
        guard let colleague = PeerFacts.Colleague.matching(query, in: colleagues) else {
            return PeerFacts(query: query, colleague: nil, tcpProbes: [])
        }
        var probes: [PeerFacts.TCPProbe] = []
        if case .answered(let records) = avahi {
            for record in records where record.owner == .colleague(colleague.fingerprint) {
                // A link-local IPv6 address is dialled through the interface it was seen on.
                let address = HostAddress.scoped(record.address, interfaceName: record.interface)
                guard !probes.contains(where: { $0.address == address && $0.port == record.port }) else { continue }
                probes.append(.init(address: address, port: record.port, failure: DoctorProbes.connectTCP(address, port: record.port)))
            }
        }
        var facts = PeerFacts(query: query, colleague: colleague, tcpProbes: probes)
        // By fingerprint: the colleague matched above, whatever else the name might match.
        facts.link = (try? client?.doctor(peer: colleague.fingerprint))?.peer
        facts.nowMilliseconds = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        return facts
    }
}
