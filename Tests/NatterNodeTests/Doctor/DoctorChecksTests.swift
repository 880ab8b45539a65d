import NatterAPI
@testable import NatterNode
import Testing

@Suite("natter doctor: every verdict from gathered facts")
struct DoctorChecksTests {
    static let daemon = DaemonFacts(name: "Alice", tcpPort: 41231, udpPort: 41232)
    static let eth0 = InterfaceFacts(name: "eth0", up: true, multicast: true, loopback: false, addresses: ["10.0.0.11"])
    static let lo = InterfaceFacts(name: "lo", up: true, multicast: false, loopback: true, addresses: ["127.0.0.1"])
    static let bob = "BOBXK4MZ7QWERTYUIOPASDFGHJKLZXCV"

    static func record(_ name: String, _ owner: BrowsedNatterRecord.Owner, address: String = "10.0.0.12", interface: String = "eth0") -> BrowsedNatterRecord {
        BrowsedNatterRecord(instanceName: name, interface: interface, address: address, port: 41231, owner: owner)
    }

    static func healthy(_ records: [BrowsedNatterRecord] = [record("me", .own, address: "10.0.0.11")]) -> DoctorFacts {
        DoctorFacts(daemon: daemon, mdnsEnabled: true, avahi: .answered(records), interfaces: [lo, eth0], firewall: .nftables(""), forwarders: [], clockRefusals: [:])
    }

    @Test func everythingWorkingIsAllOKInChainOrderAndExitsZero() {
        let report = DoctorChecks.report(Self.healthy())
        #expect(report.checks.map(\.check) == ["daemon", "avahi", "own-record", "interfaces", "firewall", "other-teams", "forwarders", "clock"])
        #expect(report.checks.allSatisfy { $0.verdict == .ok && $0.fix == nil }, "\(report.text)")
        #expect(report.ok && report.exitStatus == 0)
        #expect(report.checks[3].summary == "mDNS can use eth0 (10.0.0.11)", "loopback is not an mDNS interface")
    }

    @Test func aStoppedDaemonIsAFailWithTheCommandAndTheOtherChecksStillRun() {
        var facts = Self.healthy([])
        facts.daemon = nil
        let report = DoctorChecks.report(facts)
        #expect(report.checks[0] == DoctorLine("daemon", .fail, "natter is not running on this data directory", fix: "start it with `natter up` (or `systemctl --user start natter`)"))
        #expect(report.checks[2].verdict == .fail && report.checks[2].summary.contains("natter is not running"))
        #expect(report.checks[3].verdict == .ok && report.checks[4].verdict == .ok, "interfaces and firewall are still checked")
        #expect(!report.ok && report.exitStatus == 1)
    }

    @Test func avahiNotRunningFailsAndTheChecksThatNeedItSaySo() {
        var facts = Self.healthy()
        facts.avahi = .notRunning
        let report = DoctorChecks.report(facts)
        #expect(report.checks[1].text == "FAIL avahi: avahi-daemon is not running, so nobody finds you and you find nobody — do: start it: `sudo systemctl start avahi-daemon`")
        #expect(report.checks[2].verdict == .fail && report.checks[2].fix == "make avahi-daemon answer first (the avahi line)")
        #expect(report.checks[5].verdict == .warn)
        facts.avahi = .toolMissing
        #expect(DoctorChecks.report(facts).checks[1].verdict == .warn)
        facts.avahi = .failed("Failed to resolve")
        #expect(DoctorChecks.report(facts).checks[1].verdict == .fail)
    }

    @Test func ownRecordMissingWhileRunningFailsAndMDNSOffWarns() {
        var facts = Self.healthy([Self.record("bob", .colleague(Self.bob))])
        #expect(DoctorChecks.report(facts).checks[2].summary == "this device's record is not visible in a browse although natter is running")
        facts.mdnsEnabled = false
        #expect(DoctorChecks.report(facts).checks[2].verdict == .warn)
    }

    @Test func interfacesWithoutMulticastOrAddressesFail() {
        var facts = Self.healthy()
        facts.interfaces = [Self.lo, InterfaceFacts(name: "eth0", up: true, multicast: false, loopback: false, addresses: ["10.0.0.11"])]
        let line = DoctorChecks.report(facts).checks[3]
        #expect(line.verdict == .fail && line.summary.contains("no interface that is up has multicast and an address (eth0)"), "\(line.text)")
        facts.interfaces = [Self.lo, InterfaceFacts(name: "eth0", up: false, multicast: true, loopback: false, addresses: [])]
        #expect(DoctorChecks.report(facts).checks[3].summary.contains("no network interface is up"))
    }

