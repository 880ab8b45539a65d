import NatterCore
@testable import NatterNode
import Testing

/// Issue 14 items 2 and 3, the decisions: a round that comes late is a
/// sleep; an address that goes or comes is a network change. Time and
/// addresses are inputs, so nothing here sleeps or reads an interface.
@Suite("Network watch: sleeps and address changes")
struct NetworkWatchTests {
    static func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(sinceOrigin: .milliseconds(Int64(seconds * 1000))) }
    let interval = NodeConstants.maintenanceInterval
    let lan: Set<String> = ["10.231.0.12", "fe80::1%eth0"]

    @Test func theFirstRoundOnlyTakesNote() {
        var watch = NetworkWatch()
        #expect(watch.round(at: Self.at(500), interval: interval, addresses: lan).isEmpty)
    }

    @Test func roundsOnTimeOrALittleLateChangeNothing() {
        var watch = NetworkWatch()
        var now = 0.0
        _ = watch.round(at: Self.at(now), interval: interval, addresses: lan)
        for lateness in [0.0, 0.3, 2, 9.9] {
            now += 2 + lateness
            #expect(watch.round(at: Self.at(now), interval: interval, addresses: lan).isEmpty, "\(lateness) s late is a busy machine, not a sleep")
        }
    }

    @Test("a round at least 10 s late is a resume, with the time asleep", arguments: [10.0, 90, 3600])
    func aLateRoundIsAResume(lateness: Double) {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(100), interval: interval, addresses: lan)
        let changes = watch.round(at: Self.at(102 + lateness), interval: interval, addresses: lan)
        #expect(changes == [.resumed(after: .seconds(2 + lateness))])
        #expect(watch.round(at: Self.at(104 + lateness), interval: interval, addresses: lan).isEmpty, "once")
    }

    @Test func aChangedAddressIsOneLostAndOneGained() {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(0), interval: interval, addresses: lan)
        let moved: Set<String> = ["10.231.0.22", "fe80::1%eth0"]
        #expect(watch.round(at: Self.at(2), interval: interval, addresses: moved) == [.addressesLost(["10.231.0.12"]), .addressesGained(["10.231.0.22"])])
        #expect(watch.round(at: Self.at(4), interval: interval, addresses: moved).isEmpty)
    }

    @Test func anInterfaceDownThenUpIsALossThenAGain() {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(0), interval: interval, addresses: lan)
        #expect(watch.round(at: Self.at(2), interval: interval, addresses: []) == [.addressesLost(lan)])
        #expect(watch.round(at: Self.at(4), interval: interval, addresses: lan) == [.addressesGained(lan)])
    }

    @Test func aSecondInterfaceIsAGainOnly() {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(0), interval: interval, addresses: lan)
        #expect(watch.round(at: Self.at(2), interval: interval, addresses: lan.union(["10.231.5.12"])) == [.addressesGained(["10.231.5.12"])])
    }

    @Test func aSleepDuringWhichTheAddressChangedReportsBoth() {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(0), interval: interval, addresses: ["10.0.0.5"])
        #expect(watch.round(at: Self.at(600), interval: interval, addresses: ["192.168.1.5"])
            == [.resumed(after: .seconds(600)), .addressesLost(["10.0.0.5"]), .addressesGained(["192.168.1.5"])])
    }

    @Test func afterAnAddressChangeRoundsComeEveryHalfSecondForFiveSeconds() {
        var watch = NetworkWatch()
        _ = watch.round(at: Self.at(0), interval: interval, addresses: lan)
        #expect(watch.nextInterval(at: Self.at(0)) == interval, "a settled network: every 2 s")
        _ = watch.round(at: Self.at(2), interval: interval, addresses: [])  // deleted; its successor not there yet
        #expect(watch.nextInterval(at: Self.at(2)) == .milliseconds(500))
        #expect(watch.round(at: Self.at(2.5), interval: .milliseconds(500), addresses: ["10.231.0.22"]) == [.addressesGained(["10.231.0.22"])],
            "the successor half a second later; a quick round is not a late one")
        #expect(watch.nextInterval(at: Self.at(7.4)) == .milliseconds(500))
        #expect(watch.nextInterval(at: Self.at(7.5)) == interval, "5 s after the last change")
    }
}
