@testable import NatterDiscovery
import Testing

@Suite("Sightings to values")
struct SightingTrackerTests {
    typealias Tracker = SightingTracker<String>

    /// Accepts TXT "ok=VALUE", skips "own" (as natter skips its own fingerprint), rejects anything else.
    static func judge(_ sighting: AvahiService.Sighting) -> Tracker.Verdict {
        guard let first = sighting.txt.first else { return .reject }
        if first == "own" { return .skip }
        return first.hasPrefix("ok=") ? .accept(String(first.dropFirst(3))) : .reject
    }

    static func sighting(_ name: String, _ txt: String) -> AvahiService.Sighting {
        AvahiService.Sighting(instanceName: name, txt: [txt], address: "10.0.0.1", port: 1)
    }

    @Test func foundChangedLostBecomeAppearedReplacedDisappeared() {
        var tracker = Tracker()
        #expect(tracker.apply(.found(Self.sighting("a", "ok=1")), judge: Self.judge) == .appeared("1"))
        #expect(tracker.apply(.changed(Self.sighting("a", "ok=1")), judge: Self.judge) == nil)
        #expect(tracker.apply(.changed(Self.sighting("a", "ok=2")), judge: Self.judge) == .replaced("1", by: "2"))
        #expect(tracker.apply(.lost(instanceName: "a"), judge: Self.judge) == .disappeared("2"))
        #expect(tracker.apply(.lost(instanceName: "a"), judge: Self.judge) == nil)
        #expect(tracker.reported.isEmpty && tracker.rejected == 0)
    }

    @Test func aRejectedRecordIsCountedAndNeverReported() {
        var tracker = Tracker()
        #expect(tracker.apply(.found(Self.sighting("x", "junk")), judge: Self.judge) == nil)
        #expect(tracker.apply(.changed(Self.sighting("x", "junk2")), judge: Self.judge) == nil)
        #expect(tracker.apply(.lost(instanceName: "x"), judge: Self.judge) == nil)
        #expect(tracker.rejected == 2)
    }

    @Test func aRecordThatTurnsBadDisappearsAndOneThatTurnsGoodAppears() {
        var tracker = Tracker()
        _ = tracker.apply(.found(Self.sighting("a", "ok=1")), judge: Self.judge)
        #expect(tracker.apply(.changed(Self.sighting("a", "tampered")), judge: Self.judge) == .disappeared("1"))
        #expect(tracker.rejected == 1)
        #expect(tracker.apply(.changed(Self.sighting("a", "ok=3")), judge: Self.judge) == .appeared("3"))
    }

    @Test func skippedRecordsAreNeitherReportedNorCounted() {
        var tracker = Tracker()
        #expect(tracker.apply(.found(Self.sighting("me", "own")), judge: Self.judge) == nil)
        #expect(tracker.rejected == 0 && tracker.reported.isEmpty)
    }

    @Test func instancesAreTrackedByName() {
        var tracker = Tracker()
        _ = tracker.apply(.found(Self.sighting("a", "ok=1")), judge: Self.judge)
        #expect(tracker.apply(.found(Self.sighting("b", "ok=1")), judge: Self.judge) == .appeared("1"))
        #expect(tracker.apply(.lost(instanceName: "a"), judge: Self.judge) == .disappeared("1"))
        #expect(tracker.reported == ["b": "1"])
    }
}