    @Test func otherTeamsAreCountedOncePerDeviceWhateverTheInterfaces() {
        let facts = Self.healthy([
            Self.record("me", .own), Self.record("x", .otherTeam), Self.record("x", .otherTeam, interface: "wlan0"),
            Self.record("y", .otherTeam), Self.record("z", .otherTeam),
        ])
        let line = DoctorChecks.report(facts).checks[5]
        #expect(line.text == "WARN other-teams: 3 natter devices here use a different team key — do: check the team code: compare it with a colleague's and join again with `natter team join CODE` if it differs")
        let one = DoctorChecks.report(Self.healthy([Self.record("me", .own), Self.record("x", .otherTeam)])).checks[5]
        #expect(one.summary == "1 natter device here uses a different team key")
    }

    @Test func firewallThatCannotBeReadWarns() {
        var facts = Self.healthy()
        facts.firewall = .notPermitted
        facts.rootCommand = "sudo natter doctor --data-dir /home/alice/.local/share/natter --runtime-dir /run/user/1000/natter"
        #expect(DoctorChecks.report(facts).checks[4] == DoctorLine("firewall", .warn, "the firewall rules could not be read (listing them needs root)", fix: "run it as root to check them: `sudo natter doctor --data-dir /home/alice/.local/share/natter --runtime-dir /run/user/1000/natter`"))
    }

    @Test func firewallDroppingMDNSFailsWithTheRuleAndTheCommand() {
        var facts = Self.healthy()
        facts.firewall = .nftables("""
            table inet natterblock {
            \tchain input {
            \t\ttype filter hook input priority filter; policy accept;
            \t\tudp dport 5353 drop
            \t}
            }
            """)
        let line = DoctorChecks.report(facts).checks[4]
        #expect(line.text == "FAIL firewall: nftables drops UDP 5353 (mDNS): rule `udp dport 5353 drop` in nftables chain inet natterblock input — do: allow incoming UDP port 5353: `sudo nft insert rule inet natterblock input udp dport 5353 accept`")
    }

    @Test func forwardersNotRegisteredFailAndNoneAtAllIsFine() {
        var facts = Self.healthy()
        #expect(DoctorChecks.report(facts).checks[6].verdict == .ok)
        facts.forwarders = [
            ForwarderView(endpoint: "10.0.1.1:7000", configured: true, registered: true),
            ForwarderView(endpoint: "10.0.2.1:7000", configured: false, registered: false),
        ]
        #expect(DoctorChecks.report(facts).checks[6].text == "FAIL forwarders: not registered with 1 of 2 forwarders: 10.0.2.1:7000 (found on mDNS) — do: check that natter-forwarder runs at 10.0.2.1:7000 and was set up from this team's code (Docs/forwarder.md)")
        facts.forwarders?[1].registered = true
        #expect(DoctorChecks.report(facts).checks[6].summary == "registered with 10.0.1.1:7000 (configured), 10.0.2.1:7000 (found on mDNS)")
        facts.forwarders = nil
        #expect(DoctorChecks.report(facts).checks[6].verdict == .warn, "not known while natter is stopped")
    }

    @Test func handshakesRefusedForTheClockFailWithTheAddresses() {
        var facts = Self.healthy()
        #expect(DoctorChecks.report(facts).checks[7].summary == "no colleague's handshake was refused for a clock difference over 120 s")
        facts.clockRefusals = ["10.0.0.12": 3]
        #expect(DoctorChecks.report(facts).checks[7].text == "FAIL clock: handshakes from a colleague at 10.0.0.12 (3×) were refused: their clock and this one differ by more than 120 s — do: set the wrong clock right on both sides (`timedatectl` shows whether it is synchronised)")
        facts.refusedClockDifferences = ["10.0.0.12": -3_600_000]
        #expect(DoctorChecks.report(facts).checks[7].summary == "handshakes from a colleague at 10.0.0.12 (3×, their clock 1 h behind this one) were refused: their clock and this one differ by more than 120 s")
        facts.clockRefusals = nil
        #expect(DoctorChecks.report(facts).checks[7].verdict == .warn)
    }

    @Test func colleaguesLinkedDespiteTheirClockWarnWithHowFarOff() {
        var facts = Self.healthy()
        facts.clockDifferences = ["Bob": 3_600_000, "Carol": -310_000]
        #expect(DoctorChecks.report(facts).checks[7].text == "WARN clock: Bob's clock is 1 h ahead of this one; Carol's clock is 5 min 10 s behind this one: linked anyway (handshakes are stamped in the other's time), but older natters and older forwarders refuse a clock that far off — do: set the wrong clock right (`timedatectl` shows whether it is synchronised)")
        facts.clockRefusals = ["10.0.0.13": 1]
        #expect(DoctorChecks.report(facts).checks[7].verdict == .fail, "a colleague still refused outweighs the ones linked")
        facts.clockRefusals = [:]
        facts.clockDifferences = [:]
        #expect(DoctorChecks.report(facts).checks[7].verdict == .ok)
    }

    static let alice = PeerFacts.Colleague(name: "Bob", fingerprint: bob, online: true, relayed: false)

