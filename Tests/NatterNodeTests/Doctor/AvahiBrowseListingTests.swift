import NatterCore
import NatterDiscovery
@testable import NatterNode
import NatterWire
import Testing

@Suite("natter doctor: avahi-browse's parsable output judged against the team")
struct AvahiBrowseListingTests {
    let team = TeamKey().subkeys
    let other = TeamKey().subkeys
    let me = DeviceFingerprint(bytes: [UInt8](repeating: 1, count: 32))
    let bob = DeviceFingerprint(bytes: [UInt8](repeating: 2, count: 32))

    func line(_ name: String, _ fingerprint: DeviceFingerprint, team: TeamSubkeys, address: String = "10.0.0.12", interface: String = "eth0") -> String {
        let txt = DiscoveryRecord(fingerprint: fingerprint, displayName: "X", status: .available, udpPort: 41232).encode(team: team)
        return "=;\(interface);IPv4;\(name);_natter._tcp;local;h.local;\(address);41231;" + txt.map { "\"\($0)\"" }.joined(separator: " ")
    }

    @Test func ownColleaguesOtherTeamsAndGarbageAreToldApart() {
        let output = [
            "+;eth0;IPv4;mine;_natter._tcp;local",
            line("mine", me, team: team, address: "10.0.0.11"),
            line("bob", bob, team: team),
            line("stranger", bob, team: other),
            "=;eth0;IPv4;broken;_natter._tcp;local;h.local;10.0.0.14;41231;\"v=999\" \"t=zz\"",
            "=;eth0;IPv4;short;line",
        ].joined(separator: "\n")
        let outcome = AvahiBrowseListing.outcome(status: 0, output: output, team: team, own: me)
        guard case .answered(let records) = outcome else {
            Issue.record("expected an answer, got \(outcome)")
            return
        }
        #expect(records.map(\.instanceName) == ["mine", "bob", "stranger", "broken"])
        #expect(records.map(\.owner) == [.own, .colleague(bob.compact), .otherTeam, .unreadable])
        #expect(records[1].address == "10.0.0.12" && records[1].port == 41231 && records[1].interface == "eth0")
    }

    @Test func aStoppedDaemonAndOtherFailuresAreRecognised() {
        let stopped = AvahiBrowseListing.outcome(status: 1, output: "Failed to create client object: Daemon not running\n", team: team, own: me)
        #expect(stopped == .notRunning)
        let failed = AvahiBrowseListing.outcome(status: 1, output: "Failed to create browser: Bad state\n", team: team, own: me)
        #expect(failed == .failed("Failed to create browser: Bad state"))
    }

    @Test func txtStringsAndNamesAreUnescaped() {
        #expect(AvahiBrowseListing.txtStrings(#""a=b" "q=\"x\\y\"" "d=\059""#) == ["a=b", #"q="x\y""#, "d=;"])
        #expect(AvahiBrowseListing.unescaped(#"natter\032abc\.d"#) == "natter abc.d")
    }
}
