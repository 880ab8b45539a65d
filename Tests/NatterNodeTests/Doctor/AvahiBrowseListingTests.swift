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

    /// 2026-11-26 12:00 UTC: records are published "now" and judged a second later.
    static let now: UInt64 = 1_764_158_400_000

    func record(_ fingerprint: DeviceFingerprint, team: TeamSubkeys) -> DiscoveryRecord {
        DiscoveryRecord(fingerprint: fingerprint, displayName: "X", status: .available, published: Self.now - 1000)
    }

    func line(_ fingerprint: DeviceFingerprint, team: TeamSubkeys, name: String? = nil, address: String = "10.0.0.12", interface: String = "eth0") -> String {
        let record = record(fingerprint, team: team)
        let instance = name ?? record.instanceName(team: team)
        return "=;\(interface);IPv4;\(instance);_natter._tcp;local;h.local;\(address);41231;"
            + record.encode(team: team).map { "\"\($0)\"" }.joined(separator: " ")
    }

    @Test func ownColleaguesOtherTeamsAndGarbageAreToldApart() {
        let output = [
            "+;eth0;IPv4;mine;_natter._tcp;local",
            line(me, team: team, address: "10.0.0.11"),
            line(bob, team: team),
            line(bob, team: other, name: "stranger"),
            line(bob, team: team, name: "natter-copied"),
            "=;eth0;IPv4;broken;_natter._tcp;local;h.local;10.0.0.14;41231;\"v=999\" \"t=zz\"",
            "=;eth0;IPv4;short;line",
        ].joined(separator: "\n")
        let outcome = AvahiBrowseListing.outcome(status: 0, output: output, team: team, own: me, nowMilliseconds: Self.now)
        guard case .answered(let records) = outcome else {
            Issue.record("expected an answer, got \(outcome)")
            return
        }
        #expect(records.map(\.instanceName) == [
            record(me, team: team).instanceName(team: team), record(bob, team: team).instanceName(team: team), "stranger", "natter-copied", "broken",
        ])
        #expect(records.map(\.owner) == [.own, .colleague(bob.compact), .otherTeam, .unreadable, .unreadable], "a copy under another name is not Bob")
        #expect(records[1].address == "10.0.0.12" && records[1].port == 41231 && records[1].interface == "eth0")
    }

    @Test func aStoppedDaemonAndOtherFailuresAreRecognised() {
        let stopped = AvahiBrowseListing.outcome(status: 1, output: "Failed to create client object: Daemon not running\n", team: team, own: me, nowMilliseconds: Self.now)
        #expect(stopped == .notRunning)
        let failed = AvahiBrowseListing.outcome(status: 1, output: "Failed to create browser: Bad state\n", team: team, own: me, nowMilliseconds: Self.now)
        #expect(failed == .failed("Failed to create browser: Bad state"))
    }

    @Test func txtStringsAndNamesAreUnescaped() {
        #expect(AvahiBrowseOutput.txtStrings(#""a=b" "q=\"x\\y\"" "d=\059""#) == ["a=b", #"q="x\y""#, "d=;"])
        #expect(AvahiBrowseOutput.unescaped(#"natter\032abc\.d"#) == "natter abc.d")
    }
}