    @Test func aPeerLinkedDirectlyIsOKOnEveryLine() {
        var facts = Self.healthy([Self.record("me", .own), Self.record("bob", .colleague(Self.bob))])
        facts.peer = PeerFacts(query: "bob", colleague: Self.alice, tcpProbes: [.init(address: "10.0.0.12", port: 41231, failure: nil)])
        let report = DoctorChecks.report(facts)
        #expect(report.checks.suffix(3).map(\.text) == [
            "OK   peer-record: Bob's record is seen (10.0.0.12:41231)",
            "OK   peer-tcp: every address of Bob accepts TCP (10.0.0.12:41231)",
            "OK   peer-link: linked to Bob directly: the handshake completed",
        ])
        #expect(report.ok)
    }

    @Test func aPeerWhosePortIsDroppedFailsTCPAndTheLink() {
        var facts = Self.healthy([Self.record("me", .own), Self.record("bob", .colleague(Self.bob))])
        var bob = Self.alice
        bob.online = false
        facts.peer = PeerFacts(query: "bob", colleague: bob, tcpProbes: [.init(address: "10.0.0.12", port: 41231, failure: "timed out after 3.0 seconds (dropped?)")])
        let lines = DoctorChecks.report(facts).checks.suffix(3)
        #expect(lines.map(\.verdict) == [.ok, .fail, .fail])
        #expect(lines.dropFirst().first?.summary == "1 of 1 of Bob's addresses cannot be reached by TCP: 10.0.0.12:41231 timed out after 3.0 seconds (dropped?)")
        #expect(lines.last?.fix == "fix the lines above first")
    }

    @Test func aPeerThatAnswersButDoesNotHandshakePointsAtTeamAndClock() {
        var facts = Self.healthy([Self.record("me", .own), Self.record("bob", .colleague(Self.bob))])
        var bob = Self.alice
        bob.online = false
        facts.peer = PeerFacts(query: "bob", colleague: bob, tcpProbes: [.init(address: "10.0.0.12", port: 41231, failure: nil)])
        #expect(DoctorChecks.report(facts).checks.last?.fix?.contains("compare team codes, and clocks") == true)
        facts.clockRefusals = ["10.0.0.12": 2]
        #expect(DoctorChecks.report(facts).checks.last?.fix == "Bob's handshakes from 10.0.0.12 were refused for the clock: set the wrong clock right (`timedatectl`)")
    }

    @Test func aRelayedPeerWarnsAndAnUnknownOneFails() {
        var facts = Self.healthy()
        var bob = Self.alice
        bob.relayed = true
        facts.peer = PeerFacts(query: "bob", colleague: bob, tcpProbes: [])
        let lines = DoctorChecks.report(facts).checks.suffix(3)
        #expect(lines.map(\.verdict) == [.fail, .warn, .warn], "no record on this subnet, nothing to dial, relayed")
        facts.peer = PeerFacts(query: "zed", colleague: nil, tcpProbes: [])
        #expect(DoctorChecks.report(facts).checks.last == DoctorLine("peer", .fail, "no colleague matches \"zed\"", fix: "list your colleagues with `natter peers`"))
        facts.daemon = nil
        #expect(DoctorChecks.report(facts).checks.last?.summary == "\"zed\" cannot be looked up: natter is not running")
    }

    @Test func peerQueriesFollowTheAPIRules() {
        let colleagues = [
            PeerFacts.Colleague(name: "Bob", fingerprint: Self.bob, online: true, relayed: false),
            PeerFacts.Colleague(name: "Bobby", fingerprint: "CCCCK4MZ7QWERTYUIOPASDFGHJKLZXCV", online: true, relayed: false),
        ]
        #expect(PeerFacts.Colleague.matching("bob", in: colleagues)?.name == "Bob", "exact name first")
        #expect(PeerFacts.Colleague.matching("cccc", in: colleagues)?.name == "Bobby", "fingerprint prefix")
        #expect(PeerFacts.Colleague.matching("bobb", in: colleagues)?.name == "Bobby", "name prefix")
        #expect(PeerFacts.Colleague.matching("bo", in: colleagues) == nil, "ambiguous")
    }

    @Test func fixIsOnlyEverPresentWhenNotOK() {
        #expect(DoctorLine("x", .ok, "fine", fix: "nothing").fix == nil)
    }
}

@Suite("natter doctor --json: the report's JSON")
struct DoctorReportJSONTests {
    @Test func aReportIsItsLinesAndOkWithFixOnlyWhenNotOK() throws {
        let report = DoctorReport(checks: [
            DoctorLine("daemon", .ok, "natter is running"),
            DoctorLine("avahi", .fail, "avahi-daemon is not running", fix: "start it"),
        ])
        #expect(try APIJSON.line(report) == #"{"checks":[{"check":"daemon","summary":"natter is running","verdict":"OK"},{"check":"avahi","fix":"start it","summary":"avahi-daemon is not running","verdict":"FAIL"}],"ok":false}"#)
        #expect(report.exitStatus == 1)
    }
}
